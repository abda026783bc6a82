"""Score shapes: each entry's (kind, attributes) interned once, what the ranking groups on (bench/scoring).

Every way an entry is written fills its shape; entries that differ only in attributes the policy does not
read count together; a counter-entry (冲正) shares its entry's shape and cancels it; the data migration
gives the entries already in the ledger their shapes.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from duban.core.scoring import Period
from duban.ledger import chain
from duban.scoring import selectors, services
from duban.scoring.models import AppendOnlyError, ScoreEntry, ScoreShape, canonical_attrs, quarter_index, shape_ids
from tests.web.conftest import assigned

from .conftest import Scored, later

pytestmark = pytest.mark.django_db


def _entry(s: Scored, unit_id: int, kind: str, attrs: dict[str, object], day: dt.date, times: int = 1) -> ScoreEntry:
    return ScoreEntry.objects.create(
        jurisdiction=s.d.jurisdiction, unit_id=unit_id, kind=kind, day=day, quarter=quarter_index(day),
        attrs=canonical_attrs(attrs), times=times, origin=ScoreEntry.Origin.FACT, created_at=timezone.now())


def _facts(s: Scored, year: int) -> list[tuple[str, str, tuple[tuple[str, object], ...], int]]:
    in_use = selectors.current_policy(s.d.jurisdiction.pk)
    got = selectors.aggregated_facts(s.d.jurisdiction.pk, Period.year(year), by_quarter=False, policy=in_use.policy)
    return sorted((f.unit, f.kind, f.attrs, f.times) for f in got)


def test_every_write_path_interns_the_shape(scored: Scored) -> None:
    """sync (S0-A四.5 a ticket), record_fact (S0-A三.1 a commendation) and counter_entry (冲正) all point
    the entry at the shape of its own (kind, attributes); one shape per distinct pair."""
    d = scored.d
    item = assigned(d, title="推进垃圾分类")
    chain.append(jurisdiction_id=d.jurisdiction.pk, kind="ticket_issued", at=later(10), item=item, unit=d.lead,
                 rule_id="S0-15", summary="签发黄色催办单", data={"colour": "yellow", "ticket": 1})
    services.sync(d.jurisdiction.pk)
    fact = services.record_fact(actor=d.alice, unit=d.co, kind="commendation", day=timezone.localdate(),
                                attrs={"tier": "provincial"}, description="获省政府督查室通报表扬",
                                evidence_ref="晋政督〔2026〕3号")
    entry = ScoreEntry.objects.get(source_fact=fact, counter_of__isnull=True)
    counter = services.counter_entry(actor=d.alice, entry=entry, reason="录入有误")
    rows = list(ScoreEntry.objects.select_related("shape"))
    assert rows and any(e.kind == "ticket_issued" for e in rows)
    assert all((e.shape.kind, e.shape.attrs) == (e.kind, e.attrs) for e in rows)
    assert counter.shape_id == entry.shape_id
    assert ScoreShape.objects.count() == len({(e.kind, e.attrs) for e in rows})
    again = shape_ids([(entry.kind, entry.attrs), ("commendation", canonical_attrs({"tier": "national"}))])
    assert again[(entry.kind, entry.attrs)] == entry.shape_id  # known pairs are looked up, not added again
    assert ScoreShape.objects.count() == len({(e.kind, e.attrs) for e in rows}) + 1
    shape = ScoreShape.objects.get(pk=entry.shape_id)
    shape.attrs = "{}"
    with pytest.raises(AppendOnlyError):
        shape.save()


def test_s0_a4_5_shapes_differing_in_unread_attributes_count_together(scored: Scored) -> None:
    """S0-A四.5 reads only a ticket's colour: red tickets of two levels and roles are two shapes but one
    fact of two; a counter-entry cancels its entry; a null attribute counts as absent (S0-A三.1 tier)."""
    s, d = scored, scored.d
    day = timezone.localdate()
    _entry(s, d.lead.pk, "ticket_issued", {"colour": "red", "level": "fairly", "role": "lead"}, day)
    _entry(s, d.lead.pk, "ticket_issued", {"colour": "red", "level": "generally", "role": "co"}, day)
    cancelled = _entry(s, d.lead.pk, "ticket_issued", {"colour": "blue", "level": "fairly", "role": "lead"}, day)
    _entry(s, d.lead.pk, "ticket_issued", json.loads(cancelled.attrs), day, times=-1)
    _entry(s, d.co.pk, "commendation", {"tier": None}, day)
    _entry(s, d.co.pk, "commendation", {}, day)
    _entry(s, d.co.pk, "item_assigned", {"level": "fairly", "role": "lead"}, day)  # S0 never reads it
    assert ScoreShape.objects.filter(kind="ticket_issued").count() == 3
    assert _facts(s, day.year) == sorted([(str(d.lead.pk), "ticket_issued", (("colour", "red"),), 2),
                                          (str(d.co.pk), "commendation", (), 2)])
    totals = {x.unit: x.total for x in selectors.compute(d.jurisdiction.pk, str(day.year)).result.scores}
    assert totals[str(d.lead.pk)] == 80 - 2 * 10  # two red tickets, the blue one cancelled


def test_a_unit_page_and_a_quarter_group_the_same(scored: Scored) -> None:
    """A unit's page (its own entries one by one) gives the figures of the ranking (S0-A四.5), and a
    period of one quarter or two years is bucketed as the policy needs."""
    s, d = scored, scored.d
    day = timezone.localdate()
    for colour in ("red", "yellow", "yellow"):
        _entry(s, d.lead.pk, "ticket_issued", {"colour": colour, "level": "fairly", "role": "lead"}, day)
    _entry(s, d.lead.pk, "ticket_issued", {"colour": "blue", "role": "lead"}, dt.date(day.year - 1, 6, 1))
    ranking = selectors.compute(d.jurisdiction.pk, str(day.year)).result.unit(str(d.lead.pk))
    page = selectors.compute(d.jurisdiction.pk, str(day.year), detail_unit=d.lead.pk).result.unit(str(d.lead.pk))
    assert ranking.total == page.total == 80 - 10 - 2 * 5
    quarter = f"{day.year}Q{(day.month - 1) // 3 + 1}"
    assert selectors.compute(d.jurisdiction.pk, quarter).result.unit(str(d.lead.pk)).total == 80 - 10 - 2 * 5
    both = selectors.compute(d.jurisdiction.pk, f"{day.year - 1}-{day.year}").result.unit(str(d.lead.pk))
    assert both.deductions_raw == 10 + 2 * 5 + 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner setting is PostgreSQL's")
def test_the_ranking_puts_the_planner_setting_back(scored: Scored) -> None:
    s, d = scored, scored.d
    _entry(s, d.lead.pk, "ticket_issued", {"colour": "red"}, timezone.localdate())
    with transaction.atomic(), connection.cursor() as cur:
        selectors.compute(d.jurisdiction.pk, str(timezone.localdate().year))
        cur.execute("SHOW enable_sort")
        assert cur.fetchone() == ("on",)


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_entries_their_shapes(scored: Scored) -> None:
    """Entries written before shapes existed (scoring 0001) get one shape per distinct (kind, attrs)."""
    d = scored.d
    executor = MigrationExecutor(connection)
    executor.migrate([("scoring", "0001_initial")])
    try:
        old = executor.loader.project_state([("scoring", "0001_initial")]).apps.get_model("scoring", "ScoreEntry")
        day = timezone.localdate()
        for unit, kind, attrs in ((d.lead, "ticket_issued", '{"colour":"red"}'),
                                  (d.co, "ticket_issued", '{"colour":"red"}'),
                                  (d.lead, "late_report", '{"level":"fairly"}')):
            old.objects.create(jurisdiction_id=d.jurisdiction.pk, unit_id=unit.pk, kind=kind, day=day,
                               quarter=quarter_index(day), attrs=attrs, times=1, origin="fact",
                               created_at=timezone.now())
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    rows = list(ScoreEntry.objects.select_related("shape"))
    assert len(rows) == 3 and all((e.shape.kind, e.shape.attrs) == (e.kind, e.attrs) for e in rows)
    assert ScoreShape.objects.count() == 2
