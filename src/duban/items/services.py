"""The item lifecycle as actions (SPEC §2; S0-9..14, S1-五). Each ``do_*`` function is one action:

- keyword-only arguments, the acting person first, ``now`` last (time is a parameter: replays and tests
  pass their own clock);
- one transaction: the item row is locked, the state re-read, the transition checked against
  ``duban.core.lifecycle``, the rows changed and the ledger event appended — or nothing happens;
- errors are ``duban.items.errors`` exceptions with a Chinese message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Count, Exists, F, Model, OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from duban.core.lifecycle import (
    LEVEL_LABELS,
    OFFICE_ROLES,
    TRANSITIONS,
    Action,
    Actor,
    ItemState,
    Level,
    Role,
    TransitionNotAllowed,
    next_state,
    objection_is_late,
)
from duban.ledger import chain
from duban.ledger import rows as bulk
from duban.ledger.models import Event
from duban.org.models import Unit, User
from duban.workcal.service import current_calendar

from . import access, due
from .errors import (
    NO_PERMISSION,
    NOT_FOUND,
    REASON_REQUIRED,
    STALE_VERSION,
    InvalidInput,
    ItemNotFound,
    PermissionDenied,
    StateConflict,
)
from .models import (
    Assignment,
    Attachment,
    Channel,
    ExtensionRequest,
    Item,
    Milestone,
    Objection,
    Report,
    Review,
    Source,
)
from .models import (
    Sequence as NumberSequence,
)

# S1-九(四): important items close within 7 working days unless a deadline is set.
DEFAULT_WORKING_DAYS = 7


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else timezone.now()


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


def _require_text(value: str, field: str, message: str = REASON_REQUIRED) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, field_errors={field: message})
    return value


@dataclass
class _Step:
    """An action under way: the freshly locked item and what the transition allows. ``memo`` is shared
    by the steps of one batch chunk (policy, calendars, local dates, next-due answers: ``due.Memo``)."""

    item: Item
    action: Action
    actor: User
    now: dt.datetime
    before_state: ItemState
    after_state: ItemState
    memo: due.Memo = field(default_factory=due.Memo)

    @property
    def today(self) -> dt.date:
        return self.memo.local_date(self.now)

    def assignments(self) -> list[Assignment]:
        """The item's assignments with their units, read once per action (one query)."""
        load_assignments([self.item])
        return list(access.assignments_of(self.item))

    def record(
        self,
        summary: str,
        *,
        reason: str = "",
        unit: Unit | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        rule_id: str | None = None,
        refresh_due: bool = False,
        **item_changes: Any,
    ) -> Event:
        """Apply the new state and ``item_changes`` to the item and append the ledger event."""
        effect = Effect(
            self, summary, reason=reason, unit=unit, before=before, after=after, data=data or {},
            rule_id=rule_id, changes=item_changes, refresh_due=refresh_due,
        )
        return apply_effects([effect])[0]


@dataclass
class Effect:
    """What one action does to one item, decided from the locked item before anything is written.

    Both paths build effects with the same ``_plan_*`` functions and write them with
    ``apply_effects``: the per-item services one at a time, ``duban.items.batch`` a chunk at a time.
    So the rules, the rows and the ledger event of an action are the same whichever path ran it.
    """

    step: _Step
    summary: str
    reason: str = ""
    unit: Unit | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    data: dict[str, Any] = field(default_factory=dict)
    rule_id: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    refresh_due: bool = False
    creates: list[Model] = field(default_factory=list)  # rows to insert (Assignment, Report, Review, …)
    pk_refs: dict[str, Model] = field(default_factory=dict)  # data[key] = the created row's pk
    assignment_updates: list[tuple[Assignment, dict[str, Any]]] = field(default_factory=list)
    assignments: list[Assignment] | None = None  # the item's assignments after the action (next_due)
    result: Any = None  # what the per-item service returns

    def event_fields(self) -> dict[str, Any]:
        step = self.step  # ``_value_``: the member's value without the ``value`` property's descriptor call
        before = {"state": step.before_state._value_, **(self.before or {})}
        after = {"state": step.after_state._value_, **(self.after or {})}
        return {
            "kind": step.action._value_,
            "at": step.now,
            "actor": step.actor,
            "item": step.item,
            "unit": self.unit,
            "rule_id": self.rule_id or TRANSITIONS[step.action].rule_id,
            "summary": self.summary,
            "reason": self.reason,
            "before": before,
            "after": after,
            "data": self.data,
        }


def _group_key(values: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """Rows whose updates have equal keys get one UPDATE. The keys are not sorted: one action builds its
    values in one order, and two orders of the same values only cost a second UPDATE."""
    return tuple((k, v.pk if isinstance(v, Model) else v) for k, v in values.items())


def apply_effects(effects: Sequence[Effect]) -> list[Event]:
    """Write effects: the new rows (one INSERT per model: ``bulk.insert``), the assignment and item
    updates (one UPDATE per distinct set of values: ``bulk.update``), the next due moment (computed
    in memory, written with the item) and one ledger event per effect (one chain append per
    jurisdiction). Must run inside a transaction. Returns the event of a single effect; a batch's
    events are written without instances (``chain.append_rows``) and not returned.

    One effect (the per-item services) where ``bulk.Script`` sends statements together: the INSERTs
    and the chain head's lock go in one round trip, the UPDATEs, the event's INSERT and the head's
    move in a second — the same statements as otherwise, fewer waits."""
    if not effects:
        return []
    script = bulk.Script() if len(effects) == 1 and bulk.Script.one_round_trip() else None
    rows_by_model: dict[type[Model], list[Model]] = {}
    for effect in effects:
        for row in effect.creates:
            rows_by_model.setdefault(type(row), []).append(row)
    head_at = None
    if script is not None:
        finishers = []
        for model, new_rows in rows_by_model.items():
            finish = bulk.insert_statement(model, new_rows, script)
            if finish is None:
                bulk.insert(model, new_rows)
            else:
                finishers.append(finish)
        head_at = chain.lock_head_in(script, effects[0].step.item.jurisdiction_id)
        results = script.run()
        for finish in finishers:
            finish(results)
        head_rows = results[head_at]
    else:
        for model, new_rows in rows_by_model.items():
            bulk.insert(model, new_rows)
    updates = _planned_updates(effects)
    by_jurisdiction: dict[int, list[Effect]] = {}
    for effect in effects:
        by_jurisdiction.setdefault(effect.step.item.jurisdiction_id, []).append(effect)
    if script is None and len(effects) > 1 and chain.lean_rows_apply():
        # A batch on PostgreSQL: the heads are locked first (as the per-item path's Script does), then
        # the UPDATEs are sent without waiting (``bulk.Pipeline``) and the chunk's ledger links are
        # computed while the database runs them; the events follow with one COPY.
        heads = {j: chain.lock_head(j) for j in sorted(by_jurisdiction)}
        with bulk.Pipeline() as pipeline:
            for model, pks, values, bump in updates:
                bulk.update(model, pks, values, bump=bump, script=pipeline)
            linked = [chain.link_rows(j, *heads[j], [e.event_fields() for e in by_jurisdiction[j]])
                      for j in sorted(by_jurisdiction)]
        for rows in linked:
            chain.write_rows(rows)
        return []
    for model, pks, values, bump in updates:
        bulk.update(model, pks, values, bump=bump, script=script)
    if len(effects) == 1:
        effect = effects[0]
        jurisdiction_id = effect.step.item.jurisdiction_id
        if script is not None:
            return [chain.append_in(script, head_rows, jurisdiction_id=jurisdiction_id, **effect.event_fields())]
        return [chain.append(jurisdiction_id=jurisdiction_id, **effect.event_fields())]
    for jurisdiction_id, group in sorted(by_jurisdiction.items()):
        chain.append_rows(jurisdiction_id, [e.event_fields() for e in group])
    return []


Update = tuple[type[Model], list[int], dict[str, Any], str | None]  # model, pks, values, the column bumped


def _planned_updates(effects: Sequence[Effect]) -> list[Update]:
    """The assignment and item UPDATEs of ``effects``, one per distinct set of values (assignments
    first); the new values, the items' state, version and next due moment are set on the instances."""
    planned: list[Update] = []
    groups: dict[tuple[tuple[str, Any], ...], tuple[list[int], dict[str, Any]]] = {}
    for effect in effects:
        for key, row in effect.pk_refs.items():
            effect.data[key] = row.pk
        for assignment, values in effect.assignment_updates:
            for name, value in values.items():
                setattr(assignment, name, value)
            groups.setdefault(_group_key(values), ([], values))[0].append(assignment.pk)
    planned.extend((Assignment, pks, values, None) for pks, values in groups.values())
    item_groups: dict[tuple[tuple[str, Any], ...], tuple[list[int], dict[str, Any]]] = {}
    for effect in effects:
        step = effect.step
        item = step.item
        changes = {**effect.changes, "state": step.after_state._value_}
        for name, value in changes.items():
            setattr(item, name, value)
        if effect.refresh_due:
            assignments = effect.assignments if effect.assignments is not None else step.assignments()
            moment = due.next_check(item, step.today, assignments, step.memo)
            changes["next_due_at"] = moment
            item.next_due_at = moment
        item.version += 1
        item_groups.setdefault(_group_key(changes), ([], changes))[0].append(item.pk)
    planned.extend((Item, pks, changes, "version") for pks, changes in item_groups.values())
    return planned


_UNIT_ACTORS = frozenset({Actor.LEAD_UNIT, Actor.CO_UNIT, Actor.ASSIGNED_UNIT, Actor.ANY_PARTY})
# Actions whose checks read the item's assignments (the unit acting must be one of them).
ASSIGNMENT_ACTIONS = frozenset(a for a, t in TRANSITIONS.items() if t.actor in _UNIT_ACTORS)
_ASSIGNMENT_COLUMNS = [f.attname for f in Assignment._meta.concrete_fields]
_UNIT_COLUMNS = [f.attname for f in Unit._meta.concrete_fields]


def _assignment_rows(item_ids: list[int]) -> list[tuple[Any, ...]]:
    """The assignments of the items with their units' columns, in ``Assignment.Meta.ordering``."""
    if not (bulk.raw_reads(Assignment, _ASSIGNMENT_COLUMNS) and bulk.raw_reads(Unit, _UNIT_COLUMNS)):
        return list(Assignment.objects.filter(item_id__in=item_ids).values_list(
            *_ASSIGNMENT_COLUMNS, *(f"unit__{name}" for name in _UNIT_COLUMNS)))
    q = connection.ops.quote_name
    columns = [f"a.{q(c)}" for c in _ASSIGNMENT_COLUMNS] + [f"u.{q(c)}" for c in _UNIT_COLUMNS]
    order = ", ".join(
        f"a.{q(Assignment._meta.get_field(name.lstrip('-')).column)}{' DESC' if name.startswith('-') else ''}"
        for name in Assignment._meta.ordering
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {q(Assignment._meta.db_table)} a "
            f"JOIN {q(Unit._meta.db_table)} u ON u.{q('id')} = a.{q('unit_id')} "
            f"WHERE a.{q('item_id')} = ANY(%s) ORDER BY {order}",
            [item_ids],
        )
        return cursor.fetchall()


def load_assignments(items: Sequence[Item]) -> None:
    """Read the assignments (with units) of all ``items`` that lack them: one query for the lot.

    The rows are made into instances directly, each assignment with its unit and item cached;
    ``access.assignments_of(item)`` answers from them (``item.assignments.all()`` still reads the
    database: Django's prefetch cache is not filled, it cost more than the query)."""
    missing = [i for i in items if access.ASSIGNMENTS_ATTR not in i.__dict__]
    if not missing:
        return
    by_pk = {i.pk: i for i in missing}
    loaded: dict[int, list[Assignment]] = {pk: [] for pk in by_pk}
    width = len(_ASSIGNMENT_COLUMNS)
    found = _assignment_rows(list(by_pk))
    unit_rows = {values[width]: values[width:] for values in found}  # the unit's id comes first
    units = dict(zip(unit_rows, bulk.instances(Unit, _UNIT_COLUMNS, unit_rows.values()), strict=True))
    for assignment in bulk.instances(Assignment, _ASSIGNMENT_COLUMNS, (values[:width] for values in found)):
        item = by_pk[assignment.item_id]
        assignment._state.fields_cache = {"unit": units[assignment.unit_id], "item": item}
        loaded[item.pk].append(assignment)
    for pk, assignments in loaded.items():
        by_pk[pk].__dict__[access.ASSIGNMENTS_ATTR] = assignments


def sees_everything(actor: User) -> bool:
    """Office staff and the head of government see the whole jurisdiction (``access.can_see`` answers
    for them without a query)."""
    return bool(actor.role_set() & (OFFICE_ROLES | {Role.GOV_HEAD}))


# The item columns the checks, the plans and the next-due computation read. The batch path locks its
# items with only these (the others are deferred, as with ``QuerySet.only``: loaded on first access);
# the per-item services lock the whole row, since their item goes back to the caller.
CHECK_FIELDS = (
    "id", "jurisdiction_id", "code", "title", "level", "state", "confidential", "supervising_leader_id",
    "deadline", "deadline_working_days", "assigned_at", "next_due_at", "return_count", "resupervise_count",
    "version",
)
_ITEM_COLUMNS = tuple(f.attname for f in Item._meta.concrete_fields)


def lock_items(actor: User, pks: Sequence[int], *, fields: Sequence[str] = _ITEM_COLUMNS
               ) -> tuple[dict[int, Item], set[int]]:
    """Lock the rows (in id order, so concurrent batches cannot deadlock) and decide visibility in the
    same query: ``access.visible_items(actor)`` as an EXISTS column for people who need it checked
    (office staff and the head of government: ``access.can_see``, without a query).
    ``fields``: the columns read (default: all; the batch path passes ``CHECK_FIELDS``).

    On PostgreSQL the SELECT is written here (only the visibility subquery is compiled by the ORM);
    elsewhere the ORM builds all of it. The same rows, locks and answer either way."""
    check_in_db = not sees_everything(actor) and actor.is_authenticated and actor.jurisdiction_id is not None
    names = list(fields)
    if bulk.raw_reads(Item, names):
        q = connection.ops.quote_name
        columns = ", ".join(f"o.{q(Item._meta.get_field(n).column)}" for n in names)
        visibility, params = "TRUE", []
        if check_in_db:
            try:  # correlated, as Exists(… pk=OuterRef("pk")) is: an index probe per locked row
                sql, vis_params = access.visible_items(actor).filter(
                    pk=RawSQL(f"o.{q('id')}", ())).order_by().values("pk").query.sql_with_params()
                visibility, params = f"EXISTS ({sql})", list(vis_params)
            except EmptyResultSet:  # visible_items is none(): nothing is visible
                visibility = "FALSE"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns}, {visibility} FROM {q(Item._meta.db_table)} o "
                f"WHERE o.{q('id')} = ANY(%s) ORDER BY o.{q('id')} FOR UPDATE",
                [*params, list(pks)],
            )
            found = cursor.fetchall()
    else:
        qs = Item.objects.select_for_update().filter(pk__in=pks).order_by("pk")
        if check_in_db:
            qs = qs.annotate(_visible=Exists(access.visible_items(actor).filter(pk=OuterRef("pk"))))
            found = list(qs.values_list(*names, "_visible"))
        else:
            found = [(*values, True) for values in qs.values_list(*names)]
    locked = bulk.instances(Item, names, (values[:-1] for values in found))
    if check_in_db:
        return {i.pk: i for i in locked}, {i.pk for i, values in zip(locked, found, strict=True) if values[-1]}
    return {i.pk: i for i in locked}, {i.pk for i in locked if access.can_see(actor, i)}


def check_step(fresh: Item | None, action: Action, actor: User, now: dt.datetime, expected_version: int | None,
               *, visible: bool, memo: due.Memo | None = None) -> _Step:
    """Visibility, version, role and state of a locked item; raises the error the user sees."""
    if fresh is None or not visible:
        raise ItemNotFound(NOT_FOUND)
    if expected_version is not None and fresh.version != expected_version:
        raise StateConflict(STALE_VERSION)
    transition = TRANSITIONS[action]
    if transition.actor in _UNIT_ACTORS:
        load_assignments([fresh])
    if not access.acts_as(actor, fresh, transition.actor):
        raise PermissionDenied(NO_PERMISSION)
    before_state = fresh.state_enum
    try:
        after_state = next_state(before_state, action)
    except TransitionNotAllowed as exc:
        raise StateConflict.from_transition(exc) from None
    return _Step(fresh, action, actor, now, before_state, after_state, memo or due.Memo())


def _begin(item: Item, action: Action, actor: User, now: dt.datetime, expected_version: int | None) -> _Step:
    """Lock the item, check visibility, role and state. Must run inside ``transaction.atomic``."""
    items, visible = lock_items(actor, [item.pk])
    return check_step(items.get(item.pk), action, actor, now, expected_version, visible=item.pk in visible)


def reserve_numbers(jurisdiction_id: int, kind: str, year: int, count: int = 1) -> int:
    """Reserve ``count`` consecutive numbers of a per-jurisdiction, per-kind, per-year sequence and
    return the first. One ``UPDATE … RETURNING`` (it locks the row until the transaction ends);
    the row is created the first time a sequence is used."""
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute(*_reserve_statement(jurisdiction_id, kind, year, count))
            row = cursor.fetchone()
        return _reserved(row, jurisdiction_id, kind, year, count)


def _reserve_statement(jurisdiction_id: int, kind: str, year: int, count: int) -> tuple[str, list[Any]]:
    table = NumberSequence._meta.db_table
    return (
        f'UPDATE "{table}" SET "last" = "last" + %s '  # the table name comes from the model
        'WHERE "jurisdiction_id" = %s AND "kind" = %s AND "year" = %s RETURNING "last"',
        [count, jurisdiction_id, kind, year],
    )


def _reserved(row: Sequence[Any] | None, jurisdiction_id: int, kind: str, year: int, count: int) -> int:
    """The first number reserved, from the row ``_reserve_statement`` returned (creating the sequence
    the first time it is used)."""
    if row is not None:
        return int(row[0]) - count + 1
    seq, _ = NumberSequence.objects.select_for_update().get_or_create(
        jurisdiction_id=jurisdiction_id, kind=kind, year=year
    )
    NumberSequence.objects.filter(pk=seq.pk).update(last=F("last") + count)
    return seq.last + 1


def next_number(jurisdiction_id: int, kind: str, year: int) -> int:
    """The next number in a per-jurisdiction, per-kind, per-year sequence (督〔2026〕12号)."""
    return reserve_numbers(jurisdiction_id, kind, year, 1)


_SOURCES = frozenset(Source.values)
_LEVELS = frozenset(lv.value for lv in Level)
_CHANNELS = frozenset(Channel.values)


def _validate_registration(
    *, title: str, content: str, source: str, level: str, deadline: dt.date | None,
    deadline_working_days: int | None, today: dt.date,
) -> None:
    errors: dict[str, str] = {}
    if not (title or "").strip():
        errors["title"] = "请填写事项名称。"
    if not (content or "").strip():
        errors["content"] = "请填写办理内容。"
    if source not in _SOURCES:
        errors["source"] = "请选择事项来源。"
    if level not in _LEVELS:
        errors["level"] = "请选择督查等级（特别重要/比较重要/一般重要）。"
    if deadline is not None and deadline_working_days is not None:
        errors["deadline"] = "办结时限请填写日期或工作日数，二者选一。"
    if deadline is not None and deadline < today:
        errors["deadline"] = "办结时限不能早于今天。"
    if deadline_working_days is not None and not 1 <= deadline_working_days <= 500:
        errors["deadline_working_days"] = "工作日数应在 1 到 500 之间。"
    if errors:
        raise InvalidInput("；".join(errors.values()), field_errors=errors)


@dataclass(frozen=True)
class Registration:
    """What the office fills in to register one item (立项, S0-9): the fields of ``do_register``."""

    title: str
    content: str
    source: str
    level: str
    source_detail: str = ""
    requirements: str = ""
    deadline: dt.date | None = None
    deadline_working_days: int | None = None
    confidential: bool = False
    supervising_leader: User | None = None


def check_registrar(actor: User) -> None:
    if not access.is_office(actor) or actor.jurisdiction_id is None:
        raise PermissionDenied(NO_PERMISSION)


def plan_registration(actor: User, reg: Registration, now: dt.datetime) -> Item:
    """The unsaved item (without its number) for ``reg``, or the error the office sees."""
    _validate_registration(
        title=reg.title, content=reg.content, source=reg.source, level=reg.level, deadline=reg.deadline,
        deadline_working_days=reg.deadline_working_days, today=_local_date(now),
    )
    leader = reg.supervising_leader
    if leader is not None and (
        leader.jurisdiction_id != actor.jurisdiction_id
        or not leader.has_role(Role.DEPUTY_HEAD, Role.GOV_HEAD, Role.OFFICE_HEAD)
    ):
        raise InvalidInput("主管领导须为本辖区的政府领导。", field_errors={"supervising_leader": "无效的领导"})
    if reg.confidential and not actor.cleared_confidential:
        raise PermissionDenied("您未获得涉密事项权限，不能登记涉密事项。")
    return bulk.new(
        Item,
        jurisdiction_id=actor.jurisdiction_id,
        title=reg.title.strip(),
        content=reg.content.strip(),
        source=reg.source,
        source_detail=reg.source_detail.strip(),
        level=reg.level,
        requirements=reg.requirements.strip(),
        deadline=reg.deadline,
        deadline_working_days=reg.deadline_working_days,
        confidential=reg.confidential,
        supervising_leader=leader,
        registered_by=actor,
        registered_at=now,
        state=ItemState.PENDING_APPROVAL,
    )


def item_code(year: int, number: int) -> str:
    return f"督〔{year}〕{number}号"


def registration_event(actor: User, item: Item, now: dt.datetime) -> dict[str, Any]:
    """The ledger event of a registration (the ``chain.append`` keyword arguments)."""
    return {
        "kind": Action.REGISTER.value,
        "at": now,
        "actor": actor,
        "item": item,
        "rule_id": "S0-9",
        "summary": f"立项：{item.title}（{LEVEL_LABELS[Level(item.level)]}）",
        "after": {
            "state": item.state,
            "level": item.level,
            "source": item.source,
            "deadline": item.deadline,
            "deadline_working_days": item.deadline_working_days,
            "confidential": item.confidential,
        },
    }


@transaction.atomic
def do_register(
    *,
    actor: User,
    title: str,
    content: str,
    source: str,
    level: str,
    source_detail: str = "",
    requirements: str = "",
    deadline: dt.date | None = None,
    deadline_working_days: int | None = None,
    confidential: bool = False,
    supervising_leader: User | None = None,
    now: dt.datetime | None = None,
) -> Item:
    """立项 (S0-9): the office compiles content, level and deadline; it then awaits the office head."""
    now = _now(now)
    check_registrar(actor)
    item = plan_registration(actor, Registration(
        title=title, content=content, source=source, level=level, source_detail=source_detail,
        requirements=requirements, deadline=deadline, deadline_working_days=deadline_working_days,
        confidential=confidential, supervising_leader=supervising_leader,
    ), now)
    year = _local_date(now).year
    jurisdiction_id = item.jurisdiction_id
    if not bulk.Script.one_round_trip():
        item.code = item_code(year, next_number(jurisdiction_id, "item", year))
        bulk.insert(Item, [item])
        chain.append(jurisdiction_id=jurisdiction_id, **registration_event(actor, item, now))
        return item
    # The number's and the chain head's locks in one round trip (in this order, as register_many).
    script = bulk.Script()
    number_at = script.add(*_reserve_statement(jurisdiction_id, "item", year, 1))
    head_at = chain.lock_head_in(script, jurisdiction_id)
    results = script.run()
    item.code = item_code(year, _reserved(results[number_at][0] if results[number_at] else None,
                                          jurisdiction_id, "item", year, 1))
    bulk.insert(Item, [item])
    chain.append_in(script, results[head_at], jurisdiction_id=jurisdiction_id, **registration_event(actor, item, now))
    return item


@transaction.atomic
def do_approve(*, actor: User, item: Item, opinion: str = "", now: dt.datetime | None = None,
               expected_version: int | None = None) -> Item:
    """审定 (S0-9, S1-五(一)): the head of the government office approves before hand-out."""
    step = _begin(item, Action.APPROVE, actor, _now(now), expected_version)
    apply_effects([plan_approve(step, opinion=opinion)])
    return step.item


def plan_approve(step: _Step, *, opinion: str = "") -> Effect:
    return Effect(step, "办公室主要领导审定同意", reason=opinion, changes={"approved_at": step.now})


@transaction.atomic
def do_decline(*, actor: User, item: Item, reason: str, now: dt.datetime | None = None,
               expected_version: int | None = None) -> Item:
    reason = _require_text(reason, "reason")
    step = _begin(item, Action.DECLINE, actor, _now(now), expected_version)
    step.record("审定未通过，退回督查室", reason=reason)
    return step.item


@transaction.atomic
def do_resubmit(*, actor: User, item: Item, title: str | None = None, content: str | None = None,
                level: str | None = None, note: str = "", now: dt.datetime | None = None,
                expected_version: int | None = None) -> Item:
    step = _begin(item, Action.RESUBMIT, actor, _now(now), expected_version)
    changes: dict[str, Any] = {}
    fresh = step.item
    if title is not None and title.strip() and title.strip() != fresh.title:
        changes["title"] = title.strip()
    if content is not None and content.strip() and content.strip() != fresh.content:
        changes["content"] = content.strip()
    if level is not None and level != fresh.level:
        if level not in {lv.value for lv in Level}:
            raise InvalidInput("督查等级无效。", field_errors={"level": "督查等级无效"})
        changes["level"] = level
    before = {k: getattr(fresh, k) for k in changes}
    step.record("修改后重新报审", reason=note, before=before, after=dict(changes), **changes)
    return step.item


@dataclass(frozen=True)
class CoUnit:
    unit: Unit
    part: str = ""


@transaction.atomic
def do_assign(
    *,
    actor: User,
    item: Item,
    lead_unit: Unit,
    lead_part: str = "",
    co_units: Sequence[CoUnit] = (),
    deadline: dt.date | None = None,
    deadline_working_days: int | None = None,
    channel: str = Channel.PLATFORM,
    requirements: str | None = None,
    now: dt.datetime | None = None,
    expected_version: int | None = None,
) -> Item:
    """交办 (S1-五(二), S0-9): one lead unit and any co-units, a deadline, a channel.

    The deadline is a date or a number of working days from today; with neither, the item's own
    setting at registration, else the S1-九(四) default of 7 working days. A deadline that falls in a
    year whose holidays are not loaded is provisional (SPEC §8).
    """
    now = _now(now)
    step = _begin(item, Action.ASSIGN, actor, now, expected_version)
    apply_effects([plan_assign(
        step, lead_unit=lead_unit, lead_part=lead_part, co_units=co_units, deadline=deadline,
        deadline_working_days=deadline_working_days, channel=channel, requirements=requirements,
    )])
    return step.item


def plan_assign(
    step: _Step,
    *,
    lead_unit: Unit,
    lead_part: str = "",
    co_units: Sequence[CoUnit] = (),
    deadline: dt.date | None = None,
    deadline_working_days: int | None = None,
    channel: str = Channel.PLATFORM,
    requirements: str | None = None,
) -> Effect:
    now = step.now
    fresh = step.item
    today = step.today
    errors: dict[str, str] = {}
    units = [lead_unit, *(c.unit for c in co_units)]
    for unit in units:
        if unit.jurisdiction_id != fresh.jurisdiction_id or not unit.active:
            errors["units"] = f"单位「{unit}」不属于本辖区或已停用。"
    if len({u.pk for u in units}) != len(units):
        errors["co_units"] = "同一单位不能重复交办（牵头单位不能同时为配合单位）。"
    if channel not in _CHANNELS:
        errors["channel"] = "交办方式无效。"
    if deadline is not None and deadline_working_days is not None:
        errors["deadline"] = "办结时限请填写日期或工作日数，二者选一。"
    if deadline is not None and deadline <= today:
        errors["deadline"] = "办结时限必须晚于交办日期。"
    if errors:
        raise InvalidInput("；".join(errors.values()), field_errors=errors)

    calendar = step.memo.calendar(fresh.jurisdiction_id)
    if deadline is None:
        if deadline_working_days is None and fresh.deadline is not None and fresh.deadline > today:
            deadline = fresh.deadline
        else:
            days = deadline_working_days or fresh.deadline_working_days or DEFAULT_WORKING_DAYS
            deadline_working_days = days
            computed = calendar.add_working_days(today, days)
            deadline = computed.date
    provisional = due.is_provisional_span(calendar, today, deadline)
    rows = [bulk.new(
        Assignment, jurisdiction_id=fresh.jurisdiction_id, item=fresh, unit=lead_unit, role=Assignment.Role.LEAD,
        part=lead_part.strip(),
    )]
    for co in co_units:
        rows.append(bulk.new(
            Assignment, jurisdiction_id=fresh.jurisdiction_id, item=fresh, unit=co.unit, role=Assignment.Role.CO,
            part=co.part.strip(),
        ))
    changes: dict[str, Any] = {
        "deadline": deadline,
        "deadline_working_days": deadline_working_days,
        "deadline_provisional": provisional,
        "channel": channel,
        "assigned_at": now,
    }
    if requirements is not None:
        changes["requirements"] = requirements.strip()
    names = "、".join(c.unit.name for c in co_units)
    return Effect(
        step,
        f"交办：牵头单位 {lead_unit.name}" + (f"，配合单位 {names}" if names else "") + f"，时限 {deadline}",
        unit=lead_unit,
        before={"deadline": fresh.deadline},
        after={"deadline": deadline, "deadline_provisional": provisional},
        data={
            "lead_unit": lead_unit.pk,
            "co_units": [c.unit.pk for c in co_units],
            "channel": channel,
            "deadline_working_days": deadline_working_days,
        },
        changes=changes,
        refresh_due=True,
        creates=list(rows),
        assignments=rows,
    )


@dataclass(frozen=True)
class PlannedMilestone:
    title: str
    due_on: dt.date


@transaction.atomic
def do_receive(
    *,
    actor: User,
    item: Item,
    responsible_leader: str,
    responsible_section: str,
    responsible_person: str,
    responsible_phone: str = "",
    work_plan: str = "",
    milestones: Sequence[PlannedMilestone] = (),
    now: dt.datetime | None = None,
    expected_version: int | None = None,
) -> Assignment:
    """签收 (S0-10): the unit names its responsible leader, section and person; a work plan with
    milestones scheduled backwards from the deadline (S1-五(三)). The lead unit's receipt starts the
    handling of the item."""
    now = _now(now)
    step = _begin(item, Action.RECEIVE, actor, now, expected_version)
    effect = plan_receive(
        step, responsible_leader=responsible_leader, responsible_section=responsible_section,
        responsible_person=responsible_person, responsible_phone=responsible_phone, work_plan=work_plan,
        milestones=milestones,
    )
    apply_effects([effect])
    assignment: Assignment = effect.result
    return assignment


def plan_receive(
    step: _Step,
    *,
    responsible_leader: str,
    responsible_section: str,
    responsible_person: str,
    responsible_phone: str = "",
    work_plan: str = "",
    milestones: Sequence[PlannedMilestone] = (),
) -> Effect:
    now, actor = step.now, step.actor
    assignment = access.own_assignment(actor, step.item)
    assert assignment is not None  # acts_as(ASSIGNED_UNIT) guaranteed it
    errors: dict[str, str] = {}
    if assignment.state != Assignment.State.ASSIGNED:
        raise StateConflict("本单位已签收该事项。")
    for field_name, value, label in (
        ("responsible_leader", responsible_leader, "责任领导"),
        ("responsible_section", responsible_section, "责任科室"),
        ("responsible_person", responsible_person, "具体责任人"),
    ):
        if not (value or "").strip():
            errors[field_name] = f"请填写{label}（S0-10）。"
    deadline = step.item.deadline
    for m in milestones:
        if not m.title.strip():
            errors["milestones"] = "时间节点须填写内容。"
        elif deadline is not None and m.due_on > deadline:
            errors["milestones"] = f"时间节点「{m.title}」晚于办结时限 {deadline}（S1-五(三) 倒排工期）。"
        elif m.due_on < step.today:
            errors["milestones"] = f"时间节点「{m.title}」早于今天。"
    if errors:
        raise InvalidInput("；".join(errors.values()), field_errors=errors)

    receipt_due = due.receipt_due_on(step.item, step.memo)
    late = receipt_due is not None and step.today > receipt_due
    update = {
        "state": Assignment.State.RECEIVED.value,
        "received_at": now,
        "received_by": actor,
        "responsible_leader": responsible_leader.strip(),
        "responsible_section": responsible_section.strip(),
        "responsible_person": responsible_person.strip(),
        "responsible_phone": responsible_phone.strip(),
        "work_plan": work_plan.strip(),
    }
    rows: list[Model] = [
        bulk.new(Milestone, jurisdiction_id=step.item.jurisdiction_id, assignment=assignment, title=m.title.strip(),
                 due_on=m.due_on)
        for m in milestones
    ]
    if assignment.is_lead and step.before_state is ItemState.ASSIGNED:
        step.after_state = ItemState.IN_PROGRESS
    return Effect(
        step,
        f"{assignment.unit.name} 签收（{step.memo.role_label(assignment)}），责任人 {responsible_person.strip()}"
        + ("，逾期签收" if late else ""),
        unit=assignment.unit,
        rule_id="S0-A四.2" if late else "S0-10",
        data={
            "assignment": assignment.pk,
            "role": assignment.role,
            "late": late,
            "receipt_due": receipt_due,
            "milestones": [{"title": m.title, "due_on": m.due_on} for m in milestones],
        },
        refresh_due=True,
        creates=rows,
        assignment_updates=[(assignment, update)],
        assignments=step.assignments(),
        result=assignment,
    )


@transaction.atomic
def do_object(*, actor: User, item: Item, text: str, now: dt.datetime | None = None,
              expected_version: int | None = None) -> Objection:
    """书面调整意见 (S0-10): filed on the day of receipt; filed later it is recorded as late (S0-A四.2)."""
    now = _now(now)
    text = _require_text(text, "text", "请填写对责任分工或完成时限的调整意见。")
    step = _begin(item, Action.OBJECT, actor, now, expected_version)
    assignment = access.own_assignment(actor, step.item)
    assert assignment is not None
    received_on = _local_date(assignment.received_at) if assignment.received_at else _local_date(now)
    late = objection_is_late(received_on, _local_date(now))
    objection = Objection.objects.create(
        jurisdiction_id=step.item.jurisdiction_id, assignment=assignment, text=text, filed_at=now,
        filed_by=actor, late=late,
    )
    step.record(
        f"{assignment.unit.name} 提出调整意见" + ("（未于签收当日提出，计为逾期）" if late else ""),
        reason=text,
        unit=assignment.unit,
        rule_id="S0-A四.2" if late else "S0-10",
        data={"objection": objection.pk, "late": late, "received_on": received_on},
    )
    return objection


@transaction.atomic
def do_answer_objection(
    *,
    actor: User,
    item: Item,
    objection: Objection,
    accept: bool,
    answer: str,
    new_deadline: dt.date | None = None,
    now: dt.datetime | None = None,
    expected_version: int | None = None,
) -> Objection:
    """The office reports the objection to the head and answers the unit (S0-10)."""
    now = _now(now)
    answer = _require_text(answer, "answer", "请填写答复意见。")
    step = _begin(item, Action.ANSWER_OBJECTION, actor, now, expected_version)
    fresh_obj = Objection.objects.select_for_update().filter(pk=objection.pk, assignment__item=step.item).first()
    if fresh_obj is None:
        raise InvalidInput("该异议不属于本事项。")
    if fresh_obj.outcome != Objection.Outcome.PENDING:
        raise StateConflict("该异议已答复。")
    changes: dict[str, Any] = {}
    if new_deadline is not None:
        if not accept:
            raise InvalidInput("维持原交办时不能调整时限。", field_errors={"new_deadline": "维持原交办时不能调整时限"})
        if new_deadline <= _local_date(now):
            raise InvalidInput("调整后的时限必须晚于今天。", field_errors={"new_deadline": "时限必须晚于今天"})
        changes["deadline"] = new_deadline
        changes["deadline_provisional"] = due.is_provisional_span(
            current_calendar(step.item.jurisdiction_id), _local_date(now), new_deadline
        )
    outcome = Objection.Outcome.ACCEPTED if accept else Objection.Outcome.REJECTED
    Objection.objects.filter(pk=fresh_obj.pk).update(
        outcome=outcome, answer=answer, answered_at=now, answered_by=actor
    )
    step.record(
        f"答复异议：{outcome.label}" + (f"，时限调整为 {new_deadline}" if new_deadline else ""),
        reason=answer,
        unit=fresh_obj.assignment.unit,
        before={"deadline": step.item.deadline} if changes else None,
        after={"deadline": new_deadline} if changes else None,
        data={"objection": fresh_obj.pk, "outcome": outcome.value},
        refresh_due=bool(changes),
        **changes,
    )
    fresh_obj.refresh_from_db()
    return fresh_obj


def _report(step: _Step, assignment: Assignment, kind: str, text: str) -> Report:
    return Report.objects.create(**_report_fields(step, assignment, kind, text))


def _report_fields(step: _Step, assignment: Assignment, kind: str, text: str) -> dict[str, Any]:
    return {
        "jurisdiction_id": step.item.jurisdiction_id, "item": step.item, "assignment": assignment, "kind": kind,
        "text": text, "submitted_at": step.now, "submitted_by": step.actor,
    }


@transaction.atomic
def do_report_progress(*, actor: User, item: Item, text: str, now: dt.datetime | None = None,
                       expected_version: int | None = None) -> Report:
    """进展报告 at the level's cadence (S0-8); the lead unit reports for all (S1-五(三))."""
    now = _now(now)
    text = _require_text(text, "text", "请填写进展情况。")
    step = _begin(item, Action.REPORT_PROGRESS, actor, now, expected_version)
    effect = plan_report_progress(step, text=text)
    apply_effects([effect])
    report: Report = effect.result
    return report


def plan_report_progress(step: _Step, *, text: str) -> Effect:
    assignment = access.own_assignment(step.actor, step.item)
    assert assignment is not None
    due_before = step.item.next_due_at
    report = bulk.new(Report, **_report_fields(step, assignment, Report.Kind.PROGRESS, text))
    late = due_before is not None and step.now > due_before
    return Effect(
        step,
        f"{assignment.unit.name} 报送进展" + ("（逾期）" if late else ""),
        reason=text,
        unit=assignment.unit,
        data={"report": None, "due": due_before, "late": late},
        refresh_due=True,
        creates=[report],
        pk_refs={"report": report},
        assignment_updates=[(assignment, {"last_report_at": step.now})],
        assignments=step.assignments(),
        result=report,
    )


@transaction.atomic
def do_report_unable(*, actor: User, item: Item, text: str, now: dt.datetime | None = None,
                     expected_version: int | None = None) -> Report:
    """A co-unit that cannot help reports at once (S1-五(三))."""
    now = _now(now)
    text = _require_text(text, "text", "请说明无法配合的原因。")
    step = _begin(item, Action.REPORT_UNABLE, actor, now, expected_version)
    assignment = access.own_assignment(actor, step.item)
    assert assignment is not None
    if assignment.state == Assignment.State.UNABLE:
        raise StateConflict("本单位已报告无法配合。")
    report = _report(step, assignment, Report.Kind.UNABLE, text)
    Assignment.objects.filter(pk=assignment.pk).update(state=Assignment.State.UNABLE, last_report_at=now)
    step.record(f"{assignment.unit.name} 报告无法配合", reason=text, unit=assignment.unit,
                data={"report": report.pk})
    return report


@transaction.atomic
def do_request_extension(*, actor: User, item: Item, requested_deadline: dt.date, reason: str,
                         now: dt.datetime | None = None, expected_version: int | None = None) -> ExtensionRequest:
    now = _now(now)
    reason = _require_text(reason, "reason", "请填写延期理由。")
    step = _begin(item, Action.REQUEST_EXTENSION, actor, now, expected_version)
    current = step.item.deadline
    if current is not None and requested_deadline <= current:
        raise InvalidInput(
            f"申请延至的日期须晚于现时限 {current}。", field_errors={"requested_deadline": "须晚于现时限"}
        )
    if step.item.extension_requests.filter(state=ExtensionRequest.State.PENDING).exists():
        raise StateConflict("已有待审批的延期申请。")
    assignment = access.own_assignment(actor, step.item)
    request = ExtensionRequest.objects.create(
        jurisdiction_id=step.item.jurisdiction_id, item=step.item, requested_deadline=requested_deadline,
        reason=reason, requested_at=now, requested_by=actor,
    )
    step.record(
        f"申请延期至 {requested_deadline}", reason=reason, unit=assignment.unit if assignment else None,
        data={"extension": request.pk, "requested_deadline": requested_deadline, "deadline": current},
    )
    return request


@transaction.atomic
def do_decide_extension(*, actor: User, item: Item, request: ExtensionRequest, approve: bool, note: str = "",
                        now: dt.datetime | None = None, expected_version: int | None = None) -> ExtensionRequest:
    now = _now(now)
    if not approve:
        note = _require_text(note, "note", "不同意延期时请填写理由。")
    step = _begin(item, Action.DECIDE_EXTENSION, actor, now, expected_version)
    fresh = ExtensionRequest.objects.select_for_update().filter(pk=request.pk, item=step.item).first()
    if fresh is None:
        raise InvalidInput("该延期申请不属于本事项。")
    if fresh.state != ExtensionRequest.State.PENDING:
        raise StateConflict("该延期申请已审批。")
    state = ExtensionRequest.State.APPROVED if approve else ExtensionRequest.State.REJECTED
    ExtensionRequest.objects.filter(pk=fresh.pk).update(state=state, decision_note=note, decided_at=now,
                                                        decided_by=actor)
    changes: dict[str, Any] = {}
    if approve:
        changes = {
            "deadline": fresh.requested_deadline,
            "deadline_provisional": due.is_provisional_span(
                current_calendar(step.item.jurisdiction_id), _local_date(now), fresh.requested_deadline
            ),
        }
    step.record(
        f"延期申请：{state.label}" + (f"，时限延至 {fresh.requested_deadline}" if approve else ""),
        reason=note,
        before={"deadline": step.item.deadline} if approve else None,
        after={"deadline": fresh.requested_deadline} if approve else None,
        data={"extension": fresh.pk, "approved": approve},
        refresh_due=approve,
        **changes,
    )
    fresh.refresh_from_db()
    return fresh


@transaction.atomic
def do_report_completion(*, actor: User, item: Item, text: str, now: dt.datetime | None = None,
                         expected_version: int | None = None) -> Report:
    """办结报告 by the lead unit; the office then reviews it (S0-12)."""
    now = _now(now)
    text = _require_text(text, "text", "请填写办结情况。")
    step = _begin(item, Action.REPORT_COMPLETION, actor, now, expected_version)
    effect = plan_report_completion(step, text=text)
    apply_effects([effect])
    report: Report = effect.result
    return report


def plan_report_completion(step: _Step, *, text: str) -> Effect:
    assignment = access.own_assignment(step.actor, step.item)
    assert assignment is not None
    report = bulk.new(Report, **_report_fields(step, assignment, Report.Kind.COMPLETION, text))
    deadline = step.item.deadline
    late = deadline is not None and step.today > deadline
    return Effect(
        step,
        f"{assignment.unit.name} 报送办结" + ("（超过时限）" if late else ""),
        reason=text, unit=assignment.unit, data={"report": None, "late": late, "deadline": deadline},
        changes={"completed_at": step.now, "next_due_at": None},
        creates=[report],
        pk_refs={"report": report},
        assignment_updates=[(assignment, {"last_report_at": step.now})],
        result=report,
    )


def _review(step: _Step, stage: str, outcome: str, opinion: str, follow_up: str = "") -> Review:
    review = _new_review(step, stage, outcome, opinion, follow_up)
    review.save(force_insert=True)
    return review


def _new_review(step: _Step, stage: str, outcome: str, opinion: str, follow_up: str = "") -> Review:
    return bulk.new(
        Review, jurisdiction_id=step.item.jurisdiction_id, item=step.item, stage=stage, outcome=outcome,
        opinion=opinion, follow_up=follow_up, reviewed_at=step.now, reviewed_by=step.actor,
    )


@transaction.atomic
def do_office_accept(*, actor: User, item: Item, opinion: str = "", now: dt.datetime | None = None,
                     expected_version: int | None = None) -> Review:
    """审核验收 (S0-12): problem clarified, conclusion accurate, handling done, on time, proper."""
    step = _begin(item, Action.OFFICE_ACCEPT, actor, _now(now), expected_version)
    effect = plan_office_accept(step, opinion=opinion)
    apply_effects([effect])
    review: Review = effect.result
    return review


def plan_office_accept(step: _Step, *, opinion: str = "") -> Effect:
    review = _new_review(step, Review.Stage.OFFICE, Review.Outcome.ACCEPT, opinion.strip())
    return Effect(step, "督查室审核通过，报领导审阅", reason=opinion, data={"review": None},
                  creates=[review], pk_refs={"review": review}, result=review)


@transaction.atomic
def do_office_return(*, actor: User, item: Item, reasons: str, now: dt.datetime | None = None,
                     expected_version: int | None = None) -> Review:
    """退回重办 (S1-五(五)) with written reasons; every return is counted (S3b uses the count)."""
    now = _now(now)
    reasons = _require_text(reasons, "reasons", "退回时须书面说明理由。")
    step = _begin(item, Action.OFFICE_RETURN, actor, now, expected_version)
    review = _review(step, Review.Stage.OFFICE, Review.Outcome.RETURN, reasons)
    count = step.item.return_count + 1
    step.record(
        f"督查室退回重办（第 {count} 次）", reason=reasons,
        unit=step.item.lead_assignment.unit if step.item.lead_assignment else None,
        data={"review": review.pk, "return_number": count},
        before={"return_count": count - 1}, after={"return_count": count},
        return_count=count, completed_at=None, refresh_due=True,
    )
    return review


FOLLOW_UPS = {"report_up": "上报", "circulate": "通报", "none": "无"}


@transaction.atomic
def do_leader_pass(*, actor: User, item: Item, opinion: str = "", follow_up: str = "none",
                   now: dt.datetime | None = None, expected_version: int | None = None) -> Review:
    """领导审阅通过 (S0-13): report upward or circulate as the leader decides."""
    check_follow_up(follow_up)
    step = _begin(item, Action.LEADER_PASS, actor, _now(now), expected_version)
    effect = plan_leader_pass(step, opinion=opinion, follow_up=follow_up)
    apply_effects([effect])
    review: Review = effect.result
    return review


def check_follow_up(follow_up: str) -> None:
    if follow_up not in FOLLOW_UPS:
        raise InvalidInput("后续处理方式无效。", field_errors={"follow_up": "无效"})


def plan_leader_pass(step: _Step, *, opinion: str = "", follow_up: str = "none") -> Effect:
    review = _new_review(step, Review.Stage.LEADER, Review.Outcome.PASS, opinion.strip(), follow_up)
    return Effect(step, f"领导审阅通过（{FOLLOW_UPS[follow_up]}）", reason=opinion,
                  data={"review": None, "follow_up": follow_up}, changes={"closed_at": step.now},
                  creates=[review], pk_refs={"review": review}, result=review)


@transaction.atomic
def do_leader_resupervise(*, actor: User, item: Item, reasons: str, now: dt.datetime | None = None,
                          expected_version: int | None = None) -> Review:
    """领导审阅不通过 → the office supervises again (S0-13, S1-五(六))."""
    now = _now(now)
    reasons = _require_text(reasons, "reasons", "要求再督查时须说明理由。")
    step = _begin(item, Action.LEADER_RESUPERVISE, actor, now, expected_version)
    review = _review(step, Review.Stage.LEADER, Review.Outcome.RESUPERVISE, reasons)
    count = step.item.resupervise_count + 1
    step.record(f"领导要求再督查（第 {count} 次）", reason=reasons, data={"review": review.pk},
                resupervise_count=count, completed_at=None, refresh_due=True)
    return review


@transaction.atomic
def do_archive(*, actor: User, item: Item, custodian: User, now: dt.datetime | None = None,
               expected_version: int | None = None) -> Item:
    """立卷归档 (S0-14): all documents complete, with a named custodian."""
    step = _begin(item, Action.ARCHIVE, actor, _now(now), expected_version)
    check_custodian(custodian, step.item.jurisdiction_id)
    apply_effects([plan_archive(step, custodian=custodian, facts=archive_facts([step.item.pk])[step.item.pk])])
    return step.item


@dataclass(frozen=True)
class ArchiveFacts:
    """What S0-14 asks of the file before it is archived, read for many items in one query."""

    has_completion_report: bool = False
    has_leader_pass: bool = False
    attachments: int = 0


def archive_facts(item_ids: Sequence[int]) -> dict[int, ArchiveFacts]:
    attachments = (
        Attachment.objects.filter(item=OuterRef("pk")).order_by().values("item").annotate(n=Count("pk")).values("n")
    )
    rows = Item.objects.filter(pk__in=item_ids).annotate(
        _completion=Exists(Report.objects.filter(item=OuterRef("pk"), kind=Report.Kind.COMPLETION)),
        _leader_pass=Exists(Review.objects.filter(
            item=OuterRef("pk"), stage=Review.Stage.LEADER, outcome=Review.Outcome.PASS)),
        _attachments=Coalesce(Subquery(attachments), 0),
    ).values_list("pk", "_completion", "_leader_pass", "_attachments")
    facts = {pk: ArchiveFacts(bool(c), bool(p), int(n)) for pk, c, p, n in rows}
    return {pk: facts.get(pk, ArchiveFacts()) for pk in item_ids}


def check_custodian(custodian: User, jurisdiction_id: int) -> None:
    if custodian.jurisdiction_id != jurisdiction_id or not access.is_office(custodian):
        raise InvalidInput("保管人须为本辖区督查室人员。", field_errors={"custodian": "保管人无效"})


def plan_archive(step: _Step, *, custodian: User, facts: ArchiveFacts) -> Effect:
    check_custodian(custodian, step.item.jurisdiction_id)
    missing = []
    if not facts.has_completion_report:
        missing.append("办结报告")
    if not facts.has_leader_pass:
        missing.append("领导审阅意见")
    if missing:
        raise StateConflict("归档材料不全：缺少" + "、".join(missing) + "（S0-14）。")
    return Effect(step, f"立卷归档，保管人 {custodian.display_name}",
                  data={"custodian": custodian.pk, "attachments": facts.attachments},
                  changes={"archived_at": step.now, "custodian": custodian})


def validate_upload(upload: UploadedFile) -> None:
    name = upload.name or ""
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if ext not in settings.DUBAN_ATTACHMENT_EXTENSIONS:
        allowed = "、".join(settings.DUBAN_ATTACHMENT_EXTENSIONS)
        raise InvalidInput(
            f"不支持的文件类型「{ext or '无扩展名'}」，允许：{allowed}。", field_errors={"file": "类型不允许"}
        )
    if upload.size is None or upload.size > settings.DUBAN_ATTACHMENT_MAX_BYTES:
        limit = settings.DUBAN_ATTACHMENT_MAX_BYTES // (1024 * 1024)
        raise InvalidInput(f"文件超过 {limit} MB 的大小限制。", field_errors={"file": "文件过大"})
    if upload.size == 0:
        raise InvalidInput("文件为空。", field_errors={"file": "文件为空"})


def safe_filename(name: str) -> str:
    """Keep the user's file name readable but strip paths and characters that break headers/paths."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*;\r\n')
    return cleaned.strip(" .")[:150] or "附件"


@transaction.atomic
def do_attach(*, actor: User, item: Item, upload: UploadedFile, step_name: str = "",
              now: dt.datetime | None = None) -> Attachment:
    """附件 on any step (S0-14 archive completeness); size and type limited."""
    validate_upload(upload)
    step = _begin(item, Action.ATTACH, actor, _now(now), None)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = safe_filename(upload.name or "附件")
    attachment = Attachment(
        jurisdiction_id=step.item.jurisdiction_id, item=step.item, step=step_name[:32], original_name=name,
        size=upload.size or 0, sha256=digest.hexdigest(), uploaded_at=step.now, uploaded_by=actor,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    event = step.record(f"上传附件：{name}", data={"attachment": attachment.pk, "sha256": attachment.sha256,
                                                  "size": attachment.size, "step": step_name})
    Attachment.objects.filter(pk=attachment.pk).update(event=event)
    return attachment

