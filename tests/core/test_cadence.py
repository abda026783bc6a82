"""Reporting cadence per level (S0-8, S1-五(三)), receipt and objection windows (S0-10), the default
deadline (S1-九(四)). Pure: no database."""

from __future__ import annotations

import datetime as dt

import pytest

from duban.core.cadence import (
    CadencePolicy,
    Period,
    PeriodAnchor,
    WeeklyRule,
    default_deadline,
    next_report,
    next_report_due,
    objection_due,
    period_for,
    receipt_due,
    reports_on_new_progress,
)
from duban.core.calendar import WorkCalendar, from_chinese_calendar
from duban.core.lifecycle import Level

CAL = WorkCalendar(*from_chinese_calendar([2026]))
D = dt.date
POLICY = CadencePolicy()
SAME_WEEKDAY = CadencePolicy(weekly_rule=WeeklyRule.SAME_WEEKDAY)
PERIOD_END = CadencePolicy(period_anchor=PeriodAnchor.PERIOD_END)


def test_S0_8_default_policy_reads_weekly_monthly_quarterly_by_level() -> None:
    assert POLICY.period(Level.ESPECIALLY_IMPORTANT) is Period.WEEKLY
    assert POLICY.period("fairly") is Period.MONTHLY
    assert POLICY.period("generally") is Period.QUARTERLY


def test_S0_8_especially_important_reports_weekly_as_five_working_days() -> None:
    assert next_report_due(POLICY, "especially", D(2026, 3, 2), None, CAL) == D(2026, 3, 9)
    # Across National Day: 30 Sep, 8, 9, 10 (make-up Saturday) and 12 Oct.
    assert next_report_due(POLICY, "especially", D(2026, 9, 29), None, CAL) == D(2026, 10, 12)


def test_S0_8_weekly_alternative_same_weekday_next_week() -> None:
    assert next_report_due(SAME_WEEKDAY, "especially", D(2026, 3, 2), None, CAL) == D(2026, 3, 9)
    # Tue 29 Sep + 7 days is Tue 6 Oct, inside the holiday: moved to the next working day.
    assert next_report_due(SAME_WEEKDAY, "especially", D(2026, 9, 29), None, CAL) == D(2026, 10, 8)


def test_S0_8_especially_important_also_reports_at_once_on_new_progress() -> None:
    assert reports_on_new_progress(POLICY, "especially")
    assert not reports_on_new_progress(POLICY, "fairly") and not reports_on_new_progress(POLICY, "generally")


def test_S0_8_fairly_important_reports_monthly_on_the_same_day() -> None:
    assert next_report_due(POLICY, "fairly", D(2026, 3, 2), None, CAL) == D(2026, 4, 2)
    # 31 Jan + 1 month → 28 Feb, a Saturday but a make-up working day (调休) in 2026.
    assert next_report_due(POLICY, "fairly", D(2026, 1, 31), None, CAL) == D(2026, 2, 28)
    # 30 Apr + 1 month → 30 May, a Saturday: moved to Monday 1 June.
    assert next_report_due(POLICY, "fairly", D(2026, 4, 30), None, CAL) == D(2026, 6, 1)


def test_S0_8_monthly_alternative_last_working_day_of_the_following_month() -> None:
    assert next_report_due(PERIOD_END, "fairly", D(2026, 3, 2), None, CAL) == D(2026, 4, 30)
    assert next_report_due(PERIOD_END, "fairly", D(2026, 3, 31), None, CAL) == D(2026, 4, 30)
    assert next_report_due(PERIOD_END, "fairly", D(2026, 4, 10), None, CAL) == D(2026, 5, 29)  # 31 May is a Sunday
    assert next_report_due(PERIOD_END, "fairly", D(2026, 8, 15), None, CAL) == D(2026, 9, 30)


def test_S0_8_generally_important_reports_quarterly() -> None:
    assert next_report_due(POLICY, "generally", D(2026, 3, 2), None, CAL) == D(2026, 6, 2)
    assert next_report_due(POLICY, "generally", D(2026, 7, 1), None, CAL) == D(2026, 10, 8)  # 1 Oct holiday


def test_S0_8_quarterly_alternative_end_of_the_following_calendar_quarter() -> None:
    assert next_report_due(PERIOD_END, "generally", D(2026, 3, 2), None, CAL) == D(2026, 6, 30)
    assert next_report_due(PERIOD_END, "generally", D(2026, 7, 1), None, CAL) == D(2026, 12, 31)
    late = next_report(PERIOD_END, "generally", D(2026, 11, 15), None, CAL)
    assert late.date == D(2027, 3, 31) and late.provisional  # SPEC §8: 2027 is not loaded


def test_S0_8_SPEC_8_report_due_in_an_unloaded_year_is_provisional() -> None:
    due = next_report(POLICY, "especially", D(2026, 12, 28), None, CAL)
    assert due.date == D(2027, 1, 4) and due.provisional  # 29, 30, 31 Dec, 1 Jan (weekday only), 4 Jan
    assert not next_report(POLICY, "especially", D(2026, 12, 1), None, CAL).provisional


def test_S1_5_3_weekly_when_handling_takes_over_a_week_is_a_policy_option() -> None:
    weekly = CadencePolicy(weekly_if_longer_than_week=True)
    assert period_for(weekly, "generally", D(2026, 3, 2), D(2026, 6, 30)) is Period.WEEKLY
    assert period_for(weekly, "generally", D(2026, 3, 2), D(2026, 3, 9)) is Period.QUARTERLY  # exactly a week
    assert period_for(weekly, "fairly", D(2026, 3, 2), None) is Period.WEEKLY  # open-ended handling
    assert next_report_due(weekly, "generally", D(2026, 3, 2), D(2026, 6, 30), CAL) == D(2026, 3, 9)
    assert period_for(POLICY, "generally", D(2026, 3, 2), D(2026, 6, 30)) is Period.QUARTERLY  # option off


def test_S0_10_receipt_window_is_a_policy_setting() -> None:
    assert POLICY.receipt_window_working_days == 1
    assert receipt_due(POLICY, D(2026, 3, 6), CAL) == D(2026, 3, 9)  # Friday → Monday
    assert receipt_due(POLICY, D(2026, 9, 30), CAL) == D(2026, 10, 8)
    assert receipt_due(CadencePolicy(receipt_working_days=0), D(2026, 3, 6), CAL) == D(2026, 3, 6)


def test_S0_10_S0_A四_2_objection_is_filed_on_the_day_of_receipt() -> None:
    assert objection_due(POLICY, D(2026, 3, 6), CAL) == D(2026, 3, 6)
    assert objection_due(CadencePolicy(objection_working_days=1), D(2026, 3, 6), CAL) == D(2026, 3, 9)


def test_S1_9_4_important_items_close_within_seven_working_days() -> None:
    assert POLICY.important_default_working_days == 7
    # Mon 28 Sep: 29, 30 Sep, 8, 9, 10 (make-up Saturday), 12, 13 Oct.
    assert default_deadline(POLICY, D(2026, 9, 28), CAL).date == D(2026, 10, 13)
    assert default_deadline(POLICY, D(2026, 12, 28), CAL).provisional
    assert default_deadline(CadencePolicy(default_working_days=3), D(2026, 9, 28), CAL).date == D(2026, 10, 8)


def test_policy_rejects_unknown_levels_and_impossible_windows() -> None:
    with pytest.raises(ValueError, match="unknown level"):
        next_report_due(POLICY, "urgent", D(2026, 3, 2), None, CAL)
    with pytest.raises(ValueError, match="no period"):
        CadencePolicy(periods={"especially": Period.WEEKLY})
    with pytest.raises(ValueError):
        CadencePolicy(weekly_working_days=0)
    with pytest.raises(ValueError):
        CadencePolicy(receipt_working_days=-1)
