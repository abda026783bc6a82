"""Reporting cadence and due dates per level (S0-8, S1-五(三), S1-九(四), S0-10), as policy data.

Readings taken, each switchable in ``CadencePolicy``:
- S0-8 "每周提报" (especially important): due 5 working days after the last report (or receipt) —
  ``weekly_working_days``; "即时提报最新进展" adds reports, it moves no deadline.
- S0-8 "每月" / "每季" (fairly / generally important): the same day one / three calendar months later,
  moved to the next working day when that day is not one.
- S1-五(三) option ``weekly_if_longer_than_week``: every level reports weekly while handling is longer
  than one week (off by default: S0-8's cadence by level applies).
- S0-10: the unit receives on the day of hand-out; the receipt window is ``receipt_working_days``
  (0 = the same day; default 1 = by the end of the next working day, the usual reading when items are
  handed out late in the day).
- S1-九(四): items without a set deadline close within ``default_working_days`` (7) working days.
"""

from __future__ import annotations

import calendar as _month_calendar
import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from .calendar import WorkCalendar
from .lifecycle import Level


class Period(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


def _default_periods() -> dict[str, Period]:
    return {
        Level.ESPECIALLY_IMPORTANT.value: Period.WEEKLY,
        Level.FAIRLY_IMPORTANT.value: Period.MONTHLY,
        Level.GENERALLY_IMPORTANT.value: Period.QUARTERLY,
    }


@dataclass(frozen=True)
class CadencePolicy:
    periods: dict[str, Period] = field(default_factory=_default_periods)
    weekly_working_days: int = 5
    weekly_if_longer_than_week: bool = False
    receipt_working_days: int = 1
    default_working_days: int = 7


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = _month_calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def _on_or_after_workday(calendar: WorkCalendar, day: dt.date) -> dt.date:
    return day if calendar.is_workday(day) else calendar.next_workday(day)


def period_for(policy: CadencePolicy, level: str, since: dt.date, deadline: dt.date | None) -> Period:
    period = policy.periods[level]
    if policy.weekly_if_longer_than_week and deadline is not None and (deadline - since).days > 7:
        return Period.WEEKLY
    return period


def next_report_due(
    policy: CadencePolicy,
    level: str,
    since: dt.date,
    deadline: dt.date | None,
    calendar: WorkCalendar,
) -> dt.date:
    """The date by which the next progress report is due, counted from the last report (or receipt)."""
    period = period_for(policy, level, since, deadline)
    if period is Period.WEEKLY:
        return calendar.add_working_days(since, policy.weekly_working_days).date
    months = 1 if period is Period.MONTHLY else 3
    return _on_or_after_workday(calendar, _add_months(since, months))


def receipt_due(policy: CadencePolicy, assigned_on: dt.date, calendar: WorkCalendar) -> dt.date:
    """S0-10: the last day on which receiving the item is on time."""
    if policy.receipt_working_days == 0:
        return assigned_on
    return calendar.add_working_days(assigned_on, policy.receipt_working_days).date
