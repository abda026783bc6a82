"""Loading, correcting and reading the working-day calendar (SPEC §8).

``current_calendar()`` builds a ``WorkCalendar`` once and caches it in-process, so computing a deadline
never queries the database per day. The cache is dropped at once by every change made in this process,
and other processes (the web server vs ``duban worker``) notice a change within
``settings.DUBAN_CALENDAR_RECHECK_SECONDS`` (default 60): every change writes a ``CalendarChange`` row,
and the newest row's id is the calendar's version, compared with one indexed query per interval.

Hooks in ``year_loaded`` run after a year is loaded, called as
``hook(year=…, jurisdiction_id=…, actor=…, now=…)``; the item engine recomputes provisional deadlines there.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q

from duban.core.calendar import (
    MAKE_UP_WORKDAY,
    DayInfo,
    WorkCalendar,
    from_chinese_calendar,
    missing_next_year_warning,
    parse_calendar_file,
)

from .models import CalendarChange, CalendarDay, CalendarYear

# Called as hook(year=…, jurisdiction_id=…, actor=…, now=…) after a year is loaded.
year_loaded: list[Callable[..., Any]] = []

_lock = threading.Lock()
_cache: dict[int | None, WorkCalendar] = {}
_state: dict[str, Any] = {"version": None, "checked": 0.0}


def _recheck_seconds() -> float:
    return float(getattr(settings, "DUBAN_CALENDAR_RECHECK_SECONDS", 60))


def _db_version() -> int:
    return CalendarChange.objects.aggregate(v=Max("id"))["v"] or 0


def invalidate() -> None:
    """Forget every cached calendar (called on each change, and by tests)."""
    with _lock:
        _cache.clear()
        _state["version"] = None
        _state["checked"] = 0.0


def _build(jurisdiction_id: int | None) -> WorkCalendar:
    scope = Q(jurisdiction__isnull=True)
    if jurisdiction_id is not None:
        scope |= Q(jurisdiction_id=jurisdiction_id)
    rows = sorted(
        CalendarDay.objects.filter(scope).values_list("jurisdiction_id", "date", "is_workday", "name"),
        key=lambda row: row[0] is not None,  # national rows first; the jurisdiction's own rows override
    )
    days = {date: DayInfo(is_workday, name) for _, date, is_workday, name in rows}
    years = frozenset(CalendarYear.objects.filter(scope).values_list("year", flat=True))
    return WorkCalendar(days, years)


def current_calendar(jurisdiction_id: int | None = None) -> WorkCalendar:
    """The calendar in force for a jurisdiction: the national arrangement plus its local days."""
    now = time.monotonic()
    with _lock:
        if _state["version"] is not None and now - _state["checked"] < _recheck_seconds():
            cached = _cache.get(jurisdiction_id)
            if cached is not None:
                return cached
    version = _db_version()  # read before the rows: a change committed in between only costs a reload
    with _lock:
        if version != _state["version"]:
            _cache.clear()
            _state["version"] = version
        _state["checked"] = now
        cached = _cache.get(jurisdiction_id)
    if cached is not None:
        return cached
    calendar = _build(jurisdiction_id)
    with _lock:
        if _state["version"] == version:
            _cache[jurisdiction_id] = calendar
    return calendar


def loaded_years(jurisdiction_id: int | None = None) -> frozenset[int]:
    return current_calendar(jurisdiction_id).loaded_years


def missing_year_warning(today: dt.date, jurisdiction_id: int | None = None) -> str | None:
    """SPEC §8: from November on, the warning that next year's arrangement is not loaded (else None)."""
    return missing_next_year_warning(today, loaded_years(jurisdiction_id))


def _info(is_workday: bool, name: str) -> dict[str, Any]:
    return {"is_workday": is_workday, "name": name}


def _changed() -> None:
    """Drop the cache now (this transaction sees its own change) and again once the change commits."""
    invalidate()
    transaction.on_commit(invalidate)


def _store_year(
    year: int, days: dict[dt.date, DayInfo], *, source: str, actor: Any, now: dt.datetime,
    jurisdiction_id: int | None = None, detail: dict[str, Any] | None = None,
) -> int:
    """Replace a year's stored days with ``days`` and mark the year loaded; history records the diff."""
    with transaction.atomic():
        existing = CalendarDay.objects.filter(jurisdiction_id=jurisdiction_id, date__year=year)
        previous = {row.date: DayInfo(row.is_workday, row.name) for row in existing}
        old_year = CalendarYear.objects.filter(jurisdiction_id=jurisdiction_id, year=year).first()
        existing.delete()
        CalendarDay.objects.bulk_create(
            CalendarDay(jurisdiction_id=jurisdiction_id, date=d, is_workday=i.is_workday, name=i.name)
            for d, i in sorted(days.items())
        )
        CalendarYear.objects.update_or_create(
            jurisdiction_id=jurisdiction_id, year=year,
            defaults={"source": source, "loaded_at": now, "loaded_by": actor},
        )
        differ = sorted(d for d in previous.keys() | days.keys() if previous.get(d) != days.get(d))
        CalendarChange.objects.create(
            jurisdiction_id=jurisdiction_id, year=year, action=f"load_{source}",
            before={
                "loaded": old_year is not None, "source": old_year.source if old_year else None,
                "days": len(previous),
                "changed": {d.isoformat(): _info(i.is_workday, i.name) for d in differ if (i := previous.get(d))},
            },
            after={
                "source": source, "days": len(days), **(detail or {}),
                "changed": {d.isoformat(): _info(i.is_workday, i.name) for d in differ if (i := days.get(d))},
            },
            reason=f"载入 {year} 年节假日安排",
            at=now, actor=actor,
        )
        _changed()
    for hook in list(year_loaded):
        hook(year=year, jurisdiction_id=jurisdiction_id, actor=actor, now=now)
    return len(days)


def load_year_from_package(
    year: int, *, actor: Any = None, now: dt.datetime, jurisdiction_id: int | None = None
) -> int:
    """Load one year from the chinese-calendar package; returns the number of stored (non-default) days.
    Raises ValueError when the package does not cover the year (load it from a file instead)."""
    days, loaded = from_chinese_calendar([year])
    if year not in loaded:
        raise ValueError(
            f"chinese-calendar 软件包不包含 {year} 年的安排，请在国务院办公厅公布后用文件载入"
            "（duban calendar load-file 文件.toml）。"
        )
    return _store_year(year, days, source=CalendarYear.Source.PACKAGE, actor=actor, now=now,
                       jurisdiction_id=jurisdiction_id)


def load_year_from_text(
    text: str, filename: str, *, actor: Any = None, now: dt.datetime, jurisdiction_id: int | None = None
) -> tuple[int, int]:
    """Load a year file's text (see ``parse_calendar_file``); returns (year, stored days).
    Raises ``CalendarFileError`` naming the file, line and field."""
    year, days = parse_calendar_file(text, filename)
    return year, _store_year(year, days, source=CalendarYear.Source.FILE, actor=actor, now=now,
                             jurisdiction_id=jurisdiction_id, detail={"file": Path(filename).name})


def load_year_from_file(
    path: str | Path, *, actor: Any = None, now: dt.datetime, jurisdiction_id: int | None = None
) -> tuple[int, int]:
    path = Path(path)
    return load_year_from_text(path.read_text(encoding="utf-8"), str(path), actor=actor, now=now,
                               jurisdiction_id=jurisdiction_id)


def _effective(date: dt.date, jurisdiction_id: int | None) -> dict[str, Any]:
    """The day as it stands in this scope, before a change: own row, else the national row, else Mon–Fri."""
    rows = {
        row.jurisdiction_id: row
        for row in CalendarDay.objects.filter(Q(jurisdiction_id=jurisdiction_id) | Q(jurisdiction__isnull=True),
                                              date=date)
    }
    row = rows.get(jurisdiction_id) or rows.get(None)
    return _info(row.is_workday, row.name) if row else _info(date.weekday() < 5, "")


def set_day(
    date: dt.date, is_workday: bool, name: str = "", *, actor: Any = None, reason: str, now: dt.datetime,
    jurisdiction_id: int | None = None, note: str = "",
) -> None:
    """Correct one day (or, with ``jurisdiction_id``, add a local holiday) with a recorded reason.

    The national arrangement of a year that is not loaded cannot be corrected day by day: load the year
    first (a later load would replace the correction). Local days may be entered ahead; they apply once
    the year is loaded (until then the year counts Monday–Friday and is provisional).
    """
    if not reason.strip():
        raise ValueError("修改日历须填写理由。")
    name = name.strip() or (MAKE_UP_WORKDAY if is_workday and date.weekday() >= 5 else "")
    with transaction.atomic():
        if jurisdiction_id is None and not CalendarYear.objects.filter(jurisdiction=None, year=date.year).exists():
            raise ValueError(
                f"{date.year} 年节假日安排尚未载入，不能逐日更正；请先载入该年（duban calendar load / load-file）。"
            )
        before = _effective(date, jurisdiction_id)
        CalendarDay.objects.update_or_create(
            jurisdiction_id=jurisdiction_id, date=date,
            defaults={"is_workday": is_workday, "name": name, "note": note or reason.strip()[:200]},
        )
        CalendarChange.objects.create(
            jurisdiction_id=jurisdiction_id, date=date, year=date.year, action="set_day", before=before,
            after=_info(is_workday, name), reason=reason.strip(), at=now, actor=actor,
        )
        _changed()


def reset_day(
    date: dt.date, *, actor: Any = None, reason: str, now: dt.datetime, jurisdiction_id: int | None = None
) -> bool:
    """Remove a stored day (e.g. withdraw a local holiday) with a recorded reason. False if none was stored."""
    if not reason.strip():
        raise ValueError("修改日历须填写理由。")
    with transaction.atomic():
        row = CalendarDay.objects.filter(jurisdiction_id=jurisdiction_id, date=date).first()
        if row is None:
            return False
        before = _info(row.is_workday, row.name)
        row.delete()
        CalendarChange.objects.create(
            jurisdiction_id=jurisdiction_id, date=date, year=date.year, action="reset_day", before=before,
            after=_effective(date, jurisdiction_id), reason=reason.strip(), at=now, actor=actor,
        )
        _changed()
    return True
