"""Events → score entries → results through the Django layer (SPEC §4; issue 4 items 1–2)."""

from __future__ import annotations

import datetime as dt
import sys
import types
from typing import Any

import pytest
from django.utils import timezone

from duban.items import services as items
from duban.ledger import chain
from duban.ledger.models import Event
from duban.scoring import selectors, services
from duban.scoring.errors import ALREADY_COUNTERED, EVIDENCE_REQUIRED, InvalidInput, PermissionDenied, StateConflict
from duban.scoring.models import AppendOnlyError, ScoreEntry, SyncCursor, TriggerRecord
from tests.web.conftest import RECEIPT, assigned, closed

from .conftest import Scored, later

pytestmark = pytest.mark.django_db


def year() -> str:
    return str(timezone.localdate().year)


def totals(s: Scored, code: str | None = None) -> dict[str, tuple[float, int | None]]:
    comp = selectors.compute(s.d.jurisdiction.pk, code or year())
    names = {str(u.pk): u.code for u in (s.d.lead, s.d.co, s.d.other, s.street)}
    return {names[x.unit]: (x.total, x.rank) for x in comp.result.scores}


def entries(s: Scored, kind: str) -> list[ScoreEntry]:
    return list(ScoreEntry.objects.filter(jurisdiction=s.d.jurisdiction, kind=kind))


def test_s0_district_year_from_the_lifecycle(scored: Scored) -> None:
    """S0-A二 base 80; S0-A三.5 effectiveness 10 × closed ÷ category max; S0-A四.2 late receipt
    (比较重要 −2); S0-A四.5 a yellow ticket −5; S0-A三.1 a provincial commendation +3."""
    s, d = scored, scored.d
    item = closed(d)  # lead FGJ and co CZJ, 比较重要; the lead closes one item
    late = assigned(d, title="推进垃圾分类")
    items.do_receive(actor=d.ursula, item=late, now=later(9), **RECEIPT)
    chain.append(jurisdiction_id=d.jurisdiction.pk, kind="ticket_issued", at=later(10), item=late, unit=d.lead,
                 rule_id="S0-15", summary="签发黄色催办单", data={"colour": "yellow", "ticket": 1})
    report = services.sync(d.jurisdiction.pk)
    assert report.created >= 5
    assert [e.attr_dict["role"] for e in entries(s, "item_closed") if e.unit_id == d.lead.pk] == ["lead"]
    late_receipt = entries(s, "late_receipt")
    assert len(late_receipt) == 1 and late_receipt[0].rule_id == "S0-A四.2"
    assert late_receipt[0].source_event is not None and late_receipt[0].item_id == late.pk
    # FGJ: 80 + 10 − 2 − 5 = 83; CZJ and JYJ stay at 80 and share rank 2; the street is alone in 街道类.
    assert totals(s) == {"FGJ": (83.0, 1), "CZJ": (80.0, 2), "JYJ": (80.0, 2), "JD01": (80.0, 1)}
    fact = services.record_fact(actor=d.alice, unit=d.co, kind="commendation", day=timezone.localdate(),
                                attrs={"tier": "provincial"}, description="获省政府督查室通报表扬",
                                evidence_ref="晋政督〔2026〕3号")
    assert totals(s)["CZJ"] == (83.0, 1) and totals(s)["FGJ"] == (83.0, 1)
    comp = selectors.compute(d.jurisdiction.pk, year(), detail_unit=d.co.pk)
    line = next(x for x in comp.result.unit(str(d.co.pk)).lines if x.rule_id == "S0-A三.1")
    assert line.contribution == 3.0 and [comp.entries[r].source_fact_id for r in line.refs] == [fact.pk]
    # 冲正: the counter-entry cancels it; the ledger keeps both.
    entry = ScoreEntry.objects.get(source_fact=fact, counter_of__isnull=True)
    counter = services.counter_entry(actor=d.alice, entry=entry, reason="表扬对象系区财政局下属单位，录入有误")
    assert counter.times == -1 and counter.counter_of_id == entry.pk
    assert totals(s)["CZJ"] == (80.0, 2)
    assert Event.objects.filter(kind="scoring.counter_entry", data__entry=entry.pk).count() == 1
    with pytest.raises(StateConflict, match=ALREADY_COUNTERED):
        services.counter_entry(actor=d.alice, entry=entry, reason="再来一次")
    assert item.pk


def test_deriving_is_idempotent_and_incremental(scored: Scored) -> None:
    d = scored.d
    closed(d)
    first = services.sync(d.jurisdiction.pk)
    count = ScoreEntry.objects.count()
    assert first.created == count > 0
    assert services.sync(d.jurisdiction.pk).events == 0  # nothing new since the cursor
    SyncCursor.objects.filter(jurisdiction=d.jurisdiction).update(seq=0)  # read the whole chain again
    again = services.sync(d.jurisdiction.pk)
    assert again.events > 0 and again.created == 0 and ScoreEntry.objects.count() == count


def test_unknown_and_new_event_kinds(scored: Scored) -> None:
    """Kinds nobody mapped are ignored; mapped kinds of other parts (inspections, S3b-12(一)) and events
    that carry ``score_fact`` plug in without code."""
    d = scored.d
    j = d.jurisdiction.pk
    chain.append(jurisdiction_id=j, kind="grid.patrol_logged", at=timezone.now(), unit=d.lead, data={"x": 1})
    chain.append(jurisdiction_id=j, kind="inspection.problem_found", at=timezone.now(), unit=d.lead,
                 rule_id="S3b-12(一)", data={"tier": "provincial", "cause": "own", "lead_unit_id": d.lead.pk,
                                             "co_unit_ids": [d.co.pk]})
    chain.append(jurisdiction_id=j, kind="inspection.inspector_no_show", at=timezone.now(), unit=d.co)
    chain.append(jurisdiction_id=j, kind="grid.complaint", at=timezone.now(), unit=d.other,
                 data={"score_fact": {"kind": "quality_finding", "attrs": {"level": "especially"},
                                      "rule_id": "S0-A四.3"}})
    report = services.sync(j)
    assert report.unmapped["grid.patrol_logged"] == 1
    problems = {e.unit_id: e.attr_dict for e in ScoreEntry.objects.filter(kind="inspection_problem")}
    assert problems == {d.lead.pk: {"tier": "provincial", "cause": "own", "role": "lead"},
                        d.co.pk: {"tier": "provincial", "cause": "own", "role": "co"}}
    assert ScoreEntry.objects.filter(kind="inspector_no_show", unit=d.co).count() == 1
    quality = ScoreEntry.objects.get(kind="quality_finding")
    assert quality.unit_id == d.other.pk and quality.rule_id == "S0-A四.3"
    assert totals(scored)["JYJ"] == (77.0, 3)  # S0-A四.3: 特别重要 quality finding −3


def test_entries_and_facts_are_append_only(scored: Scored) -> None:
    d = scored.d
    fact = services.record_fact(actor=scored.assessor, unit=d.lead, kind="research_adopted",
                                day=timezone.localdate(), attrs={"tier": "municipal"},
                                description="调研报告被市政府采用",
                                evidence_ref="市政府办公室采用通知")
    entry = ScoreEntry.objects.get(source_fact=fact)
    entry.times = 5
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    fact.description = "改"
    with pytest.raises(AppendOnlyError):
        fact.save()


def test_recording_refuses_bad_input_and_changes_nothing(scored: Scored) -> None:
    d = scored.d
    before = (ScoreEntry.objects.count(), Event.objects.count())
    with pytest.raises(InvalidInput, match=EVIDENCE_REQUIRED):
        services.record_fact(actor=d.alice, unit=d.lead, kind="commendation", day=timezone.localdate(),
                             attrs={"tier": "provincial"}, description="表扬")
    with pytest.raises(InvalidInput, match="作出方层级须为"):
        services.record_fact(actor=d.alice, unit=d.lead, kind="commendation", day=timezone.localdate(),
                             attrs={"tier": "galactic"}, description="表扬", evidence_ref="x")
    with pytest.raises(InvalidInput, match="自动记账"):
        services.record_fact(actor=d.alice, unit=d.lead, kind="ticket_issued", day=timezone.localdate(),
                             attrs={"colour": "red"}, description="补录", evidence_ref="x")
    with pytest.raises(InvalidInput, match="不能晚于今天"):
        services.record_fact(actor=d.alice, unit=d.lead, kind="commendation", day=timezone.localdate()
                             + dt.timedelta(days=3), attrs={"tier": "district"}, description="表扬", evidence_ref="x")
    with pytest.raises(PermissionDenied):
        services.record_fact(actor=d.ursula, unit=d.lead, kind="commendation", day=timezone.localdate(),
                             attrs={"tier": "district"}, description="表扬", evidence_ref="x")
    assert (ScoreEntry.objects.count(), Event.objects.count()) == before


def _s3b(s: Scored) -> None:
    """S3b categories: the ZH units rank as municipal units (category map)."""
    services.choose_policy(actor=s.d.alice, preset="s3b", category_map={"ZH": "municipal", "JD": "county"},
                           reason="按激励积分办法考核")


def _obstruction(s: Scored, unit: Any, day: dt.date, times: int = 1) -> None:
    services.record_fact(actor=s.d.alice, unit=unit, kind="obstruction", day=day, times=times,
                         description="不配合市政府督查", evidence_ref="督查组报告", now=timezone.now())


def test_s3b_17_two_years_below_base_and_last_two_open_a_case(scored: Scored, monkeypatch: Any) -> None:
    """S3b-17: below 100 and among the last 2 for two years running → accountability (S3a-5(五))."""
    s, d = scored, scored.d
    _s3b(s)
    this = timezone.localdate()
    last = this.replace(year=this.year - 1, month=6, day=1)
    _obstruction(s, d.other, last)  # last year: JYJ 95 (S3b-12(四) −5), FGJ and CZJ 100
    _obstruction(s, d.other, this)
    calls: list[dict[str, Any]] = []
    fake = types.ModuleType("duban.accountability.services")

    def open_case_from_trigger(**kw: Any) -> Any:
        calls.append(kw)
        return types.SimpleNamespace(number="问〔2026〕1号")

    fake.open_case_from_trigger = open_case_from_trigger  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "duban.accountability.services", fake)
    services.publish(actor=d.alice, code=year())
    hit = TriggerRecord.objects.get(trigger_id="S3b-17")
    assert hit.unit_id == d.other.pk and hit.case_ref == "问〔2026〕1号"
    assert calls[0]["trigger_rule_id"] == "S3b-17" and calls[0]["unit"] == d.other
    assert set(calls[0]) == {"jurisdiction", "unit", "trigger_rule_id", "summary", "facts", "now", "person"}
    assert Event.objects.filter(kind="scoring.trigger", unit=d.other, rule_id="S3b-17").count() == 1
    # S3b-19: the first three municipal units are exempt from next year's inspection.
    assert TriggerRecord.objects.filter(trigger_id="S3b-19", action="exemption").count() == 3
    services.publish(actor=d.alice, code=year())  # published again: nothing fires twice
    assert TriggerRecord.objects.filter(trigger_id="S3b-17").count() == 1 and len(calls) == 1


def test_s3b_17_without_the_accountability_part(scored: Scored, monkeypatch: Any) -> None:
    s, d = scored, scored.d
    _s3b(s)
    this = timezone.localdate()
    _obstruction(s, d.other, this.replace(year=this.year - 1, month=3, day=2))
    _obstruction(s, d.other, this)
    monkeypatch.setitem(sys.modules, "duban.accountability.services", None)  # import raises ImportError
    services.publish(actor=d.alice, code=year())
    hit = TriggerRecord.objects.get(trigger_id="S3b-17")
    assert hit.case_ref == "" and hit.event is not None and hit.event.kind == "scoring.trigger"


def test_s3b_17_needs_both_years(scored: Scored) -> None:
    s, d = scored, scored.d
    _s3b(s)
    _obstruction(s, d.other, timezone.localdate())  # only this year
    services.publish(actor=d.alice, code=year())
    assert not TriggerRecord.objects.filter(trigger_id="S3b-17").exists()


def test_a_unit_page_counts_the_same_as_the_ranking(scored: Scored) -> None:
    """A fact recorded ×3 (S0-A三.1 national +5 each) counts 15 on the ranking and on the unit's lines."""
    d = scored.d
    services.record_fact(actor=d.alice, unit=d.co, kind="commendation", day=timezone.localdate(), times=3,
                         attrs={"tier": "national"}, description="三项国家级表彰", evidence_ref="国办督〔2026〕7号")
    ranking = selectors.compute(d.jurisdiction.pk, year()).result.unit(str(d.co.pk))
    detail = selectors.compute(d.jurisdiction.pk, year(), detail_unit=d.co.pk).result.unit(str(d.co.pk))
    assert ranking.total == detail.total == 95.0
    assert [(x.rule_id, x.count, x.contribution) for x in detail.lines] == [("S0-A三.1", 3, 15.0)]


def test_s3b_17_opens_a_real_accountability_case(scored: Scored) -> None:
    """With duban.accountability installed, S3b-17 opens one case (S3a-5(五)) per unit and period."""
    from duban.accountability.models import Case

    s, d = scored, scored.d
    _s3b(s)
    this = timezone.localdate()
    _obstruction(s, d.other, this.replace(year=this.year - 1, month=5, day=4))
    _obstruction(s, d.other, this)
    services.publish(actor=d.alice, code=year())
    services.publish(actor=d.alice, code=year())
    case = Case.objects.get(unit=d.other, trigger_rule_id="S3b-17")
    assert TriggerRecord.objects.get(trigger_id="S3b-17").case_ref == case.number
