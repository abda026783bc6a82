"""The item lifecycle through the service layer, rule by rule (SPEC §2; S0-9..14, S1-五)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.core.lifecycle import ItemState, Level
from duban.items import services
from duban.items.access import visible_items
from duban.items.errors import InvalidInput, ItemNotFound, PermissionDenied, StateConflict
from duban.items.models import Assignment, ExtensionRequest, Item, Objection, Source
from duban.ledger.chain import verify_chain
from duban.ledger.models import Event
from tests.factories import District, at

pytestmark = pytest.mark.django_db

MONDAY = "2026-03-02"


def register(d: District, *, now: dt.datetime | None = None, **kw: object) -> Item:
    fields: dict[str, object] = {
        "title": "推进老旧小区改造",
        "content": "完成 12 个老旧小区改造任务",
        "source": Source.GOV_MEETING,
        "level": Level.FAIRLY_IMPORTANT,
        "supervising_leader": d.dave,
    }
    fields.update(kw)
    return services.do_register(actor=d.alice, now=now or at(MONDAY, 9), **fields)  # type: ignore[arg-type]


def assigned(d: District, *, deadline: dt.date | None = dt.date(2026, 3, 31), co: bool = True) -> Item:
    item = register(d)
    services.do_approve(actor=d.olga, item=item, now=at(MONDAY, 10))
    co_units = [services.CoUnit(d.co, "提供资金保障")] if co else []
    return services.do_assign(
        actor=d.alice, item=item, lead_unit=d.lead, lead_part="牵头推进", co_units=co_units,
        deadline=deadline, now=at(MONDAY, 11),
    )


def received(d: District, **kw: object) -> Item:
    item = assigned(d, **kw)  # type: ignore[arg-type]
    services.do_receive(
        actor=d.ursula, item=item, responsible_leader="王副局长", responsible_section="规划科",
        responsible_person="李科长", now=at(MONDAY, 15),
    )
    item.refresh_from_db()
    return item


def snapshot(item: Item) -> tuple[str, int, int]:
    item.refresh_from_db()
    return item.state, item.version, Event.objects.filter(item=item).count()


# --- S0-9 立项 and approval -------------------------------------------------------------------------

def test_S0_9_register_creates_pending_item_with_number_and_event(district: District) -> None:
    item = register(district)
    assert item.state == ItemState.PENDING_APPROVAL
    assert item.code == "督〔2026〕1号"
    assert register(district).code == "督〔2026〕2号"
    event = Event.objects.get(item=item)
    assert (event.kind, event.rule_id, event.actor_id) == ("register", "S0-9", district.alice.pk)


def test_S0_9_units_cannot_register_items(district: District) -> None:
    with pytest.raises(PermissionDenied):
        services.do_register(actor=district.ursula, title="x", content="y", source=Source.OTHER,
                             level=Level.GENERALLY_IMPORTANT)
    assert not Item.objects.exists()


def test_register_rejects_missing_fields_and_changes_nothing(district: District) -> None:
    with pytest.raises(InvalidInput) as info:
        services.do_register(actor=district.alice, title=" ", content="", source="nonsense", level="x",
                             now=at(MONDAY))
    assert set(info.value.field_errors) == {"title", "content", "source", "level"}
    assert not Item.objects.exists() and not Event.objects.exists()


def test_S0_9_only_the_office_head_approves(district: District) -> None:
    item = register(district)
    with pytest.raises(PermissionDenied):
        services.do_approve(actor=district.alice, item=item)
    services.do_approve(actor=district.olga, item=item, now=at(MONDAY, 10))
    assert snapshot(item)[0] == ItemState.APPROVED


def test_S1_5_1_decline_needs_reason_then_resubmit(district: District) -> None:
    item = register(district)
    with pytest.raises(InvalidInput):
        services.do_decline(actor=district.olga, item=item, reason="  ")
    services.do_decline(actor=district.olga, item=item, reason="内容不具体")
    services.do_resubmit(actor=district.alice, item=item, content="完成 12 个小区改造，12 月底前竣工")
    item.refresh_from_db()
    assert item.state == ItemState.PENDING_APPROVAL and "竣工" in item.content


# --- S1-五(二) assignment ----------------------------------------------------------------------------

def test_S1_5_2_assign_one_lead_and_co_units(district: District) -> None:
    item = assigned(district)
    roles = {a.unit_id: a.role for a in item.assignments.all()}
    assert roles == {district.lead.pk: "lead", district.co.pk: "co"}
    assert item.state == ItemState.ASSIGNED and item.deadline == dt.date(2026, 3, 31)
    assert item.next_due_at is not None


def test_assign_refuses_deadline_before_assignment(district: District) -> None:
    item = register(district)
    services.do_approve(actor=district.olga, item=item, now=at(MONDAY, 10))
    before = snapshot(item)
    with pytest.raises(InvalidInput) as info:
        services.do_assign(actor=district.alice, item=item, lead_unit=district.lead,
                           deadline=dt.date(2026, 3, 1), now=at(MONDAY, 11))
    assert "deadline" in info.value.field_errors
    assert snapshot(item) == before and not Assignment.objects.exists()


def test_assign_refuses_unit_of_another_jurisdiction_and_duplicates(district: District) -> None:
    from tests.factories import UnitFactory

    foreign = UnitFactory()
    item = register(district)
    services.do_approve(actor=district.olga, item=item, now=at(MONDAY, 10))
    with pytest.raises(InvalidInput):
        services.do_assign(actor=district.alice, item=item, lead_unit=foreign, now=at(MONDAY, 11))
    with pytest.raises(InvalidInput):
        services.do_assign(actor=district.alice, item=item, lead_unit=district.lead,
                           co_units=[services.CoUnit(district.lead)], now=at(MONDAY, 11))
    assert not Assignment.objects.exists()


def test_S1_9_4_default_deadline_is_seven_working_days(district: District) -> None:
    item = register(district)
    services.do_approve(actor=district.olga, item=item, now=at(MONDAY, 10))
    services.do_assign(actor=district.alice, item=item, lead_unit=district.lead, deadline=None,
                       now=at(MONDAY, 11))
    item.refresh_from_db()
    assert item.deadline == dt.date(2026, 3, 11)  # Mon 2 Mar + 7 working days
    assert item.deadline_working_days == 7 and not item.deadline_provisional


def test_working_day_deadline_skips_national_day_holiday(district: District) -> None:
    item = register(district, now=at("2026-09-29", 9))
    services.do_approve(actor=district.olga, item=item, now=at("2026-09-29", 10))
    services.do_assign(actor=district.alice, item=item, lead_unit=district.lead, deadline_working_days=3,
                       now=at("2026-09-29", 11))
    item.refresh_from_db()
    # 30 Sep is a workday, 1–7 Oct National Day, 8 Oct (Thu) and 9 Oct (Fri) workdays.
    assert item.deadline == dt.date(2026, 10, 9)


def test_SPEC_8_deadline_in_unloaded_year_is_provisional(district: District) -> None:
    item = register(district, now=at("2026-12-21", 9))
    services.do_approve(actor=district.olga, item=item, now=at("2026-12-21", 10))
    services.do_assign(actor=district.alice, item=item, lead_unit=district.lead, deadline_working_days=15,
                       now=at("2026-12-21", 11))
    item.refresh_from_db()
    assert item.deadline is not None and item.deadline.year == 2027
    assert item.deadline_provisional


# --- S0-10 receipt and objection ---------------------------------------------------------------------

def test_S0_10_receipt_names_leader_section_person(district: District) -> None:
    item = assigned(district)
    with pytest.raises(InvalidInput) as info:
        services.do_receive(actor=district.ursula, item=item, responsible_leader="", responsible_section="",
                            responsible_person="", now=at(MONDAY, 15))
    assert set(info.value.field_errors) == {"responsible_leader", "responsible_section", "responsible_person"}
    item = received(district)
    lead = item.assignments.get(role="lead")
    assert lead.state == "received" and lead.responsible_person == "李科长"
    assert item.state == ItemState.IN_PROGRESS


def test_S0_10_co_unit_receipt_does_not_start_the_item(district: District) -> None:
    item = assigned(district)
    services.do_receive(actor=district.colin, item=item, responsible_leader="张", responsible_section="预算科",
                        responsible_person="赵", now=at(MONDAY, 15))
    assert snapshot(item)[0] == ItemState.ASSIGNED


def test_S1_5_3_milestones_must_fall_before_the_deadline(district: District) -> None:
    item = assigned(district)
    with pytest.raises(InvalidInput):
        services.do_receive(
            actor=district.ursula, item=item, responsible_leader="王", responsible_section="规划科",
            responsible_person="李", milestones=[services.PlannedMilestone("验收", dt.date(2026, 4, 30))],
            now=at(MONDAY, 15),
        )
    assert item.assignments.get(role="lead").state == "assigned"


def test_S0_A4_2_late_receipt_is_recorded(district: District) -> None:
    item = assigned(district)
    services.do_receive(actor=district.ursula, item=item, responsible_leader="王", responsible_section="规划科",
                        responsible_person="李", now=at("2026-03-05", 9))
    event = Event.objects.filter(item=item, kind="receive").get()
    assert event.data["late"] is True and event.rule_id == "S0-A四.2"


def test_S0_10_objection_on_the_day_of_receipt_is_on_time(district: District) -> None:
    item = received(district)
    objection = services.do_object(actor=district.ursula, item=item, text="时限过紧", now=at(MONDAY, 17))
    assert not objection.late


def test_S0_A4_2_objection_after_the_day_of_receipt_counts_as_late(district: District) -> None:
    item = received(district)
    objection = services.do_object(actor=district.ursula, item=item, text="分工不合理", now=at("2026-03-03", 9))
    assert objection.late
    assert Event.objects.get(item=item, kind="object").rule_id == "S0-A四.2"


def test_S0_10_office_answers_objection_and_may_move_the_deadline(district: District) -> None:
    item = received(district)
    objection = services.do_object(actor=district.ursula, item=item, text="时限过紧", now=at(MONDAY, 17))
    with pytest.raises(PermissionDenied):
        services.do_answer_objection(actor=district.ursula, item=item, objection=objection, accept=True,
                                     answer="同意")
    services.do_answer_objection(actor=district.alice, item=item, objection=objection, accept=True,
                                 answer="经请示同意延至4月10日", new_deadline=dt.date(2026, 4, 10),
                                 now=at("2026-03-03", 9))
    item.refresh_from_db()
    objection.refresh_from_db()
    assert item.deadline == dt.date(2026, 4, 10) and objection.outcome == Objection.Outcome.ACCEPTED
    with pytest.raises(StateConflict):
        services.do_answer_objection(actor=district.alice, item=item, objection=objection, accept=False,
                                     answer="again")


# --- S0-8 / S1-五(三) reports ------------------------------------------------------------------------

def test_S0_8_lead_unit_reports_progress_and_next_due_moves(district: District) -> None:
    item = received(district)
    due_before = item.next_due_at
    services.do_report_progress(actor=district.ursula, item=item, text="已完成 3 个小区", now=at("2026-03-09"))
    item.refresh_from_db()
    assert item.next_due_at is not None and due_before is not None and item.next_due_at >= due_before


def test_S1_5_3_lead_reports_for_all_co_unit_cannot_report_progress(district: District) -> None:
    item = received(district)
    with pytest.raises(PermissionDenied):
        services.do_report_progress(actor=district.colin, item=item, text="进展", now=at("2026-03-09"))


def test_S1_5_3_co_unit_reports_it_cannot_help(district: District) -> None:
    item = received(district)
    services.do_report_unable(actor=district.colin, item=item, text="无相关职能", now=at("2026-03-03"))
    assert item.assignments.get(role="co").state == Assignment.State.UNABLE
    with pytest.raises(PermissionDenied):
        services.do_report_unable(actor=district.ursula, item=item, text="lead cannot")


def test_extension_request_and_decision(district: District) -> None:
    item = received(district)
    with pytest.raises(InvalidInput):
        services.do_request_extension(actor=district.ursula, item=item, requested_deadline=dt.date(2026, 3, 20),
                                      reason="早于现时限")
    request = services.do_request_extension(actor=district.ursula, item=item,
                                            requested_deadline=dt.date(2026, 4, 30), reason="施工受阻")
    with pytest.raises(StateConflict):
        services.do_request_extension(actor=district.ursula, item=item,
                                      requested_deadline=dt.date(2026, 5, 30), reason="再申请")
    with pytest.raises(PermissionDenied):
        services.do_decide_extension(actor=district.ursula, item=item, request=request, approve=True)
    services.do_decide_extension(actor=district.olga, item=item, request=request, approve=True, note="同意")
    item.refresh_from_db()
    assert item.deadline == dt.date(2026, 4, 30)
    request.refresh_from_db()
    assert request.state == ExtensionRequest.State.APPROVED


# --- S0-12 review, S1-五(五) return, S0-13 leader, S0-14 archive ---------------------------------

def completed(d: District) -> Item:
    item = received(d)
    services.do_report_completion(actor=d.ursula, item=item, text="全部完成", now=at("2026-03-20"))
    item.refresh_from_db()
    return item


def test_S0_12_only_the_lead_unit_reports_completion(district: District) -> None:
    item = received(district)
    with pytest.raises(PermissionDenied):
        services.do_report_completion(actor=district.colin, item=item, text="完成")
    item = completed(district)
    assert item.state == ItemState.COMPLETION_REPORTED and item.next_due_at is None


def test_S1_5_5_return_needs_written_reasons_and_is_counted(district: District) -> None:
    item = completed(district)
    with pytest.raises(InvalidInput):
        services.do_office_return(actor=district.alice, item=item, reasons="")
    services.do_office_return(actor=district.alice, item=item, reasons="缺少验收材料", now=at("2026-03-21"))
    services.do_report_completion(actor=district.ursula, item=item, text="补充验收材料", now=at("2026-03-23"))
    services.do_office_return(actor=district.alice, item=item, reasons="数据不一致", now=at("2026-03-24"))
    item.refresh_from_db()
    assert item.return_count == 2 and item.state == ItemState.IN_PROGRESS
    returns = Event.objects.filter(item=item, kind="office_return").order_by("seq")
    assert [e.data["return_number"] for e in returns] == [1, 2]
    assert returns[0].reason == "缺少验收材料" and returns[0].rule_id == "S1-五(五)"


def test_S0_13_leader_pass_by_supervising_leader_only(district: District) -> None:
    from duban.core.lifecycle import Role
    from tests.factories import UserFactory

    item = completed(district)
    services.do_office_accept(actor=district.alice, item=item, opinion="材料齐全")
    other_deputy = UserFactory(jurisdiction=district.jurisdiction, roles=[Role.DEPUTY_HEAD])
    with pytest.raises((PermissionDenied, ItemNotFound)):
        services.do_leader_pass(actor=other_deputy, item=item)
    with pytest.raises(PermissionDenied):
        services.do_leader_pass(actor=district.alice, item=item)
    services.do_leader_pass(actor=district.dave, item=item, follow_up="circulate")
    assert snapshot(item)[0] == ItemState.CLOSED


def test_S1_5_6_leader_resupervise_reopens_the_item(district: District) -> None:
    item = completed(district)
    services.do_office_accept(actor=district.alice, item=item)
    services.do_leader_resupervise(actor=district.gina, item=item, reasons="群众仍有反映")
    item.refresh_from_db()
    assert item.state == ItemState.IN_PROGRESS and item.resupervise_count == 1


def test_S0_14_archive_with_custodian_after_close(district: District) -> None:
    item = completed(district)
    with pytest.raises(StateConflict):
        services.do_archive(actor=district.alice, item=item, custodian=district.alice)
    services.do_office_accept(actor=district.alice, item=item)
    services.do_leader_pass(actor=district.dave, item=item)
    with pytest.raises(InvalidInput):
        services.do_archive(actor=district.alice, item=item, custodian=district.ursula)
    services.do_archive(actor=district.alice, item=item, custodian=district.carl)
    item.refresh_from_db()
    assert item.state == ItemState.ARCHIVED and item.custodian == district.carl


# --- refusals change nothing ------------------------------------------------------------------------

def test_action_not_allowed_in_state_is_refused_and_changes_nothing(district: District) -> None:
    item = assigned(district)
    before = snapshot(item)
    with pytest.raises(StateConflict) as info:
        services.do_report_completion(actor=district.ursula, item=item, text="完成")
    assert "待签收" in info.value.message
    assert snapshot(item) == before


def test_stale_version_is_a_conflict(district: District) -> None:
    item = received(district)
    stale = item.version
    services.do_report_progress(actor=district.ursula, item=item, text="第一次", now=at("2026-03-03"))
    with pytest.raises(StateConflict):
        services.do_report_progress(actor=district.ursula, item=item, text="基于旧页面", expected_version=stale)


def test_attachment_size_and_type_are_limited(district: District, settings: object) -> None:
    item = received(district)
    settings.DUBAN_ATTACHMENT_MAX_BYTES = 10  # type: ignore[attr-defined]
    with pytest.raises(InvalidInput):
        services.do_attach(actor=district.ursula, item=item, upload=SimpleUploadedFile("a.pdf", b"x" * 11))
    with pytest.raises(InvalidInput):
        services.do_attach(actor=district.ursula, item=item, upload=SimpleUploadedFile("a.exe", b"x"))
    attachment = services.do_attach(actor=district.ursula, item=item,
                                    upload=SimpleUploadedFile("../../方案.pdf", b"%PDF"))
    assert attachment.original_name == "方案.pdf" and item.attachments.count() == 1


# --- visibility (SPEC §1, S1-九(五)) ---------------------------------------------------------------

def test_unit_sees_own_and_sub_units_items_only(district: District) -> None:
    item = received(district)
    assert item in visible_items(district.ursula)
    assert item in visible_items(district.colin)
    assert item not in visible_items(district.oscar)
    child_item = register(district, title="下属单位事项")
    services.do_approve(actor=district.olga, item=child_item)
    services.do_assign(actor=district.alice, item=child_item, lead_unit=district.sub, now=at(MONDAY, 11))
    assert child_item in visible_items(district.ursula)  # parent unit sees its sub-unit's item
    assert item not in visible_items(district.sam)  # the sub-unit does not see its parent's item
    with pytest.raises(ItemNotFound):
        services.do_report_progress(actor=district.oscar, item=item, text="x")


def test_units_do_not_see_items_before_hand_out(district: District) -> None:
    item = register(district)
    assert item not in visible_items(district.ursula)


def test_S1_9_5_confidential_item_seen_only_by_cleared_people(district: District) -> None:
    with pytest.raises(PermissionDenied):
        register(district, confidential=True)
    item = services.do_register(actor=district.carl, title="涉密事项", content="内容", source=Source.OTHER,
                                level=Level.ESPECIALLY_IMPORTANT, confidential=True, now=at(MONDAY))
    assert item in visible_items(district.carl)
    for person in (district.alice, district.olga, district.gina, district.ursula):
        assert item not in visible_items(person)


# --- the ledger ---------------------------------------------------------------------------------------

def test_full_lifecycle_leaves_a_verifiable_chain(district: District) -> None:
    item = completed(district)
    services.do_office_accept(actor=district.alice, item=item)
    services.do_leader_pass(actor=district.dave, item=item)
    services.do_archive(actor=district.alice, item=item, custodian=district.carl)
    kinds = list(Event.objects.filter(item=item).order_by("seq").values_list("kind", flat=True))
    assert kinds == ["register", "approve", "assign", "receive", "report_completion", "office_accept",
                     "leader_pass", "archive"]
    events = Event.objects.order_by("jurisdiction_id", "seq")
    assert verify_chain(events) is None
    # Tampering with a stored row breaks the chain at that row.
    target = Event.objects.get(item=item, kind="office_accept")
    Event.objects.filter(pk=target.pk).update(reason="篡改")
    broken = verify_chain(Event.objects.order_by("jurisdiction_id", "seq"))
    assert broken is not None and broken.seq == target.seq


def test_events_are_append_only(district: District) -> None:
    from duban.ledger.models import AppendOnlyError

    item = register(district)
    event = Event.objects.get(item=item)
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_SPEC_8_loading_the_year_recomputes_provisional_deadlines_with_history(district: District, tmp_path) -> None:
    from duban.workcal import service as workcal

    item = register(district, now=at("2026-12-21", 9))
    services.do_approve(actor=district.olga, item=item, now=at("2026-12-21", 10))
    services.do_assign(actor=district.alice, item=item, lead_unit=district.lead, deadline_working_days=10,
                       now=at("2026-12-21", 11))
    item.refresh_from_db()
    # Weekdays only: 22,23,24,25,28,29,30,31 Dec, then 1 Jan (Fri) and 4 Jan 2027.
    assert item.deadline == dt.date(2027, 1, 4) and item.deadline_provisional
    path = tmp_path / "2027.toml"
    path.write_text('year = 2027\n[[day]]\ndate = 2027-01-01\nworkday = false\nname = "元旦"\n', encoding="utf-8")
    workcal.load_year_from_file(path, now=at("2026-12-22", 9))
    item.refresh_from_db()
    assert item.deadline == dt.date(2027, 1, 5) and not item.deadline_provisional
    event = Event.objects.get(item=item, kind="deadline_recomputed")
    assert event.before["deadline"] == "2027-01-04" and event.after["deadline"] == "2027-01-05"
