"""Reporting cadence and due dates per level (S0-8, S1-五(三), S1-九(四), S0-10), as policy data.

Readings taken, each one setting away from its alternative in ``CadencePolicy``:

- **S0-8 "每周提报"** (especially important): ``weekly_rule = WORKING_DAYS`` (default) — due
  ``weekly_working_days`` (5) working days after the last report, or receipt when none yet; a holiday
  week therefore stretches the week. Alternative ``SAME_WEEKDAY``: the same weekday of the next week
  (7 natural days later), moved to the next working day when that day is a rest day.
- **S0-8 "即时提报最新进展"** (especially important also reports at once on new progress): levels in
  ``report_on_new_progress``; such reports are additional — they are never late, and a report made resets
  the weekly clock like any other.
- **S0-8 "每月" / "每季"** (fairly / generally important): ``period_anchor = SAME_DAY`` (default) — the
  same day one / three calendar months after the last report (the month's last day when it has fewer
  days: 31 Jan → 28 Feb), moved to the next working day when that day is a rest day. Alternative
  ``PERIOD_END``: one report in each calendar month / quarter — the next is due on the last working day of
  the month (quarter: Jan–Mar, Apr–Jun, Jul–Sep, Oct–Dec) *following* the one that holds the last report.
- **S1-五(三)** option ``weekly_if_longer_than_week`` (off by default: S0-8's cadence by level applies):
  any level reports weekly while more than 7 natural days remain from the last report to the deadline, or
  while there is no deadline (open-ended handling is longer than a week). Reading: "办理时间超过一周" is
  measured from the last report, so once a week or less is left, the completion deadline governs.
- **S0-10 receipt**: ``receipt_working_days`` — 0 = the same day as hand-out; default 1 = by the end of
  the next working day (the usual reading when items are handed out late in the day).
- **S0-10 / S0-A四.2 objection**: filed in writing on the day of receipt — ``objection_working_days = 0``;
  an objection filed later counts as overdue.
- **S1-九(四)**: important items close within ``default_working_days`` (7) working days unless set
  otherwise.

``deadline`` never caps the report due date here: the caller takes the earlier of the two, and late
completion supersedes late reporting (S0-15).
"""

from __future__ import annotations

import calendar as _month_calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from .calendar import WorkCalendar, WorkingDate
from .lifecycle import Level


class Period(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


class WeeklyRule(StrEnum):
    """Reading of S0-8 "每周提报"."""

    WORKING_DAYS = "working_days"  # ``weekly_working_days`` working days after the last report
    SAME_WEEKDAY = "same_weekday"  # the same weekday next week, moved to the next working day


class PeriodAnchor(StrEnum):
    """Reading of S0-8 "每月" / "每季"."""

    SAME_DAY = "same_day"  # same day 1 / 3 months after the last report, moved to the next working day
    PERIOD_END = "period_end"  # last working day of the calendar month / quarter after the last report's


def _default_periods() -> dict[str, Period]:
    return {
        Level.ESPECIALLY_IMPORTANT.value: Period.WEEKLY,  # S0-8
        Level.FAIRLY_IMPORTANT.value: Period.MONTHLY,  # S0-8
        Level.GENERALLY_IMPORTANT.value: Period.QUARTERLY,  # S0-8
    }


@dataclass(frozen=True)
class CadencePolicy:
    periods: Mapping[str, Period] = field(default_factory=_default_periods)
    weekly_working_days: int = 5
    weekly_if_longer_than_week: bool = False
    receipt_working_days: int = 1
    default_working_days: int = 7
    weekly_rule: WeeklyRule = WeeklyRule.WORKING_DAYS
    period_anchor: PeriodAnchor = PeriodAnchor.SAME_DAY
    report_on_new_progress: frozenset[str] = frozenset({Level.ESPECIALLY_IMPORTANT.value})
    objection_working_days: int = 0

    def __post_init__(self) -> None:
        missing = {level.value for level in Level} - set(self.periods)
        if missing:
            raise ValueError(f"cadence: no period for level(s) {sorted(missing)}")
        for name in ("weekly_working_days", "default_working_days"):
            if getattr(self, name) < 1:
                raise ValueError(f"cadence: {name} must be >= 1")
        for name in ("receipt_working_days", "objection_working_days"):
            if getattr(self, name) < 0:
                raise ValueError(f"cadence: {name} must be >= 0")

    # The names used in the design brief; the policy files use the field names above.
    @property
    def receipt_window_working_days(self) -> int:
        return self.receipt_working_days

    @property
    def important_default_working_days(self) -> int:
        return self.default_working_days

    def period(self, level: str) -> Period:
        try:
            return self.periods[str(level)]
        except KeyError:
            raise ValueError(f"unknown level {level!r}; expected one of {sorted(self.periods)}") from None


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = _month_calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def _rolled(calendar: WorkCalendar, target: dt.date, *, forward: bool) -> WorkingDate:
    final = calendar.workday_on_or_after(target) if forward else calendar.workday_on_or_before(target)
    return WorkingDate(final, calendar.any_provisional(target, final))


def period_for(policy: CadencePolicy, level: str, since: dt.date, deadline: dt.date | None) -> Period:
    """The period that applies: the level's (S0-8), or weekly under the S1-五(三) option."""
    period = policy.period(level)
    if policy.weekly_if_longer_than_week and (deadline is None or (deadline - since).days > 7):
        return Period.WEEKLY
    return period


def reports_on_new_progress(policy: CadencePolicy, level: str) -> bool:
    """S0-8: especially important items also report at once on new progress (in addition to the cadence)."""
    return str(level) in policy.report_on_new_progress


def next_report(
    policy: CadencePolicy, level: str, since: dt.date, deadline: dt.date | None, calendar: WorkCalendar
) -> WorkingDate:
    """Like ``next_report_due`` but says whether the date is provisional (待确认, SPEC §8)."""
    period = period_for(policy, level, since, deadline)
    if period is Period.WEEKLY:
        if policy.weekly_rule is WeeklyRule.SAME_WEEKDAY:
            return _rolled(calendar, since + dt.timedelta(days=7), forward=True)
        return calendar.add_working_days(since, policy.weekly_working_days)
    months = 1 if period is Period.MONTHLY else 3
    if policy.period_anchor is PeriodAnchor.PERIOD_END:
        first_of_current = dt.date(since.year, since.month, 1)
        if period is Period.QUARTERLY:
            first_of_current = first_of_current.replace(month=(since.month - 1) // 3 * 3 + 1)
        first_after_next = _add_months(first_of_current, 2 * months)
        return _rolled(calendar, first_after_next - dt.timedelta(days=1), forward=False)
    return _rolled(calendar, _add_months(since, months), forward=True)


def next_report_due(
    policy: CadencePolicy,
    level: str,
    since: dt.date,
    deadline: dt.date | None,
    calendar: WorkCalendar,
) -> dt.date:
    """The last day on which the next progress report is on time (S0-8; S1-五(三) option).

    ``since`` is the day of the last report, or of receipt/assignment when none has been made yet.
    The readings of "weekly", "monthly" and "quarterly" are in this module's docstring.
    """
    return next_report(policy, level, since, deadline, calendar).date


def receipt_due(policy: CadencePolicy, assigned_on: dt.date, calendar: WorkCalendar) -> dt.date:
    """S0-10: the last day on which receiving the item is on time (0 = the day of hand-out)."""
    return calendar.add_working_days(assigned_on, policy.receipt_working_days).date


def objection_due(policy: CadencePolicy, received_on: dt.date, calendar: WorkCalendar) -> dt.date:
    """S0-10: an objection to the division of work or the deadline is filed on the day of receipt;
    later counts as overdue (S0-A四.2). The window is ``objection_working_days`` (default 0)."""
    return calendar.add_working_days(received_on, policy.objection_working_days).date


def default_deadline(policy: CadencePolicy, assigned_on: dt.date, calendar: WorkCalendar) -> WorkingDate:
    """S1-九(四): an important item without a set deadline closes within 7 working days (policy)."""
    return calendar.add_working_days(assigned_on, policy.default_working_days)
