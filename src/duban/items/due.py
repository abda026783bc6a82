"""When the next thing is due on an item: receipt, the next progress report, or completion.

``Item.next_due_at`` is written whenever an action changes what is due, so the sweep finds due items
with an indexed range query (``next_due_at <= now``) instead of scanning every open item. A due moment
is the start of the day after the due date in the office's time zone: a report filed any time on the
due date is on time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from duban.core.cadence import CadencePolicy, next_report_due, receipt_due
from duban.core.calendar import WorkCalendar
from duban.core.lifecycle import ItemState
from duban.workcal.service import current_calendar

from .models import Assignment, Item

# Within one action the item's assignments are often already in memory (locked, prefetched, just
# written): passing them in saves the query. ``None`` means "read them from the database".
Assignments = Iterable[Assignment] | None


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


def receipt_due_on(item: Item) -> dt.date | None:
    if item.assigned_at is None:
        return None
    calendar = current_calendar(item.jurisdiction_id)
    return receipt_due(cadence_policy(), timezone.localdate(item.assigned_at), calendar)


def compute_next_due(item: Item, assignments: Assignments = None) -> dt.date | None:
    state = item.state_enum
    if state not in (ItemState.ASSIGNED, ItemState.IN_PROGRESS):
        return None
    calendar = current_calendar(item.jurisdiction_id)
    candidates: list[dt.date] = []
    assignments = list(Assignment.objects.filter(item=item) if assignments is None else assignments)
    if any(a.state == Assignment.State.ASSIGNED for a in assignments):
        receipt = receipt_due_on(item)
        if receipt is not None:
            candidates.append(receipt)
    lead = next((a for a in assignments if a.role == Assignment.Role.LEAD), None)
    if state is ItemState.IN_PROGRESS and lead is not None:
        since = lead.last_report_at or lead.received_at or item.assigned_at
        if since is not None:
            candidates.append(
                next_report_due(cadence_policy(), item.level, timezone.localdate(since), item.deadline, calendar)
            )
    if item.deadline is not None:
        candidates.append(item.deadline)
    return min(candidates) if candidates else None


def start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def reminder_day(item: Item, due_day: dt.date) -> dt.date | None:
    """The working day ``reminder_days_before`` working days before ``due_day`` (None when off)."""
    from duban.urging.policy import active

    days_before = active().urging.reminder_days_before
    if days_before <= 0:
        return None
    calendar = current_calendar(item.jurisdiction_id)
    day, counted = due_day, 0
    while counted < days_before:
        day -= dt.timedelta(days=1)
        if calendar.is_workday(day):
            counted += 1
    return day


def next_check(item: Item, today: dt.date, assignments: Assignments = None) -> dt.datetime | None:
    """When the sweep should next look at the item: the reminder day, else the moment it becomes late."""
    due_day = compute_next_due(item, assignments)
    if due_day is None:
        return None
    remind_on = reminder_day(item, due_day)
    if remind_on is not None and remind_on > today:
        return start_of(remind_on)
    return end_of(due_day)


def refresh_next_due(item: Item, now: dt.datetime, assignments: Assignments = None) -> None:
    moment = next_check(item, timezone.localdate(now), assignments)
    Item.objects.filter(pk=item.pk).update(next_due_at=moment)
    item.next_due_at = moment
