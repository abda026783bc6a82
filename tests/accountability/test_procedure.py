"""S3a accountability: the S3a-9 procedure with every hand-over, its return loop, the S3a-10 skip,
sanctions S3a-6/7 combinable (S3a-8), copies (S3a-9(五), S2d), appeals, triggers (S3a-5, S3b-17)."""

from __future__ import annotations

import pytest

from duban.accountability import services as acc
from duban.accountability.models import Case, CaseSanction
from duban.core.accountability import ProposedSanction, Sanction
from duban.core.lifecycle import Role
from duban.items.errors import InvalidInput, PermissionDenied, StateConflict
from duban.ledger.models import Event
from duban.notify.models import Notification
from tests.factories import District, UnitFactory, UserFactory, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(district: District) -> dict[str, object]:
    j = district.jurisdiction
    competent = UnitFactory(jurisdiction=j, name="区人社局")
    carla = UserFactory(username="carla", jurisdiction=j, unit=competent, roles=[Role.UNIT_LIAISON])
    organisation = UnitFactory(jurisdiction=j, name="区委组织部")
    olive = UserFactory(username="olive", jurisdiction=j, unit=organisation, roles=[Role.ORGANISATION])
    # S2d: the discipline group stationed at the sanctioned unit (placed inside it).
    stationed = UnitFactory(jurisdiction=j, name="派驻纪检组", parent=district.lead)
    dora = UserFactory(username="dora", jurisdiction=j, unit=stationed, roles=[Role.DISCIPLINE])
    UserFactory(username="dan", jurisdiction=j, unit=organisation, roles=[Role.DISCIPLINE])
    return {"competent": competent, "carla": carla, "olive": olive, "dora": dora}


def _opened(d: District) -> Case:
    return acc.do_open_case(actor=d.alice, unit=d.lead, trigger="S3a-5(一)", summary="老旧小区改造假落实",
                            person=d.ursula, now=at("2026-11-02"))


def _handed(d: District, cast: dict[str, object]) -> Case:
    case = _opened(d)
    return acc.do_case_action(actor=d.alice, case=case, action="hand_over", text="建议对单位通报并约谈",
                              competent_unit=cast["competent"], implementing_unit=d.co,  # type: ignore[arg-type]
                              now=at("2026-11-03"))


def test_S3a_9_full_procedure_with_return_loop_copies_and_publication(district: District,
                                                                     cast: dict[str, object]) -> None:
    d = district
    carla = cast["carla"]
    case = _handed(d, cast)
    assert case.state == "verifying"
    case = acc.do_case_action(actor=carla, case=case, action="report_verification", text="核查属实",  # type: ignore[arg-type]
                              now=at("2026-11-05"))
    assert case.state == "proposing"
    case = acc.do_case_action(actor=d.colin, case=case, action="propose", text="拟书面检查",
                              sanctions=[ProposedSanction(Sanction.UNIT_CHECK)], now=at("2026-11-06"))
    assert case.state == "reviewing"
    # The department returns it once (S3a-9(三)), then the office returns an improper proposal.
    case = acc.do_case_action(actor=carla, case=case, action="review_return", text="处理偏轻",  # type: ignore[arg-type]
                              now=at("2026-11-07"))
    case = acc.do_case_action(actor=d.colin, case=case, action="propose", text="通报并诫勉",
                              sanctions=[ProposedSanction(Sanction.UNIT_CIRCULATE),
                                         ProposedSanction(Sanction.ADMONISH, d.ursula.pk)],
                              coordination="区纪委同意", now=at("2026-11-09"))
    case = acc.do_case_action(actor=carla, case=case, action="review_pass", text="同意",  # type: ignore[arg-type]
                              now=at("2026-11-10"))
    assert case.state == "rechecking"
    case = acc.do_case_action(actor=d.alice, case=case, action="return", text="事实认定需补充", now=at("2026-11-11"))
    assert case.state == "proposing" and case.return_count == 2
    case = acc.do_case_action(actor=d.colin, case=case, action="propose", text="通报并诫勉（补充事实）",
                              sanctions=[ProposedSanction(Sanction.UNIT_CIRCULATE),
                                         ProposedSanction(Sanction.ADMONISH, d.ursula.pk)],
                              coordination="区纪委同意", now=at("2026-11-12"))
    case = acc.do_case_action(actor=carla, case=case, action="review_pass", text="同意",  # type: ignore[arg-type]
                              now=at("2026-11-13"))
    case = acc.do_case_action(actor=d.alice, case=case, action="approve", now=at("2026-11-16"))
    assert case.state == "executing"
    case = acc.do_case_action(actor=d.colin, case=case, action="execute", text="已通报并诫勉谈话",
                              now=at("2026-11-18"))
    assert set(CaseSanction.objects.filter(case=case, executed=True).values_list("round", flat=True)) == {3}
    # Copies: the organisation department and the discipline group stationed at the unit (S2d).
    copied = set(Notification.objects.filter(kind="accountability_copy").values_list("recipient__username", flat=True))
    assert copied == {"olive", "dora"}
    with pytest.raises(InvalidInput):
        acc.do_case_action(actor=d.alice, case=case, action="publish", now=at("2026-11-19"))
    case = acc.do_case_action(actor=d.alice, case=case, action="publish", publication="public", now=at("2026-11-19"))
    assert case.state == "published" and case.closed_at is not None
    kinds = list(Event.objects.filter(kind__startswith="accountability.").values_list("rule_id", flat=True))
    assert kinds.count("S3a-9(三)") == 5 and "S3a-9(五)" in kinds
    appeal = acc.do_record_appeal(actor=d.colin, case=case, appellant="于联络员", kind="review", text="不服诫勉")
    acc.do_decide_appeal(actor=d.colin, appeal=appeal, outcome="维持原处理")


def test_S3a_10_verification_skipped_when_facts_are_clear(district: District, cast: dict[str, object]) -> None:
    d = district
    case = _handed(d, cast)
    with pytest.raises(InvalidInput):  # the reason is required
        acc.do_case_action(actor=cast["carla"], case=case, action="skip_verification", text="")  # type: ignore[arg-type]
    case = acc.do_case_action(actor=cast["carla"], case=case, action="skip_verification",  # type: ignore[arg-type]
                              text="事实清楚、证据确凿")
    assert case.state == "proposing" and case.verification_skipped


def test_S3a_9_each_step_only_by_its_party_and_nothing_changes(district: District, cast: dict[str, object]) -> None:
    d = district
    case = _handed(d, cast)
    events = Event.objects.count()
    for wrong in (d.alice, d.colin, d.oscar):
        with pytest.raises((PermissionDenied, Exception)):
            acc.do_case_action(actor=wrong, case=case, action="report_verification", text="核查")
    with pytest.raises(StateConflict):
        acc.do_case_action(actor=d.alice, case=case, action="approve")
    assert Case.objects.get(pk=case.pk).state == "verifying" and Event.objects.count() == events
    with pytest.raises(PermissionDenied):
        acc.do_open_case(actor=d.ursula, unit=d.lead, trigger="S3a-5(一)", summary="x")


def test_S3a_6_7_8_sanctions_validated(district: District, cast: dict[str, object]) -> None:
    d = district
    case = _handed(d, cast)
    case = acc.do_case_action(actor=cast["carla"], case=case, action="skip_verification", text="事实清楚")  # type: ignore[arg-type]
    bad = [
        [],  # none
        [ProposedSanction(Sanction.ADMONISH)],  # person sanction without a person
        [ProposedSanction(Sanction.UNIT_CHECK, d.ursula.pk)],  # unit sanction on a person
        [ProposedSanction(Sanction.DISCIPLINE, d.ursula.pk)],  # no coordination opinion (S3a-9(二))
    ]
    for sanctions in bad:
        with pytest.raises(InvalidInput):
            acc.do_case_action(actor=d.colin, case=case, action="propose", text="意见", sanctions=sanctions)
    assert not CaseSanction.objects.exists()
    case = acc.do_case_action(actor=d.colin, case=case, action="propose", text="意见", sanctions=[
        ProposedSanction(Sanction.UNIT_CHECK), ProposedSanction(Sanction.PERSON_CIRCULATE, d.ursula.pk)])
    assert CaseSanction.objects.filter(case=case).count() == 2


def test_S3b_17_trigger_opens_a_case_once_per_unit_and_period(district: District) -> None:
    d = district
    kwargs = {"jurisdiction": d.jurisdiction, "unit": d.lead, "trigger_rule_id": "S3b-17",
              "summary": "激励积分连续2年倒数后2位", "now": at("2027-01-05")}
    first = acc.open_case_from_trigger(facts={"period": "2025-2026", "ranks": [11, 12]}, **kwargs)  # type: ignore[arg-type]
    again = acc.open_case_from_trigger(facts={"period": "2025-2026"}, **kwargs)  # type: ignore[arg-type]
    assert first.pk == again.pk and first.trigger == "S3a-5(五)"
    other = acc.open_case_from_trigger(facts={"period": "2026-2027"}, **kwargs)  # type: ignore[arg-type]
    assert other.pk != first.pk
    with pytest.raises(InvalidInput):
        acc.open_case_from_trigger(facts={}, **kwargs)  # type: ignore[arg-type]


def test_S3a_5_2_key_supervision_item_opens_a_case_once(district: District) -> None:
    from duban.inspections.sweep import sweep_inspections
    from duban.items.models import Item
    from tests.web.conftest import received

    d = district
    item = received(d)
    Item.objects.filter(pk=item.pk).update(key_supervision=True, key_supervision_since=at("2026-11-10"))
    sweep_inspections(at("2026-11-10", 9))
    sweep_inspections(at("2026-11-11", 9))
    case = Case.objects.get()
    assert case.trigger == "S3a-5(二)" and case.unit == d.lead and case.source_item_id == item.pk
