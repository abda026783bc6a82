"""Batch actions (批量审批 / 批量交办 / 批量审核通过 / 批量归档, batch registration for the Excel import).

The office often handles dozens of items at once: the head approves a meeting's list of decisions, the
office hands twenty items to the same unit, accepts a stack of completion reports, archives a year.
Each ``*_many`` function here is the batch form of one per-item service in ``duban.items.services``
and applies exactly the same rules, because it uses the same code:

- the same checks in the same order (``services.check_step``: visibility through
  ``access.visible_items``, ``expected_version``, the actor relation of ``core.lifecycle`` and the
  transition), the same validation (``services.plan_*``), the same rows, the same next-due
  computation and one ledger event per item with the same content as the per-item service;
- only the writing is grouped (``services.apply_effects``): per chunk of ``CHUNK_SIZE`` items one
  transaction that locks the rows once (in id order, reading only the columns the checks read:
  ``services.CHECK_FIELDS``), decides visibility in the same query, reads the assignments in one
  query, inserts the new rows with one ``COPY`` per table on PostgreSQL (one multi-row INSERT
  elsewhere), updates the items with one UPDATE per distinct set of values and appends the chunk's
  events to the hash chain in one go (``ledger.chain.append_many``: the jurisdiction's head locked
  once). What every item of the chunk shares is worked out once (``due.Memo``: the urging policy, the
  calendar, local dates, next-due answers for identical inputs); rows become model instances without
  the ORM's per-object overhead (``ledger.rows``). The rules run per item, unchanged.

Decision — per item, with a report of refusals, never half-written. A batch is *not* all-or-nothing:
the office expects the valid items to go through and the others to be listed with the reason, the same
Chinese message the per-item page would show (``Refusal``). For any one item it is all-or-nothing: every
check runs before anything of the chunk is written, and the chunk is one transaction, so an item is
either fully done (rows, state, next due moment, ledger event) or untouched. Chunks bound memory and lock
time; a chunk that commits stays committed even if a later one fails. Should a chunk hit a database
conflict (a concurrent writer), it is rolled back and its items are retried one by one, each in its own
transaction, so the conflict costs only the item concerned (reported as a refusal).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from duban.core.lifecycle import Action, Role
from duban.ledger import chain
from duban.ledger import rows as bulk
from duban.org.models import Unit, User

from . import due, services
from .access import is_office
from .errors import ServiceError
from .models import Channel, Item
from .services import ArchiveFacts, CoUnit, Effect, PlannedMilestone, Registration

CHUNK_SIZE = 500
CONFLICT = "数据被同时修改，本事项未处理，请刷新后重试。"


@dataclass(frozen=True)
class Refusal:
    """One item (or one registration row) the batch did not touch, and why."""

    reason: str
    status: int  # the HTTP status the per-item route would have answered: 403 / 404 / 409 / 422
    item_id: int | None = None
    code: str = ""  # shown only when the actor may see the item
    title: str = ""
    row: int | None = None  # register_many: the 1-based position of the row in the input
    field_errors: dict[str, str] = field(default_factory=dict)


@dataclass
class BatchResult:
    action: str
    done: list[int] = field(default_factory=list)  # ids of the items the action was applied to
    refused: list[Refusal] = field(default_factory=list)
    dry_run: bool = False

    @property
    def total(self) -> int:
        return len(self.done) + len(self.refused)


Planner = Callable[[services._Step, dict[int, Any]], Effect]
FactsReader = Callable[[Sequence[int]], dict[int, Any]]


def _ids(items: Iterable[int | Item]) -> list[int]:
    """Item ids in the order given, duplicates dropped."""
    return list(dict.fromkeys(i.pk if isinstance(i, Item) else int(i) for i in items))


def _refusal(pk: int, item: Item | None, visible: bool, exc: ServiceError) -> Refusal:
    shown = item is not None and visible
    return Refusal(
        reason=exc.message, status=exc.status, item_id=pk, code=item.code if shown and item else "",
        title=item.title if shown and item else "", field_errors=dict(exc.field_errors),
    )


def _chunks(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), max(1, size)):
        yield values[start:start + size]


def _run(
    action: Action,
    *,
    actor: User,
    items: Iterable[int | Item],
    now: dt.datetime | None,
    plan: Planner,
    facts: FactsReader | None = None,
    expected_versions: dict[int, int] | None = None,
    chunk_size: int = CHUNK_SIZE,
    dry_run: bool = False,
) -> BatchResult:
    moment = now if now is not None else timezone.now()
    result = BatchResult(action.value, dry_run=dry_run)
    versions = expected_versions or {}
    for chunk in _chunks(_ids(items), chunk_size):
        try:
            with transaction.atomic():
                done, refused = _chunk(action, actor, chunk, moment, plan, facts, versions, dry_run)
        except IntegrityError:
            if len(chunk) == 1:
                done, refused = [], [Refusal(reason=CONFLICT, status=409, item_id=chunk[0])]
            else:  # a concurrent writer: retry one by one so only the item concerned is refused
                done, refused = [], []
                for pk in chunk:
                    one = _run(action, actor=actor, items=[pk], now=moment, plan=plan, facts=facts,
                               expected_versions=versions, chunk_size=1, dry_run=dry_run)
                    done += one.done
                    refused += one.refused
        result.done += done
        result.refused += refused
    return result


def _chunk(
    action: Action,
    actor: User,
    pks: Sequence[int],
    now: dt.datetime,
    plan: Planner,
    facts: FactsReader | None,
    versions: dict[int, int],
    dry_run: bool,
) -> tuple[list[int], list[Refusal]]:
    locked, visible = services.lock_items(actor, pks, fields=services.CHECK_FIELDS)
    known = facts([pk for pk in pks if pk in visible]) if facts is not None else {}
    if action in services.ASSIGNMENT_ACTIONS:
        services.load_assignments([locked[pk] for pk in pks if pk in visible])
    memo = due.Memo()  # policy, calendars, local dates and next-due answers, shared by the chunk
    effects: list[Effect] = []
    refused: list[Refusal] = []
    for pk in pks:
        item = locked.get(pk)
        try:
            step = services.check_step(item, action, actor, now, versions.get(pk), visible=pk in visible,
                                       memo=memo)
            effects.append(plan(step, known))
        except ServiceError as exc:
            refused.append(_refusal(pk, item, pk in visible, exc))
    if not dry_run:
        services.apply_effects(effects)
    return [e.step.item.pk for e in effects], refused


# --- the batch actions ----------------------------------------------------------------------------


def approve_many(*, actor: User, items: Iterable[int | Item], opinion: str = "", now: dt.datetime | None = None,
                 expected_versions: dict[int, int] | None = None, chunk_size: int = CHUNK_SIZE,
                 dry_run: bool = False) -> BatchResult:
    """批量审定 (S0-9, S1-五(一)): ``services.do_approve`` for each item."""
    return _run(Action.APPROVE, actor=actor, items=items, now=now, expected_versions=expected_versions,
                chunk_size=chunk_size, dry_run=dry_run,
                plan=lambda step, _: services.plan_approve(step, opinion=opinion))


def assign_many(
    *,
    actor: User,
    items: Iterable[int | Item],
    lead_unit: Unit,
    lead_part: str = "",
    co_units: Sequence[CoUnit] = (),
    deadline: dt.date | None = None,
    deadline_working_days: int | None = None,
    channel: str = Channel.PLATFORM,
    requirements: str | None = None,
    now: dt.datetime | None = None,
    expected_versions: dict[int, int] | None = None,
    chunk_size: int = CHUNK_SIZE,
    dry_run: bool = False,
) -> BatchResult:
    """批量交办 (S1-五(二), S0-9): the same lead unit, co-units and deadline for every item, as
    ``services.do_assign`` would (a deadline in working days is counted from today for each item)."""
    return _run(
        Action.ASSIGN, actor=actor, items=items, now=now, expected_versions=expected_versions,
        chunk_size=chunk_size, dry_run=dry_run,
        plan=lambda step, _: services.plan_assign(
            step, lead_unit=lead_unit, lead_part=lead_part, co_units=co_units, deadline=deadline,
            deadline_working_days=deadline_working_days, channel=channel, requirements=requirements,
        ),
    )


def receive_many(
    *,
    actor: User,
    items: Iterable[int | Item],
    responsible_leader: str,
    responsible_section: str,
    responsible_person: str,
    responsible_phone: str = "",
    work_plan: str = "",
    milestones: Sequence[PlannedMilestone] = (),
    now: dt.datetime | None = None,
    expected_versions: dict[int, int] | None = None,
    chunk_size: int = CHUNK_SIZE,
    dry_run: bool = False,
) -> BatchResult:
    """批量签收 (S0-10) for one unit: ``services.do_receive`` for each item."""
    return _run(
        Action.RECEIVE, actor=actor, items=items, now=now, expected_versions=expected_versions,
        chunk_size=chunk_size, dry_run=dry_run,
        plan=lambda step, _: services.plan_receive(
            step, responsible_leader=responsible_leader, responsible_section=responsible_section,
            responsible_person=responsible_person, responsible_phone=responsible_phone, work_plan=work_plan,
            milestones=milestones,
        ),
    )


def report_progress_many(*, actor: User, items: Iterable[int | Item], text: str, now: dt.datetime | None = None,
                         expected_versions: dict[int, int] | None = None, chunk_size: int = CHUNK_SIZE,
                         dry_run: bool = False) -> BatchResult:
    """The same progress text on many items (S0-8): ``services.do_report_progress`` for each."""
    text = services._require_text(text, "text", "请填写进展情况。")
    return _run(Action.REPORT_PROGRESS, actor=actor, items=items, now=now, expected_versions=expected_versions,
                chunk_size=chunk_size, dry_run=dry_run,
                plan=lambda step, _: services.plan_report_progress(step, text=text))


def report_completion_many(*, actor: User, items: Iterable[int | Item], text: str,
                           now: dt.datetime | None = None, expected_versions: dict[int, int] | None = None,
                           chunk_size: int = CHUNK_SIZE, dry_run: bool = False) -> BatchResult:
    """办结报告 on many items (S0-12): ``services.do_report_completion`` for each."""
    text = services._require_text(text, "text", "请填写办结情况。")
    return _run(Action.REPORT_COMPLETION, actor=actor, items=items, now=now, expected_versions=expected_versions,
                chunk_size=chunk_size, dry_run=dry_run,
                plan=lambda step, _: services.plan_report_completion(step, text=text))


def office_accept_many(*, actor: User, items: Iterable[int | Item], opinion: str = "",
                       now: dt.datetime | None = None, expected_versions: dict[int, int] | None = None,
                       chunk_size: int = CHUNK_SIZE, dry_run: bool = False) -> BatchResult:
    """批量审核通过 (S0-12): ``services.do_office_accept`` for each item."""
    return _run(Action.OFFICE_ACCEPT, actor=actor, items=items, now=now, expected_versions=expected_versions,
                chunk_size=chunk_size, dry_run=dry_run,
                plan=lambda step, _: services.plan_office_accept(step, opinion=opinion))


def leader_pass_many(*, actor: User, items: Iterable[int | Item], opinion: str = "", follow_up: str = "none",
                     now: dt.datetime | None = None, expected_versions: dict[int, int] | None = None,
                     chunk_size: int = CHUNK_SIZE, dry_run: bool = False) -> BatchResult:
    """批量审阅通过 (S0-13): ``services.do_leader_pass`` for each item."""
    services.check_follow_up(follow_up)
    return _run(Action.LEADER_PASS, actor=actor, items=items, now=now, expected_versions=expected_versions,
                chunk_size=chunk_size, dry_run=dry_run,
                plan=lambda step, _: services.plan_leader_pass(step, opinion=opinion, follow_up=follow_up))


def archive_many(*, actor: User, items: Iterable[int | Item], custodian: User, now: dt.datetime | None = None,
                 expected_versions: dict[int, int] | None = None, chunk_size: int = CHUNK_SIZE,
                 dry_run: bool = False) -> BatchResult:
    """批量归档 (S0-14): ``services.do_archive`` for each item; the completeness check (completion
    report, leader's reading) is read for the whole chunk in one query."""

    def plan(step: services._Step, facts: dict[int, Any]) -> Effect:
        known: ArchiveFacts = facts.get(step.item.pk, ArchiveFacts())
        return services.plan_archive(step, custodian=custodian, facts=known)

    return _run(Action.ARCHIVE, actor=actor, items=items, now=now, expected_versions=expected_versions,
                chunk_size=chunk_size, dry_run=dry_run, plan=plan, facts=services.archive_facts)


def register_many(*, actor: User, rows: Sequence[Registration], now: dt.datetime | None = None,
                  chunk_size: int = CHUNK_SIZE, dry_run: bool = False) -> BatchResult:
    """批量立项 (S0-9): register many items at once, e.g. from an Excel sheet.

    ``rows`` are ``services.Registration`` values (the fields of ``services.do_register``: title,
    content, source, level, optional source_detail, requirements, deadline *or*
    deadline_working_days, confidential, supervising_leader as a ``User``). Each row is checked
    exactly as ``do_register`` checks it; the valid rows are registered in input order — numbered
    督〔year〕N号 consecutively, each with its ``register`` ledger event — and every invalid row is
    returned in ``BatchResult.refused`` with its 1-based ``row`` number, the Chinese message and the
    field errors (keys as in ``do_register``'s keyword arguments). ``BatchResult.done`` holds the new
    item ids in row order. A caller that wants all-or-nothing (an import that must be fixed first)
    calls it with ``dry_run=True``, shows the refusals, and calls again only when there are none.
    Raises ``PermissionDenied`` if ``actor`` may not register items at all (not office staff).
    """
    moment = now if now is not None else timezone.now()
    services.check_registrar(actor)
    result = BatchResult(Action.REGISTER.value, dry_run=dry_run)
    year = timezone.localdate(moment).year
    numbered = list(enumerate(rows, start=1))
    for chunk in _chunks(numbered, chunk_size):
        with transaction.atomic():
            planned: list[Item] = []
            for position, reg in chunk:
                try:
                    planned.append(services.plan_registration(actor, reg, moment))
                except ServiceError as exc:
                    result.refused.append(Refusal(reason=exc.message, status=exc.status, row=position,
                                                  title=(reg.title or "").strip(),
                                                  field_errors=dict(exc.field_errors)))
            if dry_run or not planned:
                continue
            first = services.reserve_numbers(actor.jurisdiction_id or 0, "item", year, len(planned))
            for offset, item in enumerate(planned):
                item.code = services.item_code(year, first + offset)
            bulk.insert(Item, planned)
            chain.append_rows(
                actor.jurisdiction_id or 0, [services.registration_event(actor, i, moment) for i in planned]
            )
            result.done += [i.pk for i in planned]
    return result


# --- by name, for the item list page and the API (POST /api/items/batch/{action}) -------------------

NAMED: dict[str, Action] = {
    "approve": Action.APPROVE,
    "assign": Action.ASSIGN,
    "receive": Action.RECEIVE,
    "report_progress": Action.REPORT_PROGRESS,
    "report_completion": Action.REPORT_COMPLETION,
    "office_accept": Action.OFFICE_ACCEPT,
    "leader_pass": Action.LEADER_PASS,
    "archive": Action.ARCHIVE,
}
MAX_ITEMS = 5000  # one request; the work inside is still chunked by CHUNK_SIZE
# The batch actions the item list offers the office (批量审定 / 批量交办 / 批量审核通过 / 批量归档).
LIST_ACTIONS: dict[str, str] = {
    "approve": "批量审定", "assign": "批量交办", "office_accept": "批量审核通过", "archive": "批量归档",
}


def list_actions_for(actor: User) -> list[tuple[str, str]]:
    """The list's batch actions ``actor`` may perform at all, by the actor relation of
    ``core.lifecycle`` (office head: approve; office: assign, accept, archive). Per item, the rules
    are checked again when the action runs."""
    from duban.core.lifecycle import TRANSITIONS, Actor

    if actor.jurisdiction_id is None:
        return []
    allowed = []
    for name, label in LIST_ACTIONS.items():
        relation = TRANSITIONS[NAMED[name]].actor
        if (relation is Actor.OFFICE_HEAD and actor.has_role(Role.OFFICE_HEAD)) or (
            relation is Actor.OFFICE and is_office(actor)
        ):
            allowed.append((name, label))
    return allowed


def _unit(actor: User, value: Any, field_name: str, label: str) -> Unit:
    unit = None
    if value not in (None, ""):
        try:
            unit = Unit.objects.filter(pk=int(value), jurisdiction_id=actor.jurisdiction_id).first()
        except (TypeError, ValueError):
            unit = None
    if unit is None:
        message = f"请选择有效的{label}。"
        raise services.InvalidInput(message, field_errors={field_name: message})
    return unit


def _person(actor: User, value: Any, field_name: str, label: str) -> User:
    person = None
    try:
        person = User.objects.filter(pk=int(value), jurisdiction_id=actor.jurisdiction_id).first()
    except (TypeError, ValueError):
        person = None
    if person is None:
        message = f"请选择有效的{label}。"
        raise services.InvalidInput(message, field_errors={field_name: message})
    return person


def _date(value: Any, field_name: str) -> dt.date | None:
    if value in (None, "") or isinstance(value, dt.date):
        return value or None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise services.InvalidInput("日期格式应为 YYYY-MM-DD。", field_errors={field_name: "日期格式无效"}) from None


def _int(value: Any, field_name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise services.InvalidInput("请填写整数。", field_errors={field_name: "请填写整数"}) from None


def run_named(name: str, *, actor: User, items: Sequence[int], params: dict[str, Any],
              now: dt.datetime | None = None, dry_run: bool = False,
              expected_versions: dict[int, int] | None = None) -> BatchResult:
    """Run the batch action ``name`` (a key of ``NAMED``) with ``params`` as the per-item form/API
    would take them (unit and person ids resolved within the actor's jurisdiction). Raises
    ``InvalidInput`` for an unknown action, no items, too many items, or parameters that are invalid
    for every item alike (an unknown unit); per-item problems come back as refusals."""
    if name not in NAMED:
        raise services.InvalidInput(f"未知的批量操作：{name}。")
    if not items:
        raise services.InvalidInput("请至少选择一个事项。", field_errors={"items": "请至少选择一个事项"})
    if len(items) > MAX_ITEMS:
        raise services.InvalidInput(f"一次最多处理 {MAX_ITEMS} 个事项。", field_errors={"items": "事项过多"})
    common: dict[str, Any] = {"actor": actor, "items": items, "now": now, "dry_run": dry_run,
                              "expected_versions": expected_versions}
    p = params
    if name == "approve":
        return approve_many(opinion=str(p.get("opinion") or ""), **common)
    if name == "assign":
        co = [CoUnit(_unit(actor, c.get("unit"), "co_units", "配合单位"), str(c.get("part") or ""))
              for c in p.get("co_units") or []]
        return assign_many(
            lead_unit=_unit(actor, p.get("lead_unit"), "lead_unit", "牵头单位"),
            lead_part=str(p.get("lead_part") or ""), co_units=co, deadline=_date(p.get("deadline"), "deadline"),
            deadline_working_days=_int(p.get("deadline_working_days"), "deadline_working_days"),
            channel=str(p.get("channel") or Channel.PLATFORM), requirements=p.get("requirements"), **common,
        )
    if name == "receive":
        return receive_many(
            responsible_leader=str(p.get("responsible_leader") or ""),
            responsible_section=str(p.get("responsible_section") or ""),
            responsible_person=str(p.get("responsible_person") or ""),
            responsible_phone=str(p.get("responsible_phone") or ""), work_plan=str(p.get("work_plan") or ""),
            **common,
        )
    if name == "report_progress":
        return report_progress_many(text=str(p.get("text") or ""), **common)
    if name == "report_completion":
        return report_completion_many(text=str(p.get("text") or ""), **common)
    if name == "office_accept":
        return office_accept_many(opinion=str(p.get("opinion") or ""), **common)
    if name == "leader_pass":
        return leader_pass_many(opinion=str(p.get("opinion") or ""), follow_up=str(p.get("follow_up") or "none"),
                                **common)
    custodian = _person(actor, p.get("custodian"), "custodian", "保管人") if p.get("custodian") else actor
    return archive_many(custodian=custodian, **common)
