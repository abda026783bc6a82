"""Loading, correcting and reading the working-day calendar.

``current_calendar()`` is cached in-process and keyed by a version counter that every change bumps,
so computing a deadline never queries the database per day. Hooks in ``year_loaded`` run after a
year is loaded (the item engine recomputes provisional deadlines there).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q

from duban.core.calendar import DayInfo, WorkCalendar, from_chinese_calendar, parse_calendar_file

from .models import CalendarChange, CalendarDay, CalendarYear

_cache: dict[int | None, WorkCalendar] = {}

# Called as hook(year=…, jurisdiction_id=…, actor=…, now=…) after a year is loaded.
year_loaded: list[Callable[..., None]] = []


def invalidate() -> None:
    _cache.clear()


def current_calendar(jurisdiction_id: int | None = None) -> WorkCalendar:
    cached = _cache.get(jurisdiction_id)
    if cached is not None:
        return cached
    scope = Q(jurisdiction__isnull=True)
    if jurisdiction_id is not None:
        scope |= Q(jurisdiction_id=jurisdiction_id)
    days: dict[dt.date, DayInfo] = {}
    # National rows first, then local rows override them.
    for row in CalendarDay.objects.filter(scope).order_by("jurisdiction_id", "date"):
        if row.jurisdiction_id is None and row.date in days:
            continue
        days[row.date] = DayInfo(row.is_workday, row.name)
    local = CalendarDay.objects.filter(jurisdiction_id=jurisdiction_id) if jurisdiction_id else None
    if local is not None:
        for row in local:
            days[row.date] = DayInfo(row.is_workday, row.name)
    years = frozenset(CalendarYear.objects.filter(scope).values_list("year", flat=True))
    calendar = WorkCalendar(days, years)
    _cache[jurisdiction_id] = calendar
    return calendar


def loaded_years(jurisdiction_id: int | None = None) -> frozenset[int]:
    return current_calendar(jurisdiction_id).loaded_years


def _store_year(
    year: int, days: dict[dt.date, DayInfo], *, source: str, actor: Any, now: dt.datetime,
    jurisdiction_id: int | None = None,
) -> int:
    with transaction.atomic():
        previous = {
            d.date: {"is_workday": d.is_workday, "name": d.name}
            for d in CalendarDay.objects.filter(jurisdiction_id=jurisdiction_id, date__year=year)
        }
        CalendarDay.objects.filter(jurisdiction_id=jurisdiction_id, date__year=year).delete()
        CalendarDay.objects.bulk_create(
            CalendarDay(jurisdiction_id=jurisdiction_id, date=d, is_workday=i.is_workday, name=i.name)
            for d, i in sorted(days.items())
        )
        CalendarYear.objects.update_or_create(
            jurisdiction_id=jurisdiction_id, year=year,
            defaults={"source": source, "loaded_at": now, "loaded_by": actor},
        )
        CalendarChange.objects.create(
            jurisdiction_id=jurisdiction_id, year=year, action=f"load_{source}",
            before={"days": len(previous)}, after={"days": len(days)}, at=now, actor=actor,
        )
        transaction.on_commit(invalidate)
    invalidate()
    for hook in year_loaded:
        hook(year=year, jurisdiction_id=jurisdiction_id, actor=actor, now=now)
    return len(days)


def load_year_from_package(year: int, *, actor: Any = None, now: dt.datetime) -> int:
    """Load one year from the chinese-calendar package. Raises ValueError if it does not cover it."""
    days, loaded = from_chinese_calendar([year])
    if year not in loaded:
        raise ValueError(f"chinese-calendar 软件包不包含 {year} 年的安排，请用文件载入（duban calendar load-file）。")
    return _store_year(year, days, source=CalendarYear.Source.PACKAGE, actor=actor, now=now)


def load_year_from_file(path: str | Path, *, actor: Any = None, now: dt.datetime) -> tuple[int, int]:
    path = Path(path)
    year, days = parse_calendar_file(path.read_text(encoding="utf-8"), str(path))
    return year, _store_year(year, days, source=CalendarYear.Source.FILE, actor=actor, now=now)


def set_day(
    date: dt.date, is_workday: bool, name: str = "", *, actor: Any = None, reason: str, now: dt.datetime,
    jurisdiction_id: int | None = None,
) -> None:
    """Correct one day (or add a local holiday) with a recorded reason."""
    if not reason.strip():
        raise ValueError("修改日历须填写理由。")
    with transaction.atomic():
        row = CalendarDay.objects.filter(jurisdiction_id=jurisdiction_id, date=date).first()
        before = {"is_workday": row.is_workday, "name": row.name} if row else {
            "is_workday": date.weekday() < 5, "name": ""}
        CalendarDay.objects.update_or_create(
            jurisdiction_id=jurisdiction_id, date=date, defaults={"is_workday": is_workday, "name": name}
        )
        CalendarChange.objects.create(
            jurisdiction_id=jurisdiction_id, date=date, year=date.year, action="set_day", before=before,
            after={"is_workday": is_workday, "name": name}, reason=reason, at=now, actor=actor,
        )
        transaction.on_commit(invalidate)
    invalidate()
