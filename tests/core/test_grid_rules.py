"""S2a rules with no database: staffing per 900 households, patrol compliance, response tiers, 当日清."""

from __future__ import annotations

import datetime as dt

from duban.core.calendar import DayInfo, WorkCalendar
from duban.core.grid_rules import (
    PatrolSpan,
    Tier,
    classification_due,
    patrol_compliance,
    required_workers,
    response_deadline,
    staffing,
)

# 2026-10-01..07 National Day holiday, 2026-10-10 (Saturday) a make-up working day.
CAL = WorkCalendar(
    {**{dt.date(2026, 10, d): DayInfo(False, "国庆节") for d in range(1, 8)},
     dt.date(2026, 10, 10): DayInfo(True, "调休上班")},
    frozenset({2026}),
)


def test_one_full_time_worker_per_900_households_S2a_san_san() -> None:
    assert required_workers(0) == 0
    assert required_workers(900) == 1
    assert required_workers(901) == 2
    assert required_workers(2700) == 3
    s = staffing(2000, 2)
    assert not s.ok and s.required == 3 and s.shortfall == 1
    assert "S2a-三(三)" in s.explanation and "缺 1 名" in s.explanation
    assert staffing(1800, 2).ok


def test_worker_patrols_every_working_day_and_a_third_of_the_time_S2a_er_liu() -> None:
    # Week of 2026-10-05 (holiday Mon–Wed) to Sat 10-10 (make-up day): working days 10-08, 09, 10.
    first, last = dt.date(2026, 10, 5), dt.date(2026, 10, 11)
    spans = [PatrolSpan(dt.date(2026, 10, 8), 170), PatrolSpan(dt.date(2026, 10, 9), 160),
             PatrolSpan(dt.date(2026, 10, 6), 300)]  # a patrol on a holiday counts for no working day
    c = patrol_compliance(spans, first, last, CAL)
    assert c.working_days == 3 and c.days_patrolled == 2
    assert c.days_missed == (dt.date(2026, 10, 10),)
    assert not c.daily_ok and not c.ok
    assert c.minutes_required == 480  # ⅓ of 3 × 480
    assert c.minutes_in_grid == 630 and c.time_ok
    assert "S2a-二(六)" in c.explanation
    full = patrol_compliance([*spans, PatrolSpan(dt.date(2026, 10, 10), 30)], first, last, CAL)
    assert full.daily_ok and full.ok and full.rate == 1.0


def test_too_little_time_in_the_grid_fails_even_with_daily_patrols() -> None:
    days = [dt.date(2026, 11, d) for d in (2, 3, 4, 5, 6)]
    c = patrol_compliance([PatrolSpan(d, 60) for d in days], days[0], days[-1], CAL)
    assert c.daily_ok and not c.time_ok and not c.ok


def test_single_forgotten_checkout_cannot_cover_a_week() -> None:
    days = [dt.date(2026, 11, d) for d in (2, 3, 4, 5, 6)]
    c = patrol_compliance([PatrolSpan(days[0], 5000)], days[0], days[-1], CAL)
    assert c.minutes_in_grid == 480


def test_supervisor_patrols_once_a_week_S2a_er_si() -> None:
    first, last = dt.date(2026, 11, 2), dt.date(2026, 11, 15)  # two weeks
    c = patrol_compliance([PatrolSpan(dt.date(2026, 11, 4), 60)], first, last, CAL, supervisor=True)
    assert c.weeks == 2 and c.weeks_patrolled == 1 and c.weeks_missed == (dt.date(2026, 11, 9),)
    assert not c.ok and c.rate == 0.5 and "S2a-二(四)" in c.explanation
    both = patrol_compliance([PatrolSpan(dt.date(2026, 11, 4), 60), PatrolSpan(dt.date(2026, 11, 13), 60)],
                             first, last, CAL, supervisor=True)
    assert both.ok


def test_tier_deadlines_in_working_days_S2a_er_wu() -> None:
    sept30 = dt.date(2026, 9, 30)
    assert response_deadline(Tier.IMMEDIATE, sept30, CAL).date == dt.date(2026, 10, 8)
    assert response_deadline(Tier.COORDINATED, sept30, CAL).date == dt.date(2026, 10, 13)  # 8,9,10,12,13
    assert response_deadline(Tier.SUBDISTRICT, dt.date(2026, 11, 2), CAL).date == dt.date(2026, 11, 23)
    assert response_deadline(Tier.IMMEDIATE, dt.date(2027, 1, 4), CAL).provisional  # 2027 not loaded


def test_classification_same_day_dangriqing() -> None:
    assert classification_due(dt.datetime(2026, 11, 2, 9, 0), CAL) == dt.date(2026, 11, 2)
    assert classification_due(dt.datetime(2026, 11, 2, 19, 0), CAL) == dt.date(2026, 11, 3)  # after 18:00
    assert classification_due(dt.datetime(2026, 10, 3, 9, 0), CAL) == dt.date(2026, 10, 8)  # holiday
