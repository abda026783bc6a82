"""Community grid rules that need no database (S2a): staffing, patrol compliance, response tiers.

* S2a-三(三): 按900户设1个岗位 — one full-time community worker per 900 households, per community.
* S2a-二(四): the supervisor (督导员, sub-district staff) patrols the grid at least once a week.
* S2a-二(六): every grid worker patrols at least once a working day and spends at least one third of
  working time in the grid.
* S2a-二(五): 民情回应 — three response tiers: solvable in the community → at once; hard or needing
  coordination → time-limited, the community coordinates; widespread or trend issues → the sub-district.
  The daily analysis meeting classifies what was logged the same day (当日清).

The working-day numbers of the tiers are readings of the text ("立即", "限时", no number given): they are
data (``TierPolicy``), the defaults below are the readings this product ships with.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from .calendar import WorkCalendar, WorkingDate

HOUSEHOLDS_PER_WORKER = 900  # S2a-三(三)
STAFFING_RULE = "S2a-三(三)"
PATROL_RULE = "S2a-二(六)"
SUPERVISOR_RULE = "S2a-二(四)"
TIER_RULE = "S2a-二(五)"


def required_workers(households: int, per: int = HOUSEHOLDS_PER_WORKER) -> int:
    """Full-time workers a community needs: ⌈households / 900⌉ (S2a-三(三)); none for no households."""
    if households < 0:
        raise ValueError("households must be >= 0")
    return math.ceil(households / per) if households else 0


@dataclass(frozen=True)
class Staffing:
    households: int
    required: int
    full_time: int

    @property
    def ok(self) -> bool:
        return self.full_time >= self.required

    @property
    def shortfall(self) -> int:
        return max(0, self.required - self.full_time)

    @property
    def explanation(self) -> str:
        verdict = "达标" if self.ok else f"缺 {self.shortfall} 名"
        return (f"{self.households} 户按每 900 户 1 名计需专职网格员 {self.required} 名，"
                f"现有 {self.full_time} 名，{verdict}（{STAFFING_RULE}）。")


def staffing(households: int, full_time: int) -> Staffing:
    return Staffing(households, required_workers(households), full_time)


# ---- patrols ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PatrolSpan:
    """One patrol: the local day it started and its minutes in the grid (0 while not checked out)."""

    day: dt.date
    minutes: int


@dataclass(frozen=True)
class Compliance:
    supervisor: bool
    working_days: int
    days_patrolled: int
    days_missed: tuple[dt.date, ...]
    weeks: int
    weeks_patrolled: int
    weeks_missed: tuple[dt.date, ...]  # the Monday of each missed week
    minutes_in_grid: int
    minutes_required: int

    @property
    def daily_ok(self) -> bool:
        return not self.days_missed

    @property
    def weekly_ok(self) -> bool:
        return not self.weeks_missed

    @property
    def time_ok(self) -> bool:
        return self.minutes_in_grid >= self.minutes_required

    @property
    def ok(self) -> bool:
        if self.supervisor:
            return self.weekly_ok
        return self.daily_ok and self.time_ok

    @property
    def rate(self) -> float:
        """Share of the required patrol periods met: days for workers, weeks for supervisors."""
        if self.supervisor:
            return self.weeks_patrolled / self.weeks if self.weeks else 1.0
        return self.days_patrolled / self.working_days if self.working_days else 1.0

    @property
    def explanation(self) -> str:
        if self.supervisor:
            return (f"督导员每周至少巡查 1 次：{self.weeks} 周中 {self.weeks_patrolled} 周有巡查"
                    f"（{SUPERVISOR_RULE}）。")
        hours = self.minutes_in_grid / 60
        need = self.minutes_required / 60
        return (f"每个工作日至少巡查 1 次：{self.working_days} 个工作日中 {self.days_patrolled} 天有巡查；"
                f"在网格时间 {hours:.1f} 小时，应不少于工作时间的三分之一即 {need:.1f} 小时（{PATROL_RULE}）。")


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def patrol_compliance(
    spans: Iterable[PatrolSpan],
    first: dt.date,
    last: dt.date,
    calendar: WorkCalendar,
    *,
    supervisor: bool = False,
    minutes_per_day: int = 480,
) -> Compliance:
    """Compliance over the working days ``first``..``last`` (inclusive).

    Workers (S2a-二(六)): a patrol on every working day, and minutes in the grid ≥ ⅓ of the working
    minutes (``minutes_per_day`` per working day; a single patrol counts for at most one working day).
    Supervisors (S2a-二(四)): a patrol in every week (Monday–Sunday) that has a working day in the range.
    """
    days: list[dt.date] = []
    day = first
    while day <= last:
        if calendar.is_workday(day):
            days.append(day)
        day += dt.timedelta(days=1)
    patrol_days: set[dt.date] = set()
    minutes = 0
    for span in spans:
        if first <= span.day <= last:
            patrol_days.add(span.day)
            minutes += max(0, min(span.minutes, minutes_per_day))
    weeks = sorted({_monday(d) for d in days})
    patrol_weeks = {_monday(d) for d in patrol_days}
    return Compliance(
        supervisor=supervisor,
        working_days=len(days),
        days_patrolled=sum(1 for d in days if d in patrol_days),
        days_missed=tuple(d for d in days if d not in patrol_days),
        weeks=len(weeks),
        weeks_patrolled=sum(1 for w in weeks if w in patrol_weeks),
        weeks_missed=tuple(w for w in weeks if w not in patrol_weeks),
        minutes_in_grid=minutes,
        minutes_required=math.ceil(len(days) * minutes_per_day / 3),
    )


# ---- response tiers ---------------------------------------------------------------------------------


class Tier(StrEnum):
    IMMEDIATE = "immediate"  # 在社区范围内能够解决的问题，立即予以处理
    COORDINATED = "coordinated"  # 解决难度大或需要协调解决的问题，实行限时办理，由社区组织协调
    SUBDISTRICT = "subdistrict"  # 比较集中、普遍，具有倾向性、全局性的问题，由街道（乡镇）协调解决


TIER_LABELS = {
    Tier.IMMEDIATE: "即时办理（社区内解决）",
    Tier.COORDINATED: "限时办理（社区协调）",
    Tier.SUBDISTRICT: "街道协调解决",
}


@dataclass(frozen=True)
class TierPolicy:
    """Working days to resolve per tier, and the 当日清 rule for classification (S2a-二(五))."""

    immediate_days: int = 1
    coordinated_days: int = 5
    subdistrict_days: int = 15
    classify_same_day: bool = True  # 当日清: classified by the end of the day it arrived (next working day
    # when it arrived on a rest day or after ``day_end``)
    day_end: dt.time = dt.time(18, 0)

    def days_for(self, tier: Tier) -> int:
        return {Tier.IMMEDIATE: self.immediate_days, Tier.COORDINATED: self.coordinated_days,
                Tier.SUBDISTRICT: self.subdistrict_days}[tier]


DEFAULT_TIERS = TierPolicy()


def response_deadline(tier: Tier, classified_on: dt.date, calendar: WorkCalendar,
                      policy: TierPolicy = DEFAULT_TIERS) -> WorkingDate:
    """The last working day to resolve a case of ``tier`` classified on ``classified_on`` (S2a-二(五))."""
    return calendar.add_working_days(classified_on, policy.days_for(tier))


def classification_due(received: dt.datetime, calendar: WorkCalendar,
                       policy: TierPolicy = DEFAULT_TIERS) -> dt.date:
    """当日清: the day the community's analysis meeting must classify a case received at ``received``
    (local time): that day if it is a working day and before ``day_end``, else the next working day."""
    day = received.date()
    if calendar.is_workday(day) and received.time() < policy.day_end:
        return day
    return calendar.next_workday(day)


# ---- figures --------------------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week (the sub-district's weekly review, S2a-二(五))."""
    return day - dt.timedelta(days=day.weekday())
