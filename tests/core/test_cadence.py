"""Reporting cadence per level (S0-8, S1-五(三)) and the receipt window (S0-10)."""

from __future__ import annotations

import datetime as dt

from duban.core.cadence import CadencePolicy, Period, next_report_due, period_for, receipt_due
from duban.core.calendar import WorkCalendar, from_chinese_calendar

CAL = WorkCalendar(*from_chinese_calendar([2026]))
D = dt.date
POLICY = CadencePolicy()


def test_S0_8_especially_important_reports_weekly() -> None:
    assert next_report_due(POLICY, "especially", D(2026, 3, 2), None, CAL) == D(2026, 3, 9)
    # Across National Day: 5 working days after 29 Sep is 12 Oct.
    assert next_report_due(POLICY, "especially", D(2026, 9, 29), None, CAL) == D(2026, 10, 12)


def test_S0_8_fairly_important_reports_monthly() -> None:
    assert next_report_due(POLICY, "fairly", D(2026, 3, 2), None, CAL) == D(2026, 4, 2)
    # 31 Jan + 1 month → 28 Feb, a Saturday but a make-up working day (调休) in 2026.
    assert next_report_due(POLICY, "fairly", D(2026, 1, 31), None, CAL) == D(2026, 2, 28)
    # 30 Apr + 1 month → 30 May, a Saturday: moved to Monday 1 June.
    assert next_report_due(POLICY, "fairly", D(2026, 4, 30), None, CAL) == D(2026, 6, 1)


def test_S0_8_generally_important_reports_quarterly() -> None:
    assert next_report_due(POLICY, "generally", D(2026, 3, 2), None, CAL) == D(2026, 6, 2)
    assert next_report_due(POLICY, "generally", D(2026, 7, 1), None, CAL) == D(2026, 10, 8)  # 1 Oct holiday


def test_S1_5_3_weekly_when_handling_takes_over_a_week_is_a_policy_option() -> None:
    weekly = CadencePolicy(weekly_if_longer_than_week=True)
    assert period_for(weekly, "generally", D(2026, 3, 2), D(2026, 6, 30)) is Period.WEEKLY
    assert period_for(weekly, "generally", D(2026, 3, 2), D(2026, 3, 6)) is Period.QUARTERLY
    assert period_for(POLICY, "generally", D(2026, 3, 2), D(2026, 6, 30)) is Period.QUARTERLY


def test_S0_10_receipt_window() -> None:
    assert receipt_due(POLICY, D(2026, 3, 6), CAL) == D(2026, 3, 9)  # Friday → Monday
    assert receipt_due(CadencePolicy(receipt_working_days=0), D(2026, 3, 6), CAL) == D(2026, 3, 6)


def test_S1_9_4_default_seven_working_days() -> None:
    assert POLICY.default_working_days == 7
