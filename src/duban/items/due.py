"""When the next thing is due on an item: receipt, the next progress report, or completion.

``Item.next_due_at`` is written whenever an action changes what is due, so the sweep finds due items
with an indexed range query (``next_due_at <= now``) instead of scanning every open item. A due moment
is the start of the day after the due date in the office's time zone: a report filed any time on the
due date is on time.

A ``Memo`` carries what the computations of one action or one batch chunk share: the urging policy
and the calendars are read once, moments are converted to local dates once, and ``next_check`` is
computed once per distinct set of its inputs (state, level, deadline, the local days of hand-out and
of the lead unit's last report, whether a unit has yet to receive, today). The answers are the same
with or without one; a memo lives for one call of the batch machinery, not longer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from duban.core.cadence import CadencePolicy, next_report_due, receipt_due
from duban.core.calendar import WorkCalendar
from duban.core.lifecycle import ItemState
from duban.workcal.service import current_calendar

from .models import Assignment, Item

# Within one action the item's assignments are often already in memory (locked, prefetched, just
# written): passing them in saves the query. ``None`` means "read them from the database".
Assignments = Iterable[Assignment] | None

_OPEN = (ItemState.ASSIGNED, ItemState.IN_PROGRESS)


class Memo:
    """Shared by the due computations of one action or one batch chunk (see the module docstring)."""

    __slots__ = ("_calendars", "_checks", "_dates", "_labels", "_policy")

    def __init__(self) -> None:
        self._labels: dict[str, str] = {}
        self._policy: Any = None
        self._calendars: dict[int | None, WorkCalendar] = {}
        self._dates: dict[dt.datetime, dt.date] = {}
        self._checks: dict[tuple[Any, ...], dt.datetime | None] = {}

    def policy(self) -> Any:
        """The active urging policy file (DUBAN_URGING_POLICY)."""
        if self._policy is None:
            from duban.urging.policy import active

            self._policy = active()
        return self._policy

    def cadence(self) -> CadencePolicy:
        cadence: CadencePolicy = self.policy().cadence
        return cadence

    def calendar(self, jurisdiction_id: int | None) -> WorkCalendar:
        calendar = self._calendars.get(jurisdiction_id)
        if calendar is None:
            calendar = self._calendars[jurisdiction_id] = current_calendar(jurisdiction_id)
        return calendar

    def role_label(self, assignment: Assignment) -> str:
        """``assignment.get_role_display()``, translated once per role (the language is the chunk's)."""
        label = self._labels.get(assignment.role)
        if label is None:
            label = self._labels[assignment.role] = str(assignment.get_role_display())
        return label

    def local_date(self, moment: dt.datetime) -> dt.date:
        day = self._dates.get(moment)
        if day is None:
            day = self._dates[moment] = timezone.localdate(moment)
        return day


def cadence_policy() -> CadencePolicy:
    """The cadence of the active urging policy file (DUBAN_URGING_POLICY)."""
    from duban.urging.policy import active

    return active().cadence


def is_provisional_span(calendar: WorkCalendar, start: dt.date, end: dt.date) -> bool:
    """SPEC §8: a deadline reached through a year whose holidays are not loaded is provisional."""
    return any(calendar.is_provisional(dt.date(year, 7, 1)) for year in range(start.year, end.year + 1))


def end_of(day: dt.date) -> dt.datetime:
    """The moment a thing due on ``day`` becomes late: 00:00 of the next day, local time."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def receipt_due_on(item: Item, memo: Memo | None = None) -> dt.date | None:
    if item.assigned_at is None:
        return None
    m = memo or Memo()
    return receipt_due(m.cadence(), m.local_date(item.assigned_at), m.calendar(item.jurisdiction_id))


def _inputs(item: Item, state: ItemState, assignments: Assignments, m: Memo) -> tuple[Any, ...]:
    """Everything ``compute_next_due`` depends on, as a key (after the policy and the calendar)."""
    rows = list(Assignment.objects.filter(item=item) if assignments is None else assignments)
    unreceived = any(a.state == Assignment.State.ASSIGNED for a in rows)
    assigned_on = m.local_date(item.assigned_at) if item.assigned_at is not None else None
    lead = next((a for a in rows if a.role == Assignment.Role.LEAD), None)
    since_on = None
    if state is ItemState.IN_PROGRESS and lead is not None:
        since = lead.last_report_at or lead.received_at or item.assigned_at
        if since is not None:
            since_on = m.local_date(since)
    return (item.jurisdiction_id, item.level, item.deadline, assigned_on, unreceived, since_on)


def _due_day(m: Memo, jurisdiction_id: int, level: str, deadline: dt.date | None, assigned_on: dt.date | None,
             unreceived: bool, since_on: dt.date | None) -> dt.date | None:
    calendar = m.calendar(jurisdiction_id)
    candidates: list[dt.date] = []
    if unreceived and assigned_on is not None:
        candidates.append(receipt_due(m.cadence(), assigned_on, calendar))
    if since_on is not None:
        candidates.append(next_report_due(m.cadence(), level, since_on, deadline, calendar))
    if deadline is not None:
        candidates.append(deadline)
    return min(candidates) if candidates else None


def compute_next_due(item: Item, assignments: Assignments = None, memo: Memo | None = None) -> dt.date | None:
    state = item.state_enum
    if state not in _OPEN:
        return None
    m = memo or Memo()
    return _due_day(m, *_inputs(item, state, assignments, m))


def start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def reminder_day(item: Item, due_day: dt.date, memo: Memo | None = None) -> dt.date | None:
    """The working day ``reminder_days_before`` working days before ``due_day`` (None when off)."""
    return _reminder_day(memo or Memo(), item.jurisdiction_id, due_day)


def _reminder_day(m: Memo, jurisdiction_id: int | None, due_day: dt.date) -> dt.date | None:
    days_before = m.policy().urging.reminder_days_before
    if days_before <= 0:
        return None
    calendar = m.calendar(jurisdiction_id)
    day, counted = due_day, 0
    while counted < days_before:
        day -= dt.timedelta(days=1)
        if calendar.is_workday(day):
            counted += 1
    return day


def next_check(item: Item, today: dt.date, assignments: Assignments = None,
               memo: Memo | None = None) -> dt.datetime | None:
    """When the sweep should next look at the item: the reminder day, else the moment it becomes late."""
    state = item.state_enum
    if state not in _OPEN:
        return None
    m = memo or Memo()
    inputs = _inputs(item, state, assignments, m)
    key = (*inputs, today)
    if key in m._checks:
        return m._checks[key]
    due_day = _due_day(m, *inputs)
    moment = None
    if due_day is not None:
        remind_on = _reminder_day(m, item.jurisdiction_id, due_day)
        moment = start_of(remind_on) if remind_on is not None and remind_on > today else end_of(due_day)
    m._checks[key] = moment
    return moment


def refresh_next_due(item: Item, now: dt.datetime, assignments: Assignments = None) -> None:
    moment = next_check(item, timezone.localdate(now), assignments)
    Item.objects.filter(pk=item.pk).update(next_due_at=moment)
    item.next_due_at = moment
