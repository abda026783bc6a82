"""The office's calendar page: loaded years, the November warning, a month view, corrections."""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from duban.core.calendar import CalendarFileError, missing_next_year_warning
from duban.core.lifecycle import OFFICE_ROLES, Role

from . import service
from .models import CalendarChange


def _may_edit(request: HttpRequest) -> bool:
    return request.user.has_role(*OFFICE_ROLES, Role.SYSADMIN)  # type: ignore[union-attr]


@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in request.GET.get("month", f"{today.year}-{today.month}").split("-"))
        first = dt.date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    calendar = service.current_calendar(request.user.jurisdiction_id)  # type: ignore[union-attr]
    weeks = []
    for week in month_calendar.Calendar().monthdatescalendar(first.year, first.month):
        weeks.append([
            {"date": d, "in_month": d.month == first.month, "workday": calendar.is_workday(d),
             "name": calendar.day_name(d), "provisional": calendar.is_provisional(d)}
            for d in week
        ])
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return render(request, "workcal/calendar.html", {
        "first": first, "weeks": weeks, "previous": previous, "following": following,
        "loaded_years": sorted(calendar.loaded_years),
        "warning": missing_next_year_warning(today, calendar.loaded_years),
        "may_edit": _may_edit(request),
        "changes": CalendarChange.objects.select_related("actor")[:20],
    })


@login_required
def calendar_edit(request: HttpRequest) -> HttpResponse:
    if request.method != "POST" or not _may_edit(request):
        raise PermissionDenied
    now = timezone.now()
    action = request.POST.get("action")
    try:
        if action == "load_package":
            year = int(request.POST.get("year", "0"))
            count = service.load_year_from_package(year, actor=request.user, now=now)
            messages.success(request, f"已载入 {year} 年安排：{count} 个调整日。")
        elif action == "load_file":
            upload = request.FILES.get("file")
            if upload is None:
                raise ValueError("请选择文件。")
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / (upload.name or "calendar.toml")
                path.write_bytes(upload.read())
                year, count = service.load_year_from_file(path, actor=request.user, now=now)
            messages.success(request, f"已从文件载入 {year} 年：{count} 个调整日；待确认的时限已重新计算。")
        elif action == "set_day":
            day = dt.date.fromisoformat(request.POST.get("date", ""))
            local = request.POST.get("scope") == "local"  # a local holiday applies to this jurisdiction only
            service.set_day(day, request.POST.get("workday") == "1", request.POST.get("name", ""),
                            actor=request.user, reason=request.POST.get("reason", ""), now=now,
                            jurisdiction_id=request.user.jurisdiction_id if local else None)  # type: ignore[union-attr]
            messages.success(request, f"已更正 {day}。")
        else:
            raise ValueError("未知操作。")
    except (ValueError, CalendarFileError) as exc:
        messages.error(request, str(exc))
    return redirect("workcal:calendar")
