"""Working days with 调休, and provisional years (SPEC §8). Pure: no database."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from duban.core.calendar import (
    MAKE_UP_WORKDAY,
    CalendarFileError,
    DayCount,
    DayInfo,
    WorkCalendar,
    add_days,
    add_natural_days,
    from_chinese_calendar,
    missing_next_year_warning,
    parse_calendar_file,
)

DAYS, YEARS = from_chinese_calendar([2025, 2026, 2027])
CAL = WorkCalendar(DAYS, YEARS)
D = dt.date
FILE_2027 = 'year = 2027\n[[day]]\ndate = 2027-01-01\nworkday = false\nname = "元旦"\n'


def _span(start: dt.date, days: int) -> list[dt.date]:
    return [start + dt.timedelta(days=k) for k in range(days)]


# --- the package ------------------------------------------------------------------------------------


def test_SPEC_8_package_covers_2025_and_2026_and_reports_2027_as_not_loaded() -> None:
    assert YEARS == frozenset({2025, 2026})
    assert from_chinese_calendar([2027]) == ({}, frozenset())


def test_SPEC_8_package_stores_only_days_that_differ_from_monday_to_friday() -> None:
    assert DAYS, "the package gave no days"
    for day, info in DAYS.items():
        assert info.is_workday != (day.weekday() < 5), day
        assert info.name, day
    # Weekend days inside a holiday are ordinary rest days: not stored.
    assert D(2026, 10, 3) not in DAYS and not CAL.is_workday(D(2026, 10, 3))


def test_SPEC_8_make_up_workdays_2026_02_14_and_2026_10_10() -> None:
    for day in (D(2026, 2, 14), D(2026, 10, 10)):
        assert day.weekday() == 5  # Saturdays
        assert CAL.is_workday(day)
        assert CAL.day_name(day) == MAKE_UP_WORKDAY == "调休上班"
    assert not CAL.is_workday(D(2026, 2, 7)) and not CAL.is_workday(D(2026, 10, 17))  # ordinary Saturdays


def test_SPEC_8_spring_festival_week_2026_is_a_holiday() -> None:
    week = _span(D(2026, 2, 16), 7)  # Mon 16 – Sun 22 Feb
    assert not any(CAL.is_workday(d) for d in week)
    assert all(CAL.day_name(d) == "春节" for d in week if d.weekday() < 5)
    assert CAL.is_workday(D(2026, 2, 13)) and CAL.is_workday(D(2026, 2, 14))  # Fri before, make-up Sat


def test_SPEC_8_national_day_week_2026_is_a_holiday() -> None:
    week = _span(D(2026, 10, 1), 7)  # Thu 1 – Wed 7 Oct
    assert not any(CAL.is_workday(d) for d in week)
    assert CAL.day_name(D(2026, 10, 1)) == "国庆节"
    assert CAL.is_workday(D(2026, 9, 30)) and CAL.is_workday(D(2026, 10, 8))


# --- counting ---------------------------------------------------------------------------------------


def test_SPEC_8_add_working_days_skips_national_day_and_counts_the_make_up_saturday() -> None:
    assert CAL.add_working_days(D(2026, 9, 30), 1).date == D(2026, 10, 8)
    assert CAL.add_working_days(D(2026, 10, 9), 1).date == D(2026, 10, 10)  # make-up Saturday
    assert CAL.working_days_between(D(2026, 9, 30), D(2026, 10, 8)) == 1
    assert CAL.working_days_between(D(2026, 9, 30), D(2026, 10, 12)) == 4  # 8, 9, 10 (Sat), 12


def test_add_working_days_day_one_is_the_first_working_day_after_start() -> None:
    assert CAL.add_working_days(D(2026, 3, 6), 1).date == D(2026, 3, 9)  # Fri → Mon
    assert CAL.add_working_days(D(2026, 3, 7), 1).date == D(2026, 3, 9)  # Sat → Mon
    zero = CAL.add_working_days(D(2026, 3, 7), 0)
    assert zero.date == D(2026, 3, 7) and not zero.provisional
    with pytest.raises(ValueError):
        CAL.add_working_days(D(2026, 3, 7), -1)


def test_working_days_between_is_negative_backwards_and_zero_on_the_same_day() -> None:
    assert CAL.working_days_between(D(2026, 3, 9), D(2026, 3, 9)) == 0
    assert CAL.working_days_between(D(2026, 3, 9), D(2026, 3, 2)) == -5
    assert CAL.working_days_between(D(2026, 3, 7), D(2026, 3, 8)) == 0  # a weekend


def test_next_and_previous_workday() -> None:
    assert CAL.next_workday(D(2026, 9, 30)) == D(2026, 10, 8)
    assert CAL.previous_workday(D(2026, 10, 8)) == D(2026, 9, 30)
    assert CAL.workday_on_or_after(D(2026, 10, 10)) == D(2026, 10, 10)
    assert CAL.workday_on_or_before(D(2026, 10, 4)) == D(2026, 9, 30)


def test_SPEC_8_deadline_crossing_into_unloaded_2027_is_provisional_and_weekday_only() -> None:
    result = CAL.add_working_days(D(2026, 12, 30), 3)
    # 31 Dec (Thu) is a workday; 1 Jan 2027 is not loaded → counted as a weekday (Fri), then Mon 4 Jan.
    assert result.date == D(2027, 1, 4) and result.provisional
    assert CAL.is_provisional(D(2027, 1, 1)) and CAL.is_workday(D(2027, 1, 1))
    assert not CAL.add_working_days(D(2026, 12, 1), 3).provisional
    # Only the days crossed count: reaching 31 Dec from 30 Dec touches nothing in 2027.
    assert not CAL.add_working_days(D(2026, 12, 30), 1).provisional


def test_SPEC_8_after_loading_a_2027_file_the_same_deadline_is_final() -> None:
    year, days = parse_calendar_file(FILE_2027, "2027.toml")
    loaded = WorkCalendar({**DAYS, **days}, YEARS | {year})
    result = loaded.add_working_days(D(2026, 12, 30), 3)
    assert result.date == D(2027, 1, 5) and not result.provisional  # 31 Dec, 4 Jan, 5 Jan
    assert loaded.day_name(D(2027, 1, 1)) == "元旦"


def test_SPEC_8_entries_for_an_unloaded_year_are_ignored_until_it_is_loaded() -> None:
    days = {D(2027, 1, 1): DayInfo(False, "元旦")}
    assert WorkCalendar(days, frozenset({2026})).is_workday(D(2027, 1, 1))
    assert WorkCalendar(days, frozenset({2026})).day_name(D(2027, 1, 1)) == ""
    assert not WorkCalendar(days, frozenset({2026, 2027})).is_workday(D(2027, 1, 1))


def test_calendar_keeps_its_own_copy_of_the_days() -> None:
    days = {D(2026, 6, 1): DayInfo(False, "地方假日")}
    calendar = WorkCalendar(days, frozenset({2026}))
    days[D(2026, 6, 2)] = DayInfo(False, "later")
    assert calendar.is_workday(D(2026, 6, 2))
    assert calendar.working_days_between(D(2026, 5, 29), D(2026, 6, 5)) == 4


# --- natural days -----------------------------------------------------------------------------------


def test_natural_day_rules_count_calendar_days_and_are_never_provisional() -> None:
    assert add_days(CAL, D(2026, 9, 30), 7, DayCount.NATURAL).date == D(2026, 10, 7)
    assert add_days(CAL, D(2026, 9, 30), 1, DayCount.WORKING).date == D(2026, 10, 8)
    assert add_natural_days(D(2026, 12, 30), 7) == D(2027, 1, 6)
    assert not CAL.add_natural_days(D(2026, 12, 30), 7).provisional
    assert CAL.add_natural_days(D(2026, 3, 10), -10).date == D(2026, 2, 28)


def test_natural_days_rolled_to_a_workday_depend_on_the_calendar() -> None:
    rolled = add_days(CAL, D(2026, 9, 30), 1, DayCount.NATURAL, roll_to_workday=True)
    assert rolled.date == D(2026, 10, 8) and not rolled.provisional
    into_2027 = CAL.add_natural_days(D(2026, 12, 25), 7, roll_to_workday=True)  # 1 Jan 2027
    assert into_2027.date == D(2027, 1, 1) and into_2027.provisional


# --- the November warning ---------------------------------------------------------------------------


def test_SPEC_8_november_warning_for_a_missing_next_year() -> None:
    assert missing_next_year_warning(D(2026, 10, 31), {2026}) is None
    for today in (D(2026, 11, 1), D(2026, 12, 31)):
        warning = missing_next_year_warning(today, {2025, 2026})
        assert warning is not None and "2027" in warning and "待确认" in warning
    assert missing_next_year_warning(D(2026, 11, 24), {2026, 2027}) is None
    assert missing_next_year_warning(D(2027, 1, 5), set()) is None  # before November: no warning


# --- year files -------------------------------------------------------------------------------------


def test_SPEC_8_year_file_parses_dates_flags_and_names() -> None:
    text = (
        "# 国务院办公厅关于2027年部分节假日安排的通知\nyear = 2027\n\n"
        '[[day]]\ndate = 2027-01-01\nworkday = false\nname = "元旦"\n\n'
        '[[day]]\ndate = "2027-02-06"\nworkday = true\n'
    )
    year, days = parse_calendar_file(text, "2027.toml")
    assert year == 2027
    assert days == {D(2027, 1, 1): DayInfo(False, "元旦"), D(2027, 2, 6): DayInfo(True, "调休上班")}
    assert parse_calendar_file("year = 2027\n", "empty.toml") == (2027, {})


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("year = 2027\nfoo = 1\n", 2, "foo"),
        ('year = "x"\n', 1, "year"),
        ("year = 1999\n", 1, "year"),
        ("[[day]]\ndate = 2027-01-01\nworkday = false\n", None, "year"),
        ("year = 2027\n[[day]]\ndate = 2026-01-01\nworkday = false\n", 3, "day.date"),
        ('year = 2027\n[[day]]\ndate = "1 Jan"\nworkday = false\n', 3, "day.date"),
        ("year = 2027\n[[day]]\nworkday = false\n", 2, "day.date"),
        ("year = 2027\n[[day]]\ndate = 2027-01-01\nworkday = 1\n", 4, "day.workday"),
        ("year = 2027\n[[day]]\ndate = 2027-01-01\nworkday = false\nname = 3\n", 5, "day.name"),
        ("year = 2027\n[[day]]\ndate = 2027-01-01\nworkday = false\ncolour = 1\n", 5, "day.colour"),
        ("year = 2027\n[[day]]\ndate = 2027-01-01\nworkday = true\n[[day]]\ndate = 2027-01-01\nworkday = true\n",
         6, "day.date"),
        ("year = 2027\n[[day]\n", 2, "toml"),
        ("year = 2027\n[[day]]\ndate = 2027-13-01\n", 3, "toml"),
    ],
)
def test_SPEC_8_calendar_file_errors_name_file_line_and_field(text: str, line: int | None, field: str) -> None:
    with pytest.raises(CalendarFileError) as info:
        parse_calendar_file(text, "2027.toml")
    assert info.value.filename == "2027.toml" and info.value.line == line and info.value.field_name == field
    where = f"2027.toml:{line}" if line else "2027.toml"
    assert str(info.value).startswith(f"{where}: {field}:")


# --- properties -------------------------------------------------------------------------------------

DATES = st.dates(min_value=D(2024, 1, 1), max_value=D(2028, 12, 31))


def _naive_between(calendar: WorkCalendar, start: dt.date, end: dt.date) -> int:
    sign, low, high = (1, start, end) if start <= end else (-1, end, start)
    return sign * sum(calendar.is_workday(d) for d in _span(low + dt.timedelta(days=1), (high - low).days))


@st.composite
def calendars(draw: st.DrawFn) -> WorkCalendar:
    """Random arrangements: any days may be holidays or make-up days; any years may be loaded."""
    entries = draw(st.dictionaries(DATES, st.booleans().map(lambda w: DayInfo(w, "")), max_size=80))
    years = draw(st.frozensets(st.integers(2024, 2028)))
    return WorkCalendar(entries, years)


@given(st.dates(min_value=D(2025, 1, 1), max_value=D(2027, 6, 30)), st.integers(min_value=0, max_value=60))
def test_SPEC_8_add_working_days_lands_on_a_workday_and_inverts(start: dt.date, n: int) -> None:
    end = CAL.add_working_days(start, n).date
    assert n == 0 or CAL.is_workday(end)
    assert CAL.working_days_between(start, end) == n


@given(calendars(), DATES, st.integers(min_value=0, max_value=40))
def test_SPEC_8_properties_hold_for_any_arrangement(calendar: WorkCalendar, start: dt.date, n: int) -> None:
    result = calendar.add_working_days(start, n)
    assert n == 0 or (calendar.is_workday(result.date) and result.date > start)
    assert calendar.working_days_between(start, result.date) == n
    crossed = _span(start + dt.timedelta(days=1), (result.date - start).days)
    assert result.provisional == any(calendar.is_provisional(d) for d in crossed)


@given(calendars(), DATES, DATES)
def test_working_days_between_matches_counting_day_by_day(calendar: WorkCalendar, a: dt.date, b: dt.date) -> None:
    assert calendar.working_days_between(a, b) == _naive_between(calendar, a, b)
    assert calendar.working_days_between(a, b) == -calendar.working_days_between(b, a)
