"""Working days with 调休, and provisional years (SPEC §8)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from duban.core.calendar import (
    CalendarFileError,
    DayCount,
    WorkCalendar,
    add_days,
    from_chinese_calendar,
    missing_next_year_warning,
    parse_calendar_file,
)

DAYS, YEARS = from_chinese_calendar([2025, 2026, 2027])
CAL = WorkCalendar(DAYS, YEARS)
D = dt.date


def test_package_years_loaded_and_2027_not_covered() -> None:
    assert {2025, 2026} <= YEARS and 2027 not in YEARS


def test_SPEC_8_make_up_workdays_2026_02_14_and_2026_10_10() -> None:
    assert D(2026, 2, 14).weekday() == 5 and CAL.is_workday(D(2026, 2, 14))
    assert D(2026, 10, 10).weekday() == 5 and CAL.is_workday(D(2026, 10, 10))
    assert CAL.day_name(D(2026, 10, 10)) == "调休上班"


def test_SPEC_8_spring_festival_and_national_day_weeks_are_holidays() -> None:
    spring = [D(2026, 2, 16) + dt.timedelta(days=k) for k in range(7)]  # Mon 16 – Sun 22 Feb
    assert not any(CAL.is_workday(d) for d in spring)
    assert CAL.day_name(D(2026, 2, 17)) == "春节"
    national = [D(2026, 10, 1) + dt.timedelta(days=k) for k in range(7)]
    assert not any(CAL.is_workday(d) for d in national)
    assert CAL.is_workday(D(2026, 10, 8))


def test_add_working_days_across_national_day() -> None:
    assert CAL.add_working_days(D(2026, 9, 30), 1).date == D(2026, 10, 8)
    assert CAL.working_days_between(D(2026, 9, 30), D(2026, 10, 8)) == 1


def test_SPEC_8_deadline_crossing_into_unloaded_year_is_provisional_weekdays_only() -> None:
    result = CAL.add_working_days(D(2026, 12, 30), 3)
    # 31 Dec (Thu) is a workday; 1 Jan 2027 is unknown → counted as a weekday (Fri), then Mon 4 Jan.
    assert result.date == D(2027, 1, 4) and result.provisional
    assert not CAL.add_working_days(D(2026, 12, 1), 3).provisional


def test_SPEC_8_loading_the_year_makes_the_same_computation_final() -> None:
    year, days = parse_calendar_file(
        'year = 2027\n[[day]]\ndate = 2027-01-01\nworkday = false\nname = "元旦"\n', "2027.toml"
    )
    loaded = WorkCalendar({**DAYS, **days}, YEARS | {year})
    result = loaded.add_working_days(D(2026, 12, 30), 3)
    assert result.date == D(2027, 1, 5) and not result.provisional


def test_natural_day_rules_count_calendar_days() -> None:
    assert add_days(CAL, D(2026, 9, 30), 7, DayCount.NATURAL).date == D(2026, 10, 7)
    assert add_days(CAL, D(2026, 9, 30), 1, DayCount.WORKING).date == D(2026, 10, 8)


def test_SPEC_8_november_warning_for_missing_next_year() -> None:
    assert missing_next_year_warning(D(2026, 10, 31), {2026}) is None
    warning = missing_next_year_warning(D(2026, 11, 1), {2026})
    assert warning is not None and "2027" in warning
    assert missing_next_year_warning(D(2026, 11, 24), {2026, 2027}) is None


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("year = 2027\nfoo = 1\n", 2, "foo"),
        ('year = "x"\n', 1, "year"),
        ("year = 2027\n[[day]]\ndate = 2026-01-01\nworkday = false\n", 3, "day.date"),
        ("year = 2027\n[[day]]\ndate = 2027-01-01\nworkday = 1\n", 4, "day.workday"),
        ("year = 2027\n[[day]]\ndate = 2027-01-01\nworkday = false\ncolour = 1\n", 5, "day.colour"),
        ("year = 2027\n[[day]]\ndate = 2027-01-01\nworkday = true\n[[day]]\ndate = 2027-01-01\nworkday = true\n",
         6, "day.date"),
        ("year = 2027\n[[day]\n", 2, "toml"),
    ],
)
def test_calendar_file_errors_name_file_line_and_field(text: str, line: int, field: str) -> None:
    with pytest.raises(CalendarFileError) as info:
        parse_calendar_file(text, "2027.toml")
    assert info.value.filename == "2027.toml" and info.value.line == line and info.value.field_name == field
    assert str(info.value).startswith(f"2027.toml:{line}: {field}:")


@given(st.dates(min_value=D(2025, 1, 1), max_value=D(2027, 6, 30)), st.integers(min_value=1, max_value=60))
def test_add_working_days_lands_on_a_workday_and_inverts(start: dt.date, n: int) -> None:
    end = CAL.add_working_days(start, n).date
    assert CAL.is_workday(end)
    assert CAL.working_days_between(start, end) == n
