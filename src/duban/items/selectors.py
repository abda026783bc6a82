"""Reads: the item list with its filters, an item's page, and each role's to-do list.

Every query starts from ``access.visible_items`` so no page, API route or export can show an item the
user may not see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from duban.core.lifecycle import OFFICE_ROLES, UNIT_ROLES, ItemState, Role
from duban.ledger.models import Event
from duban.org.models import User

from .access import is_leader_of, visible_items
from .models import Assignment, ExtensionRequest, Item, Objection


@dataclass(frozen=True)
class ItemFilter:
    """The filters of the item list (page, API and Excel export share them)."""

    state: str = ""
    level: str = ""
    source: str = ""
    unit: int | None = None  # lead or co-unit
    overdue: bool = False
    q: str = ""
    confidential: bool | None = None

    @classmethod
    def from_params(cls, params: dict[str, str]) -> ItemFilter:
        unit_raw = (params.get("unit") or "").strip()
        return cls(
            state=(params.get("state") or "").strip(),
            level=(params.get("level") or "").strip(),
            source=(params.get("source") or "").strip(),
            unit=int(unit_raw) if unit_raw.isdigit() else None,
            overdue=(params.get("overdue") or "") in {"1", "true", "on", "yes"},
            q=(params.get("q") or "").strip()[:100],
        )


def filtered_items(user: User, f: ItemFilter, *, now: dt.datetime | None = None) -> QuerySet[Item]:
    qs = visible_items(user)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.level:
        qs = qs.filter(level=f.level)
    if f.source:
        qs = qs.filter(source=f.source)
    if f.unit is not None:
        qs = qs.filter(Exists(Assignment.objects.filter(item=OuterRef("pk"), unit_id=f.unit)))
    if f.overdue:
        today = timezone.localdate(now or timezone.now())
        qs = qs.filter(
            deadline__lt=today,
            state__in=[ItemState.ASSIGNED, ItemState.IN_PROGRESS, ItemState.COMPLETION_REPORTED],
        )
    if f.q:
        qs = qs.filter(Q(title__icontains=f.q) | Q(content__icontains=f.q) | Q(code__icontains=f.q))
    return qs


def with_list_relations(qs: QuerySet[Item]) -> QuerySet[Item]:
    return qs.prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.select_related("unit").order_by("role", "id"))
    ).select_related("supervising_leader")


def item_detail(user: User, pk: int) -> Item | None:
    return (
        with_list_relations(visible_items(user))
        .prefetch_related("reports__submitted_by", "reviews__reviewed_by", "attachments",
                          "extension_requests", "assignments__objections", "assignments__milestones")
        .filter(pk=pk)
        .first()
    )


def timeline(item: Item) -> QuerySet[Event]:
    return Event.objects.filter(item=item).select_related("unit").order_by("seq")


@dataclass
class TodoList:
    to_approve: list[Item] = field(default_factory=list)
    to_assign: list[Item] = field(default_factory=list)
    to_receive: list[Item] = field(default_factory=list)
    to_report: list[Item] = field(default_factory=list)
    to_review: list[Item] = field(default_factory=list)
    to_read: list[Item] = field(default_factory=list)
    to_archive: list[Item] = field(default_factory=list)
    objections: list[Objection] = field(default_factory=list)
    extensions: list[ExtensionRequest] = field(default_factory=list)
    tickets_to_sign: list[Any] = field(default_factory=list)  # urging.Ticket drafts this leader signs (S0-11)
    tickets_to_answer: list[Any] = field(default_factory=list)  # issued tickets this unit must answer

    @property
    def total(self) -> int:
        return sum(
            len(v) for v in (self.to_approve, self.to_assign, self.to_receive, self.to_report, self.to_review,
                             self.to_read, self.to_archive, self.objections, self.extensions,
                             self.tickets_to_sign, self.tickets_to_answer)
        )


TODO_LIMIT = 50


def todo_for(user: User) -> TodoList:
    """What this person must do now: receive, report, review, approve, read, archive, answer."""
    todo = TodoList()
    items = with_list_relations(visible_items(user))
    roles = user.role_set()
    if Role.OFFICE_HEAD in roles:
        todo.to_approve = list(items.filter(state=ItemState.PENDING_APPROVAL)[:TODO_LIMIT])
    if roles & OFFICE_ROLES:
        todo.to_assign = list(items.filter(state=ItemState.APPROVED)[:TODO_LIMIT])
        todo.to_review = list(items.filter(state=ItemState.COMPLETION_REPORTED)[:TODO_LIMIT])
        todo.to_archive = list(items.filter(state=ItemState.CLOSED)[:TODO_LIMIT])
        visible = visible_items(user).values("pk")
        todo.objections = list(
            Objection.objects.filter(outcome=Objection.Outcome.PENDING, assignment__item__in=visible)
            .select_related("assignment__unit", "assignment__item")[:TODO_LIMIT]
        )
        todo.extensions = list(
            ExtensionRequest.objects.filter(state=ExtensionRequest.State.PENDING, item__in=visible)
            .select_related("item")[:TODO_LIMIT]
        )
    if roles & {Role.DEPUTY_HEAD, Role.GOV_HEAD, Role.OFFICE_HEAD}:
        todo.to_read = [
            i for i in items.filter(state=ItemState.OFFICE_ACCEPTED)[:TODO_LIMIT] if is_leader_of(user, i)
        ]
    if roles & UNIT_ROLES and user.unit_id is not None:
        mine = items.filter(assignments__unit_id=user.unit_id)
        todo.to_receive = list(
            mine.filter(assignments__unit_id=user.unit_id, assignments__state=Assignment.State.ASSIGNED)
            .distinct()[:TODO_LIMIT]
        )
        todo.to_report = list(
            mine.filter(state=ItemState.IN_PROGRESS, assignments__unit_id=user.unit_id,
                        assignments__role=Assignment.Role.LEAD)
            .exclude(pk__in=[i.pk for i in todo.to_receive])
            .order_by("next_due_at")
            .distinct()[:TODO_LIMIT]
        )
    from duban.urging.selectors import tickets_to_answer, tickets_to_sign

    todo.tickets_to_sign = tickets_to_sign(user)[:TODO_LIMIT]
    todo.tickets_to_answer = list(tickets_to_answer(user)[:TODO_LIMIT])
    return todo


def todo_count(user: User) -> int:
    return todo_for(user).total
