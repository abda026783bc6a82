"""Working days with the official 调休 arrangement, and provisional years (SPEC §8).

A ``WorkCalendar`` knows explicit days (holidays on weekdays, make-up working days on weekends) for the
years that are *loaded*. A date in a loaded year without an entry is a workday iff Monday–Friday. A
date in a year that is not loaded is computed on weekdays only and is **provisional** (待确认): the
State Council publishes next year's arrangement late each year and the chinese-calendar package lags.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

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


@dataclass(frozen=True)
class DayInfo:
    is_workday: bool
    name: str = ""


@dataclass(frozen=True)
class WorkingDate:
    date: dt.date
    provisional: bool


class DayCount(StrEnum):
    WORKING = "working"
    NATURAL = "natural"


@dataclass(frozen=True)
class WorkCalendar:
    days: Mapping[dt.date, DayInfo] = field(default_factory=dict)
    loaded_years: frozenset[int] = frozenset()

    def is_provisional(self, day: dt.date) -> bool:
        return day.year not in self.loaded_years

    def is_workday(self, day: dt.date) -> bool:
        info = self.days.get(day) if day.year in self.loaded_years else None
        if info is not None:
            return info.is_workday
        return day.weekday() < 5

    def day_name(self, day: dt.date) -> str:
        info = self.days.get(day)
        return info.name if info is not None else ""

    def next_workday(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        day += dt.timedelta(days=1)
        while not self.is_workday(day):
            day += dt.timedelta(days=1)
        return day

    def add_working_days(self, start: dt.date, n: int) -> WorkingDate:
        """Day 1 is the first working day after ``start``; ``n = 0`` gives ``start`` itself."""
        if n < 0:
            raise ValueError("n must be >= 0")
        day = start
        provisional = self.is_provisional(start) if n == 0 else False
        for _ in range(n):
            day = self.next_workday(day)
        if n:
            provisional = any(self.is_provisional(dt.date(y, 1, 1)) for y in range(start.year, day.year + 1))
        return WorkingDate(day, provisional)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative when end < start)."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return count


def add_days(calendar: WorkCalendar, start: dt.date, n: int, count: DayCount) -> WorkingDate:
    """Rules say whether they count working or natural days; the policy names which."""
    if count is DayCount.NATURAL:
        end = start + dt.timedelta(days=n)
        return WorkingDate(end, calendar.is_provisional(end))
    return calendar.add_working_days(start, n)


def from_chinese_calendar(years: Iterable[int]) -> tuple[dict[dt.date, DayInfo], frozenset[int]]:
    """Read the chinese-calendar package: only days that differ from Mon–Fri are returned, with the
    holiday's Chinese name. Years the package does not cover are left out of the loaded set."""
    import chinese_calendar  # type: ignore[import-untyped]

    days: dict[dt.date, DayInfo] = {}
    loaded: set[int] = set()
    for year in years:
        try:
            chinese_calendar.is_workday(dt.date(year, 1, 1))
            chinese_calendar.is_workday(dt.date(year, 12, 31))
        except NotImplementedError:
            continue
        loaded.add(year)
        day = dt.date(year, 1, 1)
        while day.year == year:
            workday = chinese_calendar.is_workday(day)
            if workday != (day.weekday() < 5):
                if workday:
                    name = "调休上班"
                else:
                    _, holiday = chinese_calendar.get_holiday_detail(day)
                    name = _HOLIDAY_NAMES.get(str(holiday), str(holiday or "休息日"))
                days[day] = DayInfo(workday, name)
            day += dt.timedelta(days=1)
    return days, frozenset(loaded)


class CalendarFileError(ValueError):
    """A calendar file problem, naming the file, the line and the field."""

    def __init__(self, filename: str, line: int | None, field_name: str, message: str) -> None:
        where = f"{filename}:{line}" if line else filename
        super().__init__(f"{where}: {field_name}: {message}")
        self.filename = filename
        self.line = line
        self.field_name = field_name


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
        if stripped.startswith("[["):
            break
        if re.match(rf"{re.escape(field_name)}\s*=", stripped):
            return number
    return header


def parse_calendar_file(text: str, filename: str) -> tuple[int, dict[dt.date, DayInfo]]:
    """Parse a year file::

        year = 2027
        [[day]]
        date = 2027-01-01
        workday = false
        name = "元旦"
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise CalendarFileError(filename, int(match.group(1)) if match else None, "toml", str(exc)) from exc
    unknown = set(data) - {"year", "day"}
    if unknown:
        key = sorted(unknown)[0]
        raise CalendarFileError(filename, _line_of(text, key, 0), key, "未知字段 unknown key")
    year = data.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise CalendarFileError(filename, _line_of(text, "year", 0), "year", "须为 2000–2100 的整数年份")
    days: dict[dt.date, DayInfo] = {}
    for index, entry in enumerate(data.get("day", [])):
        line = _line_of(text, "day", index)
        if not isinstance(entry, dict):
            raise CalendarFileError(filename, line, "day", "须为表 [[day]]")
        extra = set(entry) - {"date", "workday", "name"}
        if extra:
            key = sorted(extra)[0]
            raise CalendarFileError(filename, _field_line(text, index, key), f"day.{key}", "未知字段 unknown key")
        date = entry.get("date")
        date_line = _field_line(text, index, "date")
        if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
            raise CalendarFileError(filename, date_line, "day.date", "须为日期，如 2027-01-01")
        if date.year != year:
            raise CalendarFileError(filename, date_line, "day.date", f"{date} 不在 {year} 年")
        workday = entry.get("workday")
        if not isinstance(workday, bool):
            raise CalendarFileError(filename, _field_line(text, index, "workday"), "day.workday", "须为 true 或 false")
        name = entry.get("name", "")
        if not isinstance(name, str):
            raise CalendarFileError(filename, _field_line(text, index, "name"), "day.name", "须为字符串")
        if date in days:
            raise CalendarFileError(filename, date_line, "day.date", f"{date} 重复")
        days[date] = DayInfo(workday, name)
    return year, days


def missing_next_year_warning(today: dt.date, loaded_years: Iterable[int]) -> str | None:
    """SPEC §8: from November on, warn the office that next year's arrangement is not loaded."""
    if today.month >= 11 and (today.year + 1) not in set(loaded_years):
        return (
            f"{today.year + 1} 年节假日安排尚未载入：落在该年的时限按周一至周五暂算并标注“待确认”。"
            "请在国务院办公厅公布后载入。"
        )
    return None
