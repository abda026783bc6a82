"""The urging engine: the sweep that drafts tickets, and the ticket actions (SPEC §3).

The sweep reads due items with an indexed range query on ``Item.next_due_at`` (never a scan of open
items), evaluates each in its own transaction with the pure rules of ``duban.core.escalation``, and
drafts tickets. It is idempotent — the unique constraint on (item, unit, occurrence, colour) means a
ticket is drafted once however often or however many sweepers run — and safe with several sweepers on
PostgreSQL (``SELECT … FOR UPDATE SKIP LOCKED``); on SQLite, IMMEDIATE transactions serialise writers
and the re-check of ``next_due_at`` inside the transaction is the compare-and-set.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from duban.core.escalation import Overdue, TicketFacts, Trigger, UrgingPolicy, decide
from duban.core.lifecycle import UNIT_ROLES, ItemState, Role
from duban.items import access
from duban.items.due import compute_next_due, end_of, next_check, receipt_due_on, reminder_day
from duban.items.errors import InvalidInput, ItemNotFound, PermissionDenied, StateConflict
from duban.items.models import Assignment, ExtensionRequest, Item
from duban.items.services import next_number
from duban.ledger import chain
from duban.notify.services import notify
from duban.org.models import User
from duban.workcal.service import current_calendar

from .models import Ticket

log = logging.getLogger("duban.urging")

def current_policy() -> UrgingPolicy:
    """The urging policy of the active policy file (DUBAN_URGING_POLICY)."""
    from .policy import active

    return active().urging


def _today(now: dt.datetime) -> dt.date:
    return timezone.localdate(now)


# --- facts -------------------------------------------------------------------------------------------

def overdue_facts(item: Item, today: dt.date) -> list[Overdue]:
    """Each lateness occurrence on the item today, per unit (S0-15; S0-A四.2 for receipt)."""
    from duban.core.cadence import next_report_due
    from duban.items.due import cadence_policy

    facts: list[Overdue] = []
    state = item.state_enum
    if state not in (ItemState.ASSIGNED, ItemState.IN_PROGRESS):
        return facts
    calendar = current_calendar(item.jurisdiction_id)
    assignments = list(item.assignments.all())
    receipt_due = receipt_due_on(item)
    for a in assignments:
        if a.state == Assignment.State.ASSIGNED and receipt_due is not None and today > receipt_due:
            facts.append(Overdue(Trigger.LATE_RECEIPT, a.unit_id, receipt_due))
    lead = next((a for a in assignments if a.role == Assignment.Role.LEAD), None)
    if lead is None or lead.state != Assignment.State.RECEIVED:
        return facts
    if item.deadline is not None and today > item.deadline:
        extended = item.extension_requests.filter(state=ExtensionRequest.State.APPROVED).exists()
        facts.append(Overdue(Trigger.LATE_COMPLETION, lead.unit_id, item.deadline, after_extension=extended))
        return facts  # late completion supersedes late reports on the same unit
    since = lead.last_report_at or lead.received_at
    if since is not None:
        report_due = next_report_due(cadence_policy(), item.level, timezone.localdate(since), item.deadline, calendar)
        if today > report_due:
            facts.append(Overdue(Trigger.LATE_REPORT, lead.unit_id, report_due))
    return facts


def _ticket_facts(item: Item) -> list[TicketFacts]:
    return [
        TicketFacts(
            colour=t.colour,
            unit_id=t.unit_id,
            occurrence=t.occurrence,
            drafted_on=timezone.localdate(t.drafted_at),
            issued_on=timezone.localdate(t.issued_at) if t.issued_at else None,
            answered_on=timezone.localdate(t.answered_at) if t.answered_at else None,
            cancelled=t.state == Ticket.State.CANCELLED,
        )
        for t in item.tickets.all()
    ]


# --- people ------------------------------------------------------------------------------------------

def signers_for(ticket: Ticket) -> list[User]:
    """S0-11: blue → office head; yellow → the supervising deputy head; red → head of government."""
    people = User.objects.filter(jurisdiction_id=ticket.jurisdiction_id, is_active=True)
    if ticket.signer_role == Role.DEPUTY_HEAD:
        item = ticket.item
        for leader_id in (item.supervising_leader_id, ticket.unit.supervising_leader_id):
            if leader_id is not None:
                leader = people.filter(pk=leader_id, role_grants__role=Role.DEPUTY_HEAD).first()
                if leader is not None:
                    return [leader]
    return list(people.filter(role_grants__role=ticket.signer_role).distinct())


def may_sign(user: User, ticket: Ticket) -> bool:
    return user.jurisdiction_id == ticket.jurisdiction_id and user in signers_for(ticket)


def _unit_people(unit_id: int, jurisdiction_id: int) -> list[User]:
    return list(
        User.objects.filter(jurisdiction_id=jurisdiction_id, unit_id=unit_id, is_active=True,
                            role_grants__role__in=list(UNIT_ROLES)).distinct()
    )


def _role_people(jurisdiction_id: int, roles: list[str]) -> list[User]:
    return list(User.objects.filter(jurisdiction_id=jurisdiction_id, is_active=True,
                                    role_grants__role__in=roles).distinct())


# --- the sweep ---------------------------------------------------------------------------------------

@dataclass
class SweepResult:
    examined: int = 0
    drafted: list[int] = field(default_factory=list)
    key_supervision: list[int] = field(default_factory=list)
    skipped: int = 0


def _draft(item: Item, draft: object, now: dt.datetime, *, override_reason: str = "") -> Ticket | None:
    from duban.core.escalation import Draft

    assert isinstance(draft, Draft)
    try:
        with transaction.atomic():
            ticket = Ticket.objects.create(
                jurisdiction_id=item.jurisdiction_id, item=item, unit_id=draft.unit_id,
                colour=draft.colour.code, colour_label=draft.colour.label, trigger=draft.trigger.value,
                occurrence=draft.occurrence, due_on=draft.due_on, reason=draft.reason, rule_id=draft.rule_id,
                override_reason=override_reason, signer_role=draft.colour.signer_role,
                copy_to=list(draft.colour.copy_to), drafted_at=now,
            )
    except IntegrityError:
        return None  # drafted already (another sweeper, or an earlier run): never twice
    chain.append(
        jurisdiction_id=item.jurisdiction_id, kind="ticket_drafted", at=now, item=item, unit=ticket.unit,
        rule_id=draft.rule_id, summary=f"拟制{ticket.colour_label}催办单：{ticket.unit.name}",
        reason=draft.reason,
        data={"ticket": ticket.pk, "colour": ticket.colour, "trigger": ticket.trigger,
              "occurrence": ticket.occurrence, "override": bool(override_reason)},
    )
    notify(signers_for(ticket), kind="ticket_to_sign", title=f"{ticket.colour_label}催办单待签发：{item.title}",
           body=draft.reason, url=f"/urging/tickets/{ticket.pk}/", item_id=item.pk,
           dedupe_key=f"ticket-sign-{ticket.pk}", now=now)
    return ticket


def _remind(item: Item, today: dt.date, now: dt.datetime) -> None:
    """Remind the units that something falls due soon (once per item and due date)."""
    due_day = compute_next_due(item)
    if due_day is None or due_day < today:
        return
    remind_on = reminder_day(item, due_day)
    if remind_on is None or remind_on > today:
        return
    pending = [a for a in item.assignments.all() if a.state == Assignment.State.ASSIGNED]
    units = [a.unit_id for a in pending] or [a.unit_id for a in item.assignments.all() if a.is_lead]
    people = [p for unit_id in units for p in _unit_people(unit_id, item.jurisdiction_id)]
    what = "签收" if pending else "报送"
    notify(people, kind="reminder", title=f"提醒：{item.title} 将于 {due_day} 到期，请按时{what}",
           url=f"/items/{item.pk}/", item_id=item.pk, dedupe_key=f"remind-{item.pk}-{due_day}", now=now)


def evaluate_item(item_id: int, now: dt.datetime, policy: UrgingPolicy | None = None,
                  result: SweepResult | None = None) -> bool:
    """Evaluate one due item in its own transaction. Returns False if another sweeper has it."""
    result = result or SweepResult()
    policy = policy or current_policy()
    with transaction.atomic():
        qs = Item.objects.filter(pk=item_id, next_due_at__lte=now)
        if connection.vendor == "postgresql":
            qs = qs.select_for_update(skip_locked=True)
        item = qs.first()
        if item is None:
            result.skipped += 1
            return False
        result.examined += 1
        today = _today(now)
        calendar = current_calendar(item.jurisdiction_id)
        overdue = overdue_facts(item, today)
        decision = decide(policy, overdue, _ticket_facts(item), today, calendar)
        for draft in decision.drafts:
            ticket = _draft(item, draft, now)
            if ticket is not None:
                result.drafted.append(ticket.pk)
        if decision.key_supervision and not item.key_supervision:
            Item.objects.filter(pk=item.pk).update(key_supervision=True, key_supervision_since=now)
            chain.append(
                jurisdiction_id=item.jurisdiction_id, kind="key_supervision", at=now, item=item,
                rule_id="S3b-12(三)", summary="逾期 2 个工作日以上，列入重点督办",
                reason=decision.key_supervision_reason,
                data={"occurrences": [o.key for o in overdue]},
            )
            result.key_supervision.append(item.pk)
        _remind(item, today, now)
        # While anything is late, look again tomorrow; otherwise wait for the next reminder or due moment.
        next_moment = next_check(item, today)
        if overdue or (next_moment is not None and next_moment <= now):
            next_moment = end_of(today)
        Item.objects.filter(pk=item.pk).update(next_due_at=next_moment)
    return True


def due_item_ids(now: dt.datetime, limit: int) -> list[int]:
    return list(
        Item.objects.filter(next_due_at__lte=now).order_by("next_due_at").values_list("pk", flat=True)[:limit]
    )


def sweep(now: dt.datetime | None = None, *, policy: UrgingPolicy | None = None, batch: int = 500,
          max_batches: int = 10_000) -> SweepResult:
    """Evaluate every item whose next due moment has passed. Idempotent; safe to run concurrently."""
    now = now or timezone.now()
    policy = policy or current_policy()
    result = SweepResult()
    seen: set[int] = set()
    for _ in range(max_batches):
        ids = [i for i in due_item_ids(now, batch) if i not in seen]
        if not ids:
            break
        for item_id in ids:
            seen.add(item_id)
            evaluate_item(item_id, now, policy, result)
    return result


# --- ticket actions ----------------------------------------------------------------------------------

def _locked_ticket(ticket: Ticket) -> Ticket:
    fresh = Ticket.objects.select_for_update().select_related("item", "unit").filter(pk=ticket.pk).first()
    if fresh is None:
        raise ItemNotFound("催办单不存在。")
    return fresh


@transaction.atomic
def do_sign_ticket(*, actor: User, ticket: Ticket, now: dt.datetime | None = None) -> Ticket:
    """签发 (S0-11): the leader whose role the colour names signs; the ticket is numbered and issued."""
    now = now or timezone.now()
    t = _locked_ticket(ticket)
    if not may_sign(actor, t):
        raise PermissionDenied(f"{t.colour_label}催办单须由相应领导签发（S0-11）。")
    if t.state != Ticket.State.DRAFTED:
        raise StateConflict("该催办单已签发或已撤销。")
    year = _today(now).year
    number = f"督催〔{year}〕{next_number(t.jurisdiction_id, 'urge', year)}号"
    policy = current_policy()
    colour = policy.colour(t.colour) if t.colour in [c.code for c in policy.colours] else None
    answer_due_at = None
    if colour is not None and colour.answer_days is not None:
        calendar = current_calendar(t.jurisdiction_id)
        answer_due_at = end_of(calendar.add_working_days(_today(now), colour.answer_days).date)
    Ticket.objects.filter(pk=t.pk).update(state=Ticket.State.ISSUED, signed_by=actor, issued_at=now,
                                          number=number, answer_due_at=answer_due_at)
    chain.append(
        jurisdiction_id=t.jurisdiction_id, kind="ticket_issued", at=now, actor=actor, item=t.item, unit=t.unit,
        rule_id=t.rule_id, summary=f"签发{t.colour_label}催办单 {number}：{t.unit.name}", reason=t.reason,
        data={"ticket": t.pk, "colour": t.colour, "number": number, "copy_to": t.copy_to,
              "answer_due_at": answer_due_at},
    )
    recipients = _unit_people(t.unit_id, t.jurisdiction_id) + _role_people(t.jurisdiction_id, t.copy_to)
    notify(recipients, kind="ticket_issued", title=f"{t.colour_label}催办单 {number}：{t.item.title}",
           body=t.reason, url=f"/urging/tickets/{t.pk}/", item_id=t.item_id,
           dedupe_key=f"ticket-issued-{t.pk}", now=now)
    t.refresh_from_db()
    return t


def _unit_actor(actor: User, t: Ticket) -> None:
    if actor.unit_id != t.unit_id or not actor.has_role(*UNIT_ROLES):
        raise PermissionDenied("只有被催办单位的人员可以签收或反馈催办单。")


@transaction.atomic
def do_acknowledge_ticket(*, actor: User, ticket: Ticket, now: dt.datetime | None = None) -> Ticket:
    now = now or timezone.now()
    t = _locked_ticket(ticket)
    _unit_actor(actor, t)
    if t.state != Ticket.State.ISSUED:
        raise StateConflict("只有已签发的催办单可以签收。")
    Ticket.objects.filter(pk=t.pk).update(state=Ticket.State.ACKNOWLEDGED, acknowledged_at=now,
                                          acknowledged_by=actor)
    chain.append(jurisdiction_id=t.jurisdiction_id, kind="ticket_acknowledged", at=now, actor=actor,
                 item=t.item, unit=t.unit, rule_id=t.rule_id, summary=f"{t.unit.name} 签收催办单 {t.number}",
                 data={"ticket": t.pk})
    t.refresh_from_db()
    return t


@transaction.atomic
def do_answer_ticket(*, actor: User, ticket: Ticket, answer: str, objective_cause: bool = False,
                     plan: str = "", plan_signed_by: str = "", now: dt.datetime | None = None) -> Ticket:
    """S0-15(一): answer within the window; an objective cause needs a plan signed by the unit's leader."""
    now = now or timezone.now()
    t = _locked_ticket(ticket)
    _unit_actor(actor, t)
    if t.state not in (Ticket.State.ISSUED, Ticket.State.ACKNOWLEDGED):
        raise StateConflict("该催办单不能反馈（未签发、已反馈或已撤销）。")
    errors = {}
    if not answer.strip():
        errors["answer"] = "请填写反馈内容。"
    if objective_cause and not plan.strip():
        errors["plan"] = "受客观因素影响的，须书面说明原因并提出工作计划（S0-15(一)）。"
    if objective_cause and not plan_signed_by.strip():
        errors["plan_signed_by"] = "工作计划须经单位分管区级领导签字（S0-15(一)）。"
    if errors:
        raise InvalidInput("；".join(errors.values()), field_errors=errors)
    late = t.answer_due_at is not None and now >= t.answer_due_at
    Ticket.objects.filter(pk=t.pk).update(
        state=Ticket.State.ANSWERED, answered_at=now, answered_by=actor, answer=answer.strip(),
        objective_cause=objective_cause, plan=plan.strip(), plan_signed_by=plan_signed_by.strip(),
        acknowledged_at=t.acknowledged_at or now, acknowledged_by=t.acknowledged_by or actor,
    )
    chain.append(jurisdiction_id=t.jurisdiction_id, kind="ticket_answered", at=now, actor=actor, item=t.item,
                 unit=t.unit, rule_id=t.rule_id,
                 summary=f"{t.unit.name} 反馈催办单 {t.number}" + ("（逾期反馈）" if late else ""),
                 reason=answer, data={"ticket": t.pk, "objective_cause": objective_cause, "late": late})
    t.refresh_from_db()
    return t


@transaction.atomic
def do_record_explanation(*, actor: User, ticket: Ticket, explanation: str,
                          now: dt.datetime | None = None) -> Ticket:
    """S0-15(二): after a yellow ticket the unit's head explains in person; the office records it."""
    now = now or timezone.now()
    t = _locked_ticket(ticket)
    if not access.is_office(actor) or actor.jurisdiction_id != t.jurisdiction_id:
        raise PermissionDenied("只有督查室可以记录当面说明情况。")
    if not explanation.strip():
        raise InvalidInput("请填写当面说明情况。", field_errors={"explanation": "必填"})
    Ticket.objects.filter(pk=t.pk).update(in_person_explanation=explanation.strip())
    chain.append(jurisdiction_id=t.jurisdiction_id, kind="ticket_explained", at=now, actor=actor, item=t.item,
                 unit=t.unit, rule_id="S0-15(二)", summary=f"记录 {t.unit.name} 主要领导当面说明",
                 reason=explanation, data={"ticket": t.pk})
    t.refresh_from_db()
    return t


@transaction.atomic
def do_override_ticket(*, actor: User, item: Item, unit_id: int, colour: str, reason: str,
                       now: dt.datetime | None = None, policy: UrgingPolicy | None = None) -> Ticket:
    """The office drafts a higher colour at once, with a written reason (it still needs its signature)."""
    from duban.core.escalation import Draft

    now = now or timezone.now()
    policy = policy or current_policy()
    if not access.is_office(actor) or not access.can_see(actor, item):
        raise PermissionDenied("只有督查室可以直接拟制高等级催办单。")
    if not reason.strip():
        raise InvalidInput("越级催办须书面说明理由。", field_errors={"reason": "必填"})
    try:
        spec = policy.colour(colour)
    except KeyError:
        raise InvalidInput("催办单颜色无效。", field_errors={"colour": "无效"}) from None
    if not item.assignments.filter(unit_id=unit_id).exists():
        raise InvalidInput("该单位不是本事项的承办单位。", field_errors={"unit": "无效"})
    today = _today(now)
    draft = Draft(spec, unit_id, f"override@{today.isoformat()}", Trigger.LATE_COMPLETION, item.deadline or today,
                  reason.strip(), spec.rule_id)
    ticket = _draft(item, draft, now, override_reason=reason.strip())
    if ticket is None:
        raise StateConflict("今日已对该单位拟制同颜色的越级催办单。")
    return ticket


@transaction.atomic
def do_cancel_ticket(*, actor: User, ticket: Ticket, reason: str, now: dt.datetime | None = None) -> Ticket:
    now = now or timezone.now()
    t = _locked_ticket(ticket)
    if not access.is_office(actor) or actor.jurisdiction_id != t.jurisdiction_id:
        raise PermissionDenied("只有督查室可以撤销催办单。")
    if t.state != Ticket.State.DRAFTED:
        raise StateConflict("只有待签发的催办单可以撤销。")
    if not reason.strip():
        raise InvalidInput("请填写撤销理由。", field_errors={"reason": "必填"})
    Ticket.objects.filter(pk=t.pk).update(state=Ticket.State.CANCELLED, cancelled_reason=reason.strip())
    chain.append(jurisdiction_id=t.jurisdiction_id, kind="ticket_cancelled", at=now, actor=actor, item=t.item,
                 unit=t.unit, rule_id=t.rule_id, summary="撤销待签发催办单", reason=reason,
                 data={"ticket": t.pk})
    t.refresh_from_db()
    return t
