"""The three lists chain end to end (S4-二(二)1..3), S3d defaults, report deadlines and bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from duban.inspections import services as s
from duban.inspections.models import Deadline, Entry, Inspection
from duban.inspections.sweep import sweep_inspections
from duban.items.errors import InvalidInput, ItemNotFound, PermissionDenied, StateConflict
from duban.items.models import Item
from duban.ledger.models import Event
from duban.org.models import User
from tests.factories import District, at
from tests.inspections.helpers import END, ended, found, make_pools, under_way

pytestmark = pytest.mark.django_db


def _entry_snapshot(e: Entry) -> tuple[str, int, int]:
    fresh = Entry.objects.get(pk=e.pk)
    return fresh.state, fresh.version, Event.objects.filter(kind__startswith="inspection.").count()


def test_S4_chain_finding_to_closed_rectification(district: District) -> None:
    d = district
    insp = under_way(d, make_pools(d))
    entry = found(d, insp)
    assert entry.state == "problem" and entry.number == 1
    ended(d, insp)
    entry = s.do_answer(actor=d.ursula, entry=entry, measures="增派施工队伍，12 月底前完工", now=at("2026-11-05"))
    assert entry.state == "measures"
    # S3d-二.1: no deadline set anywhere → general problems 7 days after the inspection ends.
    assert entry.deadline == END + dt.timedelta(days=7) and entry.deadline_rule == "S3d-二.1"
    entry = s.do_assign_responsibility(actor=d.alice, entry=entry, lead_unit=d.lead, co_units=[d.co],
                                       person=d.ursula, now=at("2026-11-06"))
    assert entry.state == "rectifying"
    # S4-二(二)3: report within 3 working days after the deadline (2026-11-11 is a Wednesday → Monday 16th).
    assert entry.report_due == dt.date(2026, 11, 16)
    found_event = Event.objects.get(kind="inspection.problem_found")
    assert found_event.data["lead_unit_id"] == d.lead.pk and found_event.data["co_unit_ids"] == [d.co.pk]
    assert found_event.data["tier"] == "district"
    entry = s.do_report_rectification(actor=d.ursula, entry=entry, text="已完工", now=at("2026-11-12"))
    assert entry.state == "reported"
    entry = s.do_verify(actor=d.alice, entry=entry, close=False, note="现场核验仍有 1 处未完工", on_site=True,
                        new_deadline=dt.date(2026, 11, 20), now=at("2026-11-13"))
    assert entry.state == "rectifying" and entry.reopen_count == 1
    entry = s.do_report_rectification(actor=d.ursula, entry=entry, text="全部完工", now=at("2026-11-19"))
    entry = s.do_verify(actor=d.alice, entry=entry, close=True, note="实地核验通过", on_site=True, now=at("2026-11-20"))
    assert entry.state == "closed"
    # 回头看: a rebound reopens the closed entry (S4-二(二)).
    entry = s.do_follow_up(actor=d.alice, entry=entry, rebound=True, note="回头看发现积水反弹",
                           new_deadline=dt.date(2026, 12, 10), now=at("2026-11-30"))
    assert entry.state == "rectifying" and entry.follow_up_count == 1
    assert list(Deadline.objects.filter(entry=entry, done_at__isnull=True).values_list("due_on", flat=True)) == [
        dt.date(2026, 12, 15)]


def test_S4_responsibility_refused_without_a_person(district: District) -> None:
    d = district
    insp = under_way(d, make_pools(d))
    entry = found(d, insp)
    ended(d, insp)
    entry = s.do_answer(actor=d.ursula, entry=entry, measures="整改", now=at("2026-11-05"))
    before = _entry_snapshot(entry)
    with pytest.raises(InvalidInput) as info:
        s.do_assign_responsibility(actor=d.alice, entry=entry, lead_unit=d.lead, person=None, now=at("2026-11-06"))
    assert "具体责任人" in info.value.message and "S4-二(二)3" in info.value.message
    with pytest.raises(InvalidInput):  # a person from an unrelated unit
        s.do_assign_responsibility(actor=d.alice, entry=entry, lead_unit=d.lead, person=d.oscar, now=at("2026-11-06"))
    with pytest.raises(PermissionDenied):  # the unit cannot write the responsibility list
        s.do_assign_responsibility(actor=d.ursula, entry=entry, lead_unit=d.lead, person=d.ursula,
                                   now=at("2026-11-06"))
    assert _entry_snapshot(entry) == before


def test_S4_escalation_in_writing_then_office_names_responsibility(district: District) -> None:
    d = district
    insp = under_way(d, make_pools(d))
    entry = found(d, insp, kind="major")
    ended(d, insp)
    with pytest.raises(InvalidInput):
        s.do_escalate(actor=d.ursula, entry=entry, text=" ", now=at("2026-11-05"))
    entry = s.do_escalate(actor=d.ursula, entry=entry, text="涉及跨部门资金，需区政府协调", now=at("2026-11-05"))
    assert entry.state == "escalated"
    entry = s.do_assign_responsibility(actor=d.alice, entry=entry, lead_unit=d.co, co_units=[d.lead],
                                       person=d.colin, measures="区财政局统筹资金", now=at("2026-11-06"))
    # S3d-二.1: major/complex problems 30 days.
    assert entry.deadline == END + dt.timedelta(days=30)


def test_S3d_extension_needs_timetable_and_at_most_60_days(district: District) -> None:
    d = district
    insp = under_way(d, make_pools(d))
    entry = found(d, insp)
    ended(d, insp)
    with pytest.raises(InvalidInput) as info:
        s.do_answer(actor=d.ursula, entry=entry, measures="整改", deadline=END + dt.timedelta(days=20),
                    now=at("2026-11-05"))
    assert "S3d-二.2" in info.value.message
    with pytest.raises(InvalidInput):
        s.do_answer(actor=d.ursula, entry=entry, measures="整改", deadline=END + dt.timedelta(days=61),
                    timetable="分三步", now=at("2026-11-05"))
    entry = s.do_answer(actor=d.ursula, entry=entry, measures="整改", deadline=END + dt.timedelta(days=40),
                        timetable="11 月设计，12 月施工", now=at("2026-11-05"))
    assert entry.deadline_rule == "S3d-二.2"


def test_S3d_policy_making_and_lazy_governance_defaults(district: District) -> None:
    d = district
    insp = under_way(d, make_pools(d))
    policy = found(d, insp, kind="policy_making")
    lazy = found(d, insp, kind="lazy_governance", description="窗口人员推诿")
    ended(d, insp)
    assert s.required_deadline(policy).date == END + dt.timedelta(days=3)
    assert s.required_deadline(policy).rule_id == "S3d-二.3"
    assert s.required_deadline(lazy).date == END + dt.timedelta(days=7)
    assert s.required_deadline(lazy).rule_id == "S3d-二.4"


def test_S4_late_rectification_report_is_urged_once_then_key_supervision(district: District) -> None:
    d = district
    insp = under_way(d, make_pools(d))
    entry = found(d, insp)
    insp = ended(d, insp)
    s.do_submit_report(actor=d.alice, inspection=insp, text="督查报告", now=at("2026-11-05"))
    entry = s.do_answer(actor=d.ursula, entry=entry, measures="整改", now=at("2026-11-05"))
    entry = s.do_assign_responsibility(actor=d.alice, entry=entry, lead_unit=d.lead, person=d.ursula,
                                       now=at("2026-11-06"))
    assert entry.report_due == dt.date(2026, 11, 16)
    assert sweep_inspections(at("2026-11-16", 20)).urged == []  # not late yet
    first = sweep_inspections(at("2026-11-17", 8))
    assert len(first.urged) == 1 and first.key_supervision == []
    assert sweep_inspections(at("2026-11-17", 9)).urged == []  # idempotent: never twice
    second = sweep_inspections(at("2026-11-18", 8))
    assert second.key_supervision == [entry.pk]
    assert Entry.objects.get(pk=entry.pk).key_supervision
    assert Event.objects.filter(kind="inspection.rectification_late").count() == 1
    from duban.accountability.models import Case

    case = Case.objects.get()
    assert case.trigger == "S3a-5(二)" and case.unit == d.lead
    sweep_inspections(at("2026-11-19", 8))
    assert Case.objects.count() == 1


def test_S4_late_inspection_report_is_urged(district: District) -> None:
    d = district
    insp = under_way(d, make_pools(d))
    found(d, insp)
    insp = ended(d, insp)
    # A pool team (S3c-14): the report is due 3 days after the task ends.
    assert insp.report_due == dt.date(2026, 11, 7) and insp.report_rule == "S3c-14"
    result = sweep_inspections(at("2026-11-10", 8))
    assert len(result.urged) == 1
    assert Event.objects.filter(kind="inspection.report_late").count() == 1
    insp = s.do_submit_report(actor=d.alice, inspection=insp, text="督查报告正文", now=at("2026-11-10", 10))
    assert not Deadline.objects.filter(inspection=insp, done_at__isnull=True).exists()
    with pytest.raises(InvalidInput):
        s.do_review_report(actor=d.alice, inspection=insp, accept=False, note="")
    insp = s.do_review_report(actor=d.alice, inspection=insp, accept=False, note="补充典型案例", now=at("2026-11-11"))
    assert insp.state == "reporting" and insp.report_returns == 1


def test_S4_patrol_report_due_in_5_working_days(district: District) -> None:
    d = district
    from tests.inspections.helpers import planned

    insp = planned(d, kind="patrol")
    s.do_submit_plan(actor=d.alice, inspection=insp, now=at("2026-10-22"))
    s.do_decide_plan(actor=d.dave, inspection=insp, approve=True, now=at("2026-10-23"))
    s.do_brief(actor=d.alice, inspection=insp, now=at("2026-10-30"))
    insp = s.do_end(actor=d.alice, inspection=Inspection.objects.get(pk=insp.pk), now=at("2026-11-04", 17))
    assert insp.report_due == dt.date(2026, 11, 11) and insp.report_rule == "S4-二(一)1"


def test_S4_1_problem_spawns_a_supervision_item_linked_both_ways(district: District) -> None:
    d = district
    insp = under_way(d, make_pools(d))
    entry = found(d, insp)
    entry = s.do_spawn_item(actor=d.alice, entry=entry, now=at("2026-11-03", 12))
    item = Item.objects.get(pk=entry.item_id)
    assert item.source == "inspection_finding"
    assert list(item.inspection_entries.all()) == [entry]
    with pytest.raises(StateConflict):
        s.do_spawn_item(actor=d.alice, entry=entry, now=at("2026-11-03", 13))


def test_finding_only_by_team_or_office_and_on_targets(district: District) -> None:
    d = district
    insp = under_way(d, make_pools(d))
    with pytest.raises(ItemNotFound):  # a unit outside the inspection does not even see it
        s.do_record_finding(actor=d.oscar, inspection=insp, unit=d.lead, kind="general",
                            description="x", now=at("2026-11-03"))
    with pytest.raises(InvalidInput):
        found(d, insp, unit=d.other)
    # Whoever was drawn: give their pool record the account of an inspector who signs in.
    member = insp.members.filter(active=True, pool="full_time").exclude(inspector__user=_ivan(d)).first()
    assert member is not None
    s.do_change_inspector(actor=d.alice, inspector=member.inspector, reason="开通系统账号",
                          changes={"user": _ivan(d)})
    ivan_entry = s.do_record_finding(actor=_ivan(d), inspection=insp,
                                     unit=d.sub, kind="general", description="下属单位台账不全",
                                     now=at("2026-11-03"))
    assert ivan_entry.unit == d.sub


def _ivan(d: District) -> User:
    return User.objects.get(username="ivan")


def test_S4_1_item_page_links_back_to_the_entry(district: District) -> None:
    from tests.factories import client_for

    d = district
    insp = under_way(d, make_pools(d))
    entry = s.do_spawn_item(actor=d.alice, entry=found(d, insp), now=at("2026-11-03", 12))
    page = client_for(d.alice).get(f"/items/{entry.item_id}/").content.decode()
    assert f"/inspections/entries/{entry.pk}/" in page


def test_duban_sweep_command_runs_the_inspections_pass(district: District) -> None:
    from io import StringIO

    from django.core.management import call_command

    from duban.inspections.models import Urge

    d = district
    insp = under_way(d, make_pools(d))
    found(d, insp)
    ended(d, insp)  # report due 2026-11-07 (S3c-14)
    call_command("duban_sweep", "--now", "2026-11-10T08:00", "--no-deliver", stdout=StringIO())
    call_command("duban_sweep", "--now", "2026-11-10T09:00", "--no-deliver", stdout=StringIO())
    assert Urge.objects.filter(deadline__inspection=insp).count() == 1


def test_S3b_12_1_problem_found_carries_tier_and_cause_for_scoring(district: District) -> None:
    d = district
    pools = make_pools(d)
    from tests.inspections.helpers import planned

    insp = planned(d, body_tier="municipal")
    assert insp.body_tier == "municipal"
    insp = under_way(d, pools)
    entry = found(d, insp)
    ended(d, insp)
    entry = s.do_answer(actor=d.ursula, entry=entry, measures="整改", now=at("2026-11-05"))
    with pytest.raises(InvalidInput):  # non-cooperation needs a co-unit
        s.do_assign_responsibility(actor=d.alice, entry=entry, lead_unit=d.lead, person=d.ursula,
                                   cause="co_noncooperation", now=at("2026-11-06"))
    s.do_assign_responsibility(actor=d.alice, entry=entry, lead_unit=d.lead, co_units=[d.co], person=d.ursula,
                               cause="co_noncooperation", now=at("2026-11-06"))
    event = Event.objects.get(kind="inspection.problem_found")
    assert event.data["cause"] == "co_noncooperation" and event.data["tier"] == "district"
    with pytest.raises(InvalidInput):
        planned(d, body_tier="galactic")
