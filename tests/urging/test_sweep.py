"""The urging engine end to end on the database (S0-11, S0-15, S0-17, S3b-12(三))."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from duban.core.lifecycle import Level
from duban.items import services
from duban.items.errors import InvalidInput, PermissionDenied
from duban.items.models import Item, Source
from duban.ledger.models import Event
from duban.notify.models import Notification
from duban.urging import services as urging
from duban.urging.models import Ticket
from tests.factories import District, at

pytestmark = pytest.mark.django_db


def handed_out(d: District, *, level: str = Level.FAIRLY_IMPORTANT, deadline: dt.date = dt.date(2026, 3, 31)) -> Item:
    item = services.do_register(actor=d.alice, title="推进垃圾分类", content="完成全区垃圾分类设施建设",
                                source=Source.GOV_MEETING, level=level, supervising_leader=d.dave,
                                now=at("2026-03-02", 9))
    services.do_approve(actor=d.olga, item=item, now=at("2026-03-02", 10))
    services.do_assign(actor=d.alice, item=item, lead_unit=d.lead, deadline=deadline,
                       co_units=[services.CoUnit(d.co)], now=at("2026-03-02", 11))
    item.refresh_from_db()
    return item


def receive(d: District, item: Item, who: str = "ursula", day: str = "2026-03-02") -> None:
    services.do_receive(actor=getattr(d, who), item=item, responsible_leader="王", responsible_section="科",
                        responsible_person="李", now=at(day, 15))


def test_S0_15_late_receipt_drafts_blue_for_each_unit_and_sweep_is_idempotent(district: District) -> None:
    item = handed_out(district)
    assert urging.sweep(at("2026-03-03", 12)).drafted == []  # receipt due by end of 3 Mar
    result = urging.sweep(at("2026-03-04", 8))
    tickets = Ticket.objects.filter(item=item)
    assert sorted(t.unit_id for t in tickets) == sorted([district.lead.pk, district.co.pk])
    assert {(t.colour, t.trigger, t.state, t.signer_role) for t in tickets} == {
        ("blue", "late_receipt", "drafted", "office_head")}
    assert len(result.drafted) == 2
    # Running again — the same moment or later the same day — drafts nothing new.
    assert urging.sweep(at("2026-03-04", 8)).drafted == []
    assert urging.sweep(at("2026-03-04", 18)).drafted == []
    assert Ticket.objects.filter(item=item).count() == 2
    assert Event.objects.filter(item=item, kind="ticket_drafted").count() == 2
    # The signer (office head, S0-11) finds it in the inbox.
    assert Notification.objects.filter(recipient=district.olga, kind="ticket_to_sign").count() == 2


def test_S0_11_only_the_named_leader_signs_and_the_ticket_is_numbered(district: District) -> None:
    handed_out(district)
    urging.sweep(at("2026-03-04", 8))
    ticket = Ticket.objects.filter(unit=district.lead).get()
    for wrong in (district.alice, district.dave, district.ursula):
        with pytest.raises(PermissionDenied):
            urging.do_sign_ticket(actor=wrong, ticket=ticket, now=at("2026-03-04", 9))
    signed = urging.do_sign_ticket(actor=district.olga, ticket=ticket, now=at("2026-03-04", 9))
    assert signed.state == "issued" and signed.number == "督催〔2026〕1号"
    assert Notification.objects.filter(recipient=district.ursula, kind="ticket_issued").exists()
    other = Ticket.objects.get(unit=district.co)
    assert urging.do_sign_ticket(actor=district.olga, ticket=other, now=at("2026-03-04", 9)).number == "督催〔2026〕2号"


def test_S0_15_2_unanswered_blue_escalates_to_yellow_signed_by_supervising_deputy(district: District) -> None:
    item = handed_out(district)
    receive(district, item, "colin")  # the co-unit receives on time
    urging.sweep(at("2026-03-04", 8))
    blue = Ticket.objects.get(item=item)
    urging.do_sign_ticket(actor=district.olga, ticket=blue, now=at("2026-03-04", 9))
    urging.do_acknowledge_ticket(actor=district.ursula, ticket=blue, now=at("2026-03-04", 10))
    assert urging.sweep(at("2026-03-06", 8)).drafted == []  # inside the 2-day window (4 Mar + 2 working days)
    urging.sweep(at("2026-03-09", 8))
    yellow = Ticket.objects.get(item=item, colour="yellow")
    assert yellow.rule_id == "S0-15(二)" and yellow.copy_to == ["assessment"]  # S0-17
    assert urging.signers_for(yellow) == [district.dave]
    with pytest.raises(PermissionDenied):
        urging.do_sign_ticket(actor=district.olga, ticket=yellow, now=at("2026-03-09", 9))
    urging.do_sign_ticket(actor=district.dave, ticket=yellow, now=at("2026-03-09", 9))


def test_S0_15_3_red_goes_to_head_of_government_copied_to_discipline_and_organisation(district: District) -> None:
    from duban.core.lifecycle import Role
    from tests.factories import UserFactory

    discipline = UserFactory(jurisdiction=district.jurisdiction, roles=[Role.DISCIPLINE])
    item = handed_out(district)
    receive(district, item, "colin")
    urging.sweep(at("2026-03-04", 8))
    urging.do_sign_ticket(actor=district.olga, ticket=Ticket.objects.get(colour="blue"), now=at("2026-03-04", 9))
    urging.sweep(at("2026-03-09", 8))
    urging.do_sign_ticket(actor=district.dave, ticket=Ticket.objects.get(colour="yellow"), now=at("2026-03-09", 9))
    urging.sweep(at("2026-03-12", 8))
    red = Ticket.objects.get(item=item, colour="red")
    assert set(red.copy_to) == {"discipline", "organisation", "assessment"}
    assert urging.signers_for(red) == [district.gina]
    urging.do_sign_ticket(actor=district.gina, ticket=red, now=at("2026-03-12", 9))
    assert Notification.objects.filter(recipient=discipline, kind="ticket_issued").exists()


def test_S0_15_1_answer_with_objective_cause_needs_plan_signed_by_leader(district: District) -> None:
    item = handed_out(district)
    urging.sweep(at("2026-03-04", 8))
    ticket = urging.do_sign_ticket(actor=district.olga, ticket=Ticket.objects.get(unit=district.lead),
                                   now=at("2026-03-04", 9))
    with pytest.raises(PermissionDenied):
        urging.do_answer_ticket(actor=district.colin, ticket=ticket, answer="x")
    with pytest.raises(InvalidInput) as info:
        urging.do_answer_ticket(actor=district.ursula, ticket=ticket, answer="因拆迁未完成", objective_cause=True)
    assert set(info.value.field_errors) == {"plan", "plan_signed_by"}
    urging.do_answer_ticket(actor=district.ursula, ticket=ticket, answer="因拆迁未完成", objective_cause=True,
                            plan="3月20日前完成签收和方案", plan_signed_by="张副区长", now=at("2026-03-05", 9))
    ticket.refresh_from_db()
    assert ticket.state == "answered" and ticket.objective_cause
    assert item.events.filter(kind="ticket_answered").exists()


def test_S3b_12_3_two_working_days_overdue_enters_key_supervision(district: District) -> None:
    item = handed_out(district)
    urging.sweep(at("2026-03-04", 8))  # one working day late
    item.refresh_from_db()
    assert not item.key_supervision
    urging.sweep(at("2026-03-05", 8))  # two working days late
    item.refresh_from_db()
    assert item.key_supervision
    assert Event.objects.get(item=item, kind="key_supervision").rule_id == "S3b-12(三)"


def test_S0_8_late_progress_report_is_urged(district: District) -> None:
    item = handed_out(district, level=Level.ESPECIALLY_IMPORTANT)  # weekly reports
    receive(district, item)
    receive(district, item, "colin")
    assert urging.sweep(at("2026-03-09", 12)).drafted == []  # due 5 working days after receipt: 9 Mar
    urging.sweep(at("2026-03-10", 8))
    ticket = Ticket.objects.get(item=item)
    assert (ticket.trigger, ticket.unit_id, ticket.due_on) == ("late_report", district.lead.pk, dt.date(2026, 3, 9))
    # Reporting clears the lateness: no escalation afterwards.
    services.do_report_progress(actor=district.ursula, item=item, text="完成 40%", now=at("2026-03-10", 10))
    assert urging.sweep(at("2026-03-12", 8)).drafted == []


def test_S0_15_2_still_late_after_extension_starts_with_yellow(district: District) -> None:
    item = handed_out(district, deadline=dt.date(2026, 3, 10))
    receive(district, item)
    receive(district, item, "colin")
    request = services.do_request_extension(actor=district.ursula, item=item, requested_deadline=dt.date(2026, 3, 13),
                                            reason="设备未到", now=at("2026-03-05"))
    services.do_decide_extension(actor=district.olga, item=item, request=request, approve=True, now=at("2026-03-05"))
    urging.sweep(at("2026-03-16", 8))
    ticket = Ticket.objects.get(item=item)
    assert (ticket.colour, ticket.trigger, ticket.rule_id) == ("yellow", "late_completion", "S0-15(二)")


def test_office_override_drafts_a_higher_colour_with_written_reason(district: District) -> None:
    item = handed_out(district)
    with pytest.raises(InvalidInput):
        urging.do_override_ticket(actor=district.alice, item=item, unit_id=district.lead.pk, colour="red", reason="")
    with pytest.raises(PermissionDenied):
        urging.do_override_ticket(actor=district.ursula, item=item, unit_id=district.lead.pk, colour="red",
                                  reason="x")
    ticket = urging.do_override_ticket(actor=district.alice, item=item, unit_id=district.lead.pk, colour="red",
                                       reason="拒不签收，情节严重", now=at("2026-03-03", 9))
    assert ticket.colour == "red" and ticket.override_reason and ticket.signer_role == "gov_head"


def test_sweep_touches_only_due_items(district: District) -> None:
    due = handed_out(district)
    not_due = handed_out(district, deadline=dt.date(2026, 6, 30))
    receive(district, not_due)
    receive(district, not_due, "colin")
    result = urging.sweep(at("2026-03-04", 8))
    assert result.examined == 1 and {t.item_id for t in Ticket.objects.all()} == {due.pk}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweepers_issue_each_ticket_exactly_once(district: District) -> None:
    items = [handed_out(district) for _ in range(12)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            urging.sweep(at("2026-03-04", 8), batch=3)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Ticket.objects.count() == 2 * len(items)  # lead + co-unit, once each
    assert Event.objects.filter(kind="ticket_drafted").count() == 2 * len(items)


def test_reminder_one_working_day_before_the_due_date(district: District) -> None:
    item = handed_out(district, level=Level.ESPECIALLY_IMPORTANT)
    receive(district, item)
    receive(district, item, "colin")
    item.refresh_from_db()
    # Next report due Mon 9 Mar; the reminder comes on the working day before (Fri 6 Mar).
    assert timezone.localtime(item.next_due_at).date() == dt.date(2026, 3, 6)
    urging.sweep(at("2026-03-05", 9))
    assert not Notification.objects.filter(kind="reminder").exists()
    urging.sweep(at("2026-03-06", 9))
    urging.sweep(at("2026-03-06", 15))
    reminders = Notification.objects.filter(kind="reminder")
    assert [n.recipient for n in reminders] == [district.ursula] and "2026-03-09" in reminders[0].title


def test_policy_file_switches_colours_blue_orange_red(district: District, settings: object) -> None:
    settings.DUBAN_URGING_POLICY = "urging_blue_orange_red"  # type: ignore[attr-defined]
    item = handed_out(district)
    receive(district, item, "colin")
    urging.sweep(at("2026-03-04", 8))
    urging.do_sign_ticket(actor=district.olga, ticket=Ticket.objects.get(item=item), now=at("2026-03-04", 9))
    urging.sweep(at("2026-03-09", 8))
    assert Ticket.objects.get(item=item, colour="orange").colour_label == "橙色"
