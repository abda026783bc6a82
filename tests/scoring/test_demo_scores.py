"""The demo district's 2026 scores (issue 4 item 6): a full ranking, facts, a counter-entry, published."""

from __future__ import annotations

import pytest

from duban.demo.builder import build
from duban.ledger.chain import verify_chain
from duban.ledger.models import Event
from duban.scoring import selectors
from duban.scoring.models import PublishedResult, RecordedFact, ScoreEntry

pytestmark = pytest.mark.django_db


def test_demo_ranking_is_full_and_explained() -> None:
    demo = build()
    j = demo.jurisdiction.pk
    comp = selectors.compute(j, "2026")
    scored = comp.result.scores
    assert len(scored) >= 38 and {s.category for s in scored} == {c.code for c in comp.policy.categories}
    assert len({s.total for s in scored}) > 5  # the ranking is not flat
    assert RecordedFact.objects.filter(jurisdiction_id=j).count() >= 10
    assert ScoreEntry.objects.filter(jurisdiction_id=j, origin="counter").count() == 1
    kinds = set(ScoreEntry.objects.filter(jurisdiction_id=j).values_list("kind", flat=True))
    assert {"ticket_issued", "item_closed", "late_receipt", "commendation"} <= kinds
    published = PublishedResult.objects.get(jurisdiction_id=j, period="2026")
    assert len(published.data["units"]) == len(scored)
    assert verify_chain(Event.objects.filter(jurisdiction_id=j).order_by("seq")) is None
    for s in scored:  # every total is the base plus its lines (S0-A二)
        assert round(s.base + sum(x.contribution for x in s.lines), 2) == s.total
