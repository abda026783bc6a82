"""Working days with the official 调休 arrangement, and provisional years (SPEC §8).

A ``WorkCalendar`` knows explicit days (holidays on weekdays, make-up working days on weekends) for the
years that are *loaded*. A date in a loaded year without an entry is a workday iff Monday–Friday. A
date in a year that is not loaded is computed on weekdays only and is **provisional** (待确认): the
State Council publishes next year's arrangement late each year and the chinese-calendar package lags.
Explicit entries for a year that is not loaded are ignored until the year is loaded.

Counting convention (used by every rule that counts working days): day 1 is the first working day
*after* the start, so "within 2 working days" of a Friday ticket ends on Tuesday, and
``working_days_between(start, add_working_days(start, n).date) == n``.

Rules say whether they count working days or natural days (``DayCount``); the policy names which.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

_ONE_DAY = dt.timedelta(days=1)

_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}

MAKE_UP_WORKDAY = "调休上班"


@dataclass(frozen=True)
class DayInfo:
    """An explicit day: ``is_workday`` overrides the Monday–Friday default; ``name`` e.g. 春节, 调休上班."""

    is_workday: bool
    name: str = ""


@dataclass(frozen=True)
class WorkingDate:
    """A computed date; ``provisional`` (待确认) when it depends on a year whose arrangement is not loaded."""

    date: dt.date
    provisional: bool


class DayCount(StrEnum):
    """Whether a rule counts working days (工作日) or natural days (自然日)."""

    WORKING = "working"
    NATURAL = "natural"


def _weekdays_through(ordinal: int) -> int:
    """Mondays–Fridays among ordinals 1..``ordinal`` (ordinal 1, 0001-01-01, is a Monday)."""
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


@dataclass(frozen=True)
class WorkCalendar:
    days: Mapping[dt.date, DayInfo] = field(default_factory=dict)
    loaded_years: frozenset[int] = frozenset()
    # Explicit days that differ from Mon–Fri in loaded years, sorted, with running sums of the change
    # they make to a weekday count: working_days_between is then O(log n), not a walk over the days.
    _dates: tuple[dt.date, ...] = field(init=False, repr=False, compare=False)
    _prefix: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Own copies: the index below must not go stale if the caller mutates its mapping later.
        object.__setattr__(self, "days", dict(self.days))
        loaded = frozenset(self.loaded_years)
        object.__setattr__(self, "loaded_years", loaded)
        dates: list[dt.date] = []
        prefix: list[int] = [0]
        for day in sorted(self.days):
            if day.year not in loaded:
                continue
            delta = int(self.days[day].is_workday) - int(day.weekday() < 5)
            if delta:
                dates.append(day)
                prefix.append(prefix[-1] + delta)
        object.__setattr__(self, "_dates", tuple(dates))
        object.__setattr__(self, "_prefix", tuple(prefix))

    # --- single days ------------------------------------------------------------------------------

    def is_provisional(self, day: dt.date) -> bool:
        """True when ``day``'s year is not loaded: it is treated as Monday–Friday and marked 待确认."""
        return day.year not in self.loaded_years

    def is_workday(self, day: dt.date) -> bool:
        info = self.days.get(day) if day.year in self.loaded_years else None
        if info is not None:
            return info.is_workday
        return day.weekday() < 5

    def day_name(self, day: dt.date) -> str:
        """The holiday's name (春节, 国庆节 …) or 调休上班; empty for an ordinary day or an unloaded year."""
        info = self.days.get(day) if day.year in self.loaded_years else None
        return info.name if info is not None else ""

    def next_workday(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        day += _ONE_DAY
        while not self.is_workday(day):
            day += _ONE_DAY
        return day

    def previous_workday(self, day: dt.date) -> dt.date:
        """The last working day strictly before ``day``."""
        day -= _ONE_DAY
        while not self.is_workday(day):
            day -= _ONE_DAY
        return day

    def workday_on_or_after(self, day: dt.date) -> dt.date:
        return day if self.is_workday(day) else self.next_workday(day)

    def workday_on_or_before(self, day: dt.date) -> dt.date:
        return day if self.is_workday(day) else self.previous_workday(day)

    def any_provisional(self, first: dt.date, last: dt.date) -> bool:
        """Whether any day from ``first`` to ``last`` (inclusive, either order) lies in an unloaded year."""
        low, high = min(first, last), max(first, last)
        return any(year not in self.loaded_years for year in range(low.year, high.year + 1))

    # --- counting ---------------------------------------------------------------------------------

    def add_working_days(self, start: dt.date, n: int) -> WorkingDate:
        """The ``n``-th working day after ``start``: day 1 is the first working day *after* ``start``;
        ``n = 0`` gives ``start`` itself. ``provisional`` when any day crossed (after ``start`` up to the
        result) lies in a year that is not loaded — that part was counted on weekdays only (SPEC §8)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        day = start
        for _ in range(n):
            day = self.next_workday(day)
        provisional = n > 0 and self.any_provisional(start + _ONE_DAY, day)
        return WorkingDate(day, provisional)

    def add_natural_days(self, start: dt.date, n: int, *, roll_to_workday: bool = False) -> WorkingDate:
        """``start + n`` calendar days (n may be negative). A natural-day date does not depend on the
        holiday arrangement, so it is never provisional — unless ``roll_to_workday`` moves a result that
        falls on a rest day to the next working day, which does depend on it."""
        day = start + dt.timedelta(days=n)
        if not roll_to_workday:
            return WorkingDate(day, False)
        final = self.workday_on_or_after(day)
        return WorkingDate(final, self.any_provisional(day, final))

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end``; ``-working_days_between(end, start)``
        when ``end < start``. Inverse of ``add_working_days`` for n >= 0."""
        if end < start:
            return -self.working_days_between(end, start)
        weekdays = _weekdays_through(end.toordinal()) - _weekdays_through(start.toordinal())
        low = bisect.bisect_right(self._dates, start)
        high = bisect.bisect_right(self._dates, end)
        return weekdays + self._prefix[high] - self._prefix[low]


def add_days(
    calendar: WorkCalendar, start: dt.date, n: int, count: DayCount, *, roll_to_workday: bool = False
) -> WorkingDate:
    """Add ``n`` working or natural days, as the rule's policy names. ``roll_to_workday`` applies to
    natural days only (a natural-day deadline that falls on a rest day moves to the next working day)."""
    if count is DayCount.NATURAL:
        return calendar.add_natural_days(start, n, roll_to_workday=roll_to_workday)
    return calendar.add_working_days(start, n)


def add_natural_days(start: dt.date, n: int) -> dt.date:
    """``start + n`` calendar days: for rules that count natural days (自然日)."""
    return start + dt.timedelta(days=n)


def from_chinese_calendar(years: Iterable[int]) -> tuple[dict[dt.date, DayInfo], frozenset[int]]:
    """Read the chinese-calendar package.

    Returns ``(days, loaded)``: ``days`` holds only the days that differ from Monday–Friday (holidays on
    weekdays with their Chinese name, make-up working days on weekends as 调休上班); ``loaded`` the years
    the package covers. A year it does not cover (it raises NotImplementedError, e.g. 2027 in v1.11.0)
    is left out of both — the caller must not treat it as loaded.
    """
    import chinese_calendar  # type: ignore[import-untyped]

    days: dict[dt.date, DayInfo] = {}
    loaded: set[int] = set()
    for year in sorted(set(years)):
        try:
            chinese_calendar.is_workday(dt.date(year, 1, 1))
            chinese_calendar.is_workday(dt.date(year, 12, 31))
        except NotImplementedError:
            continue
        loaded.add(year)
        day = dt.date(year, 1, 1)
        while day.year == year:
            workday = bool(chinese_calendar.is_workday(day))
            if workday != (day.weekday() < 5):
                if workday:
                    name = MAKE_UP_WORKDAY
                else:
                    _, holiday = chinese_calendar.get_holiday_detail(day)
                    name = _HOLIDAY_NAMES.get(str(holiday), str(holiday or "休息日"))
                days[day] = DayInfo(workday, name)
            day += _ONE_DAY
    return days, frozenset(loaded)


# --- year files ---------------------------------------------------------------------------------------


class CalendarFileError(ValueError):
    """A calendar file problem, naming the file, the line and the field."""

    def __init__(self, filename: str, line: int | None, field_name: str, message: str) -> None:
        where = f"{filename}:{line}" if line else filename
        super().__init__(f"{where}: {field_name}: {message}")
        self.filename = filename
        self.line = line
        self.field_name = field_name
        self.message = message


def _line_of(text: str, key: str, occurrence: int = 0) -> int | None:
    """The line of the ``occurrence``-th top-level ``key = …`` (or ``[[key]]`` header)."""
    seen = -1
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped == f"[[{key}]]" or re.match(rf"{re.escape(key)}\s*=", stripped):
            seen += 1
            if seen == occurrence:
                return number
    return None


def _field_line(text: str, block: int, field_name: str) -> int | None:
    """The line of ``field_name`` inside the ``block``-th ``[[day]]`` table (else the header's line)."""
    header = _line_of(text, "day", block)
    if header is None:
        return None
    lines = text.splitlines()
    for number in range(header + 1, len(lines) + 1):
        stripped = lines[number - 1].strip()
        if stripped.startswith("["):
            break
        if re.match(rf"{re.escape(field_name)}\s*=", stripped):
            return number
    return header


def parse_calendar_file(text: str, filename: str) -> tuple[int, dict[dt.date, DayInfo]]:
    """Parse a year file (the State Council's arrangement typed in by the office)::

        year = 2027
        [[day]]
        date = 2027-01-01
        workday = false
        name = "元旦"

    List only the days that differ from Monday–Friday (holidays on weekdays, make-up working days on
    weekends); ``name`` is optional. Errors raise ``CalendarFileError`` naming the file, line and field.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise CalendarFileError(
            filename, int(match.group(1)) if match else None, "toml", f"文件格式错误 invalid TOML: {exc}"
        ) from exc
    unknown = set(data) - {"year", "day"}
    if unknown:
        key = sorted(unknown)[0]
        raise CalendarFileError(filename, _line_of(text, key, 0), key, "未知字段 unknown key")
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise CalendarFileError(
            filename, _line_of(text, "year", 0), "year", "须为 2000–2100 的整数年份 expected a year 2000..2100"
        )
    entries = data.get("day", [])
    if not isinstance(entries, list):
        raise CalendarFileError(filename, _line_of(text, "day", 0), "day", "须写作 [[day]] 表 expected [[day]] tables")
    days: dict[dt.date, DayInfo] = {}
    for index, entry in enumerate(entries):
        line = _line_of(text, "day", index)
        if not isinstance(entry, dict):
            raise CalendarFileError(filename, line, "day", "须写作 [[day]] 表 expected a [[day]] table")
        extra = set(entry) - {"date", "workday", "name"}
        if extra:
            key = sorted(extra)[0]
            raise CalendarFileError(filename, _field_line(text, index, key), f"day.{key}", "未知字段 unknown key")
        date = entry.get("date")
        date_line = _field_line(text, index, "date")
        if isinstance(date, str):
            try:
                date = dt.date.fromisoformat(date)
            except ValueError:
                date = None
        if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
            raise CalendarFileError(filename, date_line, "day.date", "须为日期，如 2027-01-01 expected a date")
        if date.year != year:
            raise CalendarFileError(filename, date_line, "day.date", f"{date} 不在 {year} 年 not in year {year}")
        workday = entry.get("workday")
        if not isinstance(workday, bool):
            raise CalendarFileError(
                filename, _field_line(text, index, "workday"), "day.workday", "须为 true 或 false expected a boolean"
            )
        name = entry.get("name", "")
        if not isinstance(name, str) or len(name) > 40:
            raise CalendarFileError(
                filename, _field_line(text, index, "name"), "day.name",
                "须为不超过 40 字的字符串 expected a string of at most 40 characters",
            )
        if date in days:
            raise CalendarFileError(filename, date_line, "day.date", f"{date} 重复 duplicate date")
        days[date] = DayInfo(workday, name or (MAKE_UP_WORKDAY if workday and date.weekday() >= 5 else ""))
    return year, days


def missing_next_year_warning(today: dt.date, loaded_years: Iterable[int]) -> str | None:
    """SPEC §8: from November 1 on, warn the office that next year's arrangement is not loaded."""
    if today.month >= 11 and (today.year + 1) not in set(loaded_years):
        return (
            f"{today.year + 1} 年节假日安排尚未载入：落在该年的时限按周一至周五暂算并标注“待确认”。"
            "请在国务院办公厅公布后载入（SPEC §8）。"
        )
    return None
