"""The scoring JSON API (issue 4 item 4): results, a unit's lines, facts and counter-entries, what-if."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from duban.scoring.models import ScoreEntry
from tests.web.conftest import client_for, closed

from .conftest import Scored

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: dict[str, object]) -> object:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_results_lines_facts_counter_whatif(scored: Scored) -> None:
    d = scored.d
    closed(d)
    office = client_for(d.alice)
    year = str(timezone.localdate().year)
    results = office.get(f"/api/scoring/results?period={year}").json()
    fgj = next(u for u in results["units"] if u["unit_id"] == d.lead.pk)
    assert (fgj["total"], fgj["rank"], results["policy"]) == (90.0, 1, "s0")  # S0-A三.5: 80 + 10 × 1 ÷ 1
    lines = client_for(d.ursula).get(f"/api/scoring/units/{d.lead.pk}/lines?period={year}").json()
    line = next(x for x in lines["lines"] if x["rule_id"] == "S0-A三.5")
    entry = lines["entries"][str(line["entries"][0])]
    assert entry["kind"] == "item_closed" and entry["event_seq"] is not None
    assert client_for(d.ursula).get(f"/api/scoring/units/{d.co.pk}/lines").status_code == 404
    assert client_for(d.ursula).get("/api/scoring/results").status_code == 403
    created = post(office, "/api/scoring/facts", {
        "unit_id": d.co.pk, "kind": "leader_instruction_negative", "day": timezone.localdate().isoformat(),
        "attrs": {"tier": "district"}, "description": "区长批示：推进不力", "evidence_ref": "区长批示件"})
    assert created.status_code == 201  # type: ignore[attr-defined]
    czj = next(u for u in office.get("/api/scoring/results").json()["units"] if u["unit_id"] == d.co.pk)
    assert czj["total"] == 79.0  # S0-A四.1: district-level negative instruction −1
    bad = post(office, "/api/scoring/facts", {"unit_id": d.co.pk, "kind": "commendation",
                                              "day": timezone.localdate().isoformat(), "description": "x"})
    assert bad.status_code == 422 and "证明材料" in bad.json()["detail"]  # type: ignore[attr-defined]
    entry_id = created.json()["entry_id"]  # type: ignore[attr-defined]
    url = f"/api/scoring/entries/{entry_id}/counter"
    assert post(client_for(d.ursula), url, {"reason": "x"}).status_code == 403  # type: ignore[attr-defined]
    assert post(office, url, {"reason": "批示对象有误"}).status_code == 201  # type: ignore[attr-defined]
    assert post(office, url, {"reason": "再次"}).status_code == 409  # type: ignore[attr-defined]
    assert ScoreEntry.objects.filter(counter_of_id=entry_id).count() == 1
    whatif = post(office, "/api/scoring/whatif", {"preset": "s1"}).json()  # type: ignore[attr-defined]
    assert whatif["a"] == "s0" and whatif["b"] == "s1" and len(whatif["rows"]) == 4
    assert post(office, "/api/scoring/whatif", {"text": "garbage ="}).status_code == 422  # type: ignore[attr-defined]
