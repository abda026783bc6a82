"""一网三库 (S3c): pools kept current, request approved by the deputy head, limits, recusal, the seeded
draw, consent, briefing, replacement of a no-show."""

from __future__ import annotations

import pytest

from duban.inspections import services as s
from duban.inspections.models import InspectorChange, TeamMember, TeamRequest
from duban.items.errors import InvalidInput, PermissionDenied, StateConflict
from duban.ledger.models import Event
from tests.factories import District, at
from tests.inspections.helpers import make_pools, planned, under_way

pytestmark = pytest.mark.django_db


def test_S3c_5_pool_changes_are_recorded(district: District) -> None:
    d = district
    pools = make_pools(d)
    inspector = pools.part_time[0]
    s.do_change_inspector(actor=d.alice, inspector=inspector, reason="调任区财政局", changes={"unit": d.co},
                          now=at("2026-10-10"))
    change = InspectorChange.objects.filter(inspector=inspector).first()
    assert change is not None and change.reason == "调任区财政局" and change.after["unit"] == d.co.pk
    assert Event.objects.filter(kind="inspection.pool_changed", rule_id="S3c-5").count() == 1
    with pytest.raises(InvalidInput):
        s.do_change_inspector(actor=d.alice, inspector=inspector, reason="", changes={"active": False})
    with pytest.raises(PermissionDenied):
        s.do_change_inspector(actor=d.ursula, inspector=inspector, reason="x", changes={"active": False})


def test_S3c_9_team_over_limits_is_refused_and_nothing_changes(district: District) -> None:
    d = district
    make_pools(d)
    insp = planned(d)
    events = Event.objects.count()
    for wanted in ({"full_time": 4}, {"part_time": 3}, {"invited": 3}, {"companion": 2}):
        with pytest.raises(InvalidInput) as info:
            s.do_request_team(actor=d.alice, inspection=insp, wanted=wanted, reason="督查", approver=d.dave)
        assert "S3c-9" in info.value.message
    assert not TeamRequest.objects.exists() and Event.objects.count() == events
    # Adjustable with a written reason.
    req = s.do_request_team(actor=d.alice, inspection=insp, wanted={"full_time": 4}, reason="督查", approver=d.dave,
                            limits={"full_time": 4}, adjustment_reason="跨县交叉督查任务量大")
    assert req.limits["full_time"] == 4


def test_S3c_10_only_the_named_deputy_head_approves(district: District) -> None:
    d = district
    make_pools(d)
    insp = planned(d)
    req = s.do_request_team(actor=d.alice, inspection=insp, wanted={"full_time": 2}, reason="督查", approver=d.dave)
    for wrong in (d.alice, d.olga, d.gina, d.ursula):
        with pytest.raises(PermissionDenied):
            s.do_decide_team_request(actor=wrong, request=req, approve=True)
    assert TeamRequest.objects.get(pk=req.pk).state == "pending"
    with pytest.raises(StateConflict):  # no draw before approval
        s.do_draw_team(actor=d.alice, request=req, seed=1)
    with pytest.raises(InvalidInput):  # a request must go to a deputy head
        s.do_request_team(actor=d.alice, inspection=planned(d), wanted={"full_time": 1}, reason="x", approver=d.olga)


def test_S3c_11_recusal_own_sub_and_linked_units_over_many_seeds(district: District) -> None:
    d = district
    pools = make_pools(d)
    recused = {i.pk for i in pools.full_time if i.name in ("本单位专职", "下属单位专职", "关联专职")}
    for seed in range(15):
        insp = planned(d)
        req = s.do_request_team(actor=d.alice, inspection=insp, wanted={"full_time": 3}, reason="督查",
                                approver=d.dave)
        s.do_decide_team_request(actor=d.dave, request=req, approve=True)
        members = s.do_draw_team(actor=d.alice, request=req, seed=seed)
        assert len(members) == 3 and not {m.inspector_id for m in members} & recused


def test_S3c_11_draw_is_seeded_reproducible_and_recorded(district: District) -> None:
    d = district
    make_pools(d)

    def draw(seed: int) -> list[int]:
        insp = planned(d)
        req = s.do_request_team(actor=d.alice, inspection=insp, wanted={"full_time": 2, "invited": 1},
                                reason="督查", approver=d.dave)
        s.do_decide_team_request(actor=d.dave, request=req, approve=True)
        return sorted(m.inspector_id for m in s.do_draw_team(actor=d.alice, request=req, seed=seed))

    # Workload changes between draws (task counts grow), so compare draws from the same state.
    from django.db import transaction

    with transaction.atomic():
        sid = transaction.savepoint()
        first = draw(42)
        transaction.savepoint_rollback(sid)
    assert draw(42) == first
    event = Event.objects.filter(kind="inspection.team_drawn").last()
    assert event is not None and event.data["seed"] == 42 and sorted(event.data["chosen"]) == first


def test_S3c_11_balanced_workload_over_many_draws(district: District) -> None:
    d = district
    pools = make_pools(d)
    eligible = [i.pk for i in pools.full_time if i.name not in ("本单位专职", "下属单位专职", "关联专职")]
    for seed in range(12):
        insp = planned(d)
        req = s.do_request_team(actor=d.alice, inspection=insp, wanted={"full_time": 2}, reason="督查",
                                approver=d.dave)
        s.do_decide_team_request(actor=d.dave, request=req, approve=True)
        s.do_draw_team(actor=d.alice, request=req, seed=seed)
    from duban.inspections.models import Inspector

    counts = dict(Inspector.objects.filter(pk__in=eligible).values_list("pk", "task_count"))
    # 24 places among 6 eligible: least-loaded first keeps everyone at exactly 4.
    assert set(counts.values()) == {4}


def test_S3c_11_consent_before_briefing_and_S3c_6_no_show_replaced(district: District) -> None:
    d = district
    make_pools(d)
    insp = planned(d)
    req = s.do_request_team(actor=d.alice, inspection=insp, wanted={"full_time": 1, "invited": 1}, reason="督查",
                            approver=d.dave)
    s.do_decide_team_request(actor=d.dave, request=req, approve=True)
    members = s.do_draw_team(actor=d.alice, request=req, seed=3)
    invited = next(m for m in members if m.pool == "invited")
    assert invited.consent == "pending"
    s.do_submit_plan(actor=d.alice, inspection=insp)
    with pytest.raises(PermissionDenied):  # S3c-11: the named leader approves the plan
        s.do_decide_plan(actor=d.olga, inspection=insp, approve=True)
    s.do_decide_plan(actor=d.dave, inspection=insp, approve=True)
    with pytest.raises(StateConflict):
        s.do_brief(actor=d.alice, inspection=insp)
    s.do_record_consent(actor=d.alice, member=invited, given=False, note="出差")
    new = s.do_replace_member(actor=d.alice, member=invited, reason="本人不同意", seed=1)
    assert new.pool == "invited" and new.inspector_id != invited.inspector_id
    s.do_record_consent(actor=d.alice, member=new, given=True)
    s.do_brief(actor=d.alice, inspection=insp)
    full = next(m for m in members if m.pool == "full_time")
    s.do_replace_member(actor=d.alice, member=full, reason="未按要求到岗", no_show=True, seed=2)
    event = Event.objects.get(kind="inspection.inspector_no_show")
    assert event.data["unit_id"] == full.inspector.unit_id and event.rule_id == "S3c-6"
    assert TeamMember.objects.filter(inspection=insp, active=True).count() == 2


def test_under_way_helper_gives_a_briefed_team(district: District) -> None:
    insp = under_way(district, make_pools(district))
    assert insp.state == "under_way"
    assert all(m.briefed_at for m in insp.members.filter(active=True))
