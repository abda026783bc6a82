"""``duban calendar``: load, show and correct the working-day calendar (SPEC §8).

    duban calendar load 2026            # from the chinese-calendar package
    duban calendar load-file 2027.toml  # the State Council's arrangement typed in by the office
    duban calendar show 2026-10
    duban calendar set 2026-10-10 --workday --reason "国办发明电〔2025〕7号"
    duban calendar set 2026-06-02 --holiday --name 地方假日 --jurisdiction D01 --reason "区政府通知"
    duban calendar status               # loaded years, and the November warning for next year
    duban calendar history [2026]       # every load and correction: who, when, what, why

``--by USERNAME`` records who made a change (the history's "who"); without it the change is recorded as
made from the command line.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from duban.core.calendar import CalendarFileError, missing_next_year_warning
from duban.workcal import service
from duban.workcal.models import CalendarChange

WEEKDAYS = "一二三四五六日"
SOURCES = {"package": "软件包", "file": "文件", "manual": "手工"}


class Command(BaseCommand):
    help = "工作日历：载入年度节假日安排、查看、更正某日、查看变更记录（SPEC §8）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="从 chinese-calendar 软件包载入某年")
        load.add_argument("year", type=int)
        load_file = sub.add_parser("load-file", help="从 TOML 文件载入某年")
        load_file.add_argument("path")
        show = sub.add_parser("show", help="显示某月，如 2026-10")
        show.add_argument("month")
        set_day = sub.add_parser("set", help="更正某日（或添加本辖区地方假日）")
        set_day.add_argument("date")
        group = set_day.add_mutually_exclusive_group(required=True)
        group.add_argument("--workday", action="store_true", help="设为工作日（如调休上班）")
        group.add_argument("--holiday", action="store_true", help="设为休息日")
        set_day.add_argument("--name", default="", help="名称，如 国庆节、调休上班、地方假日")
        set_day.add_argument("--reason", required=True, help="理由（如文件文号），记入变更记录")
        sub.add_parser("status", help="已载入年份及提醒")
        history = sub.add_parser("history", help="变更记录")
        history.add_argument("year", type=int, nargs="?")
        for p in (load, load_file, show, set_day, history):
            p.add_argument("--jurisdiction", default=None, help="辖区代码（默认：全国安排）")
        for p in (load, load_file, set_day):
            p.add_argument("--by", default=None, help="操作人用户名")

    def _jurisdiction_id(self, code: str | None) -> int | None:
        if not code:
            return None
        from duban.org.models import Jurisdiction

        found = Jurisdiction.objects.filter(code=code).values_list("pk", flat=True).first()
        if found is None:
            raise CommandError(f"辖区代码不存在：{code}")
        return int(found)

    def _actor(self, username: str | None) -> Any:
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户不存在：{username}")
        return user

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        action = options["action"]
        jurisdiction_id = self._jurisdiction_id(options.get("jurisdiction"))
        actor = self._actor(options.get("by"))
        if action == "load":
            try:
                count = service.load_year_from_package(
                    options["year"], actor=actor, now=now, jurisdiction_id=jurisdiction_id
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"已载入 {options['year']} 年：{count} 个调整日（节假日及调休上班日）。")
        elif action == "load-file":
            try:
                year, count = service.load_year_from_file(
                    options["path"], actor=actor, now=now, jurisdiction_id=jurisdiction_id
                )
            except CalendarFileError as exc:
                raise CommandError(f"日历文件有误：{exc}") from exc
            except OSError as exc:
                raise CommandError(f"无法读取文件：{exc}") from exc
            self.stdout.write(f"已从文件载入 {year} 年：{count} 个调整日；待确认的时限已重新计算。")
        elif action == "show":
            self._show(options["month"], jurisdiction_id)
        elif action == "set":
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("日期格式应为 YYYY-MM-DD") from exc
            try:
                service.set_day(day, options["workday"], options["name"], actor=actor, reason=options["reason"],
                                now=now, jurisdiction_id=jurisdiction_id)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"已更正 {day}：{'上班' if options['workday'] else '休息'}，已记入变更记录。")
        elif action == "status":
            years = sorted(service.loaded_years())
            self.stdout.write("已载入年份：" + ("、".join(str(y) for y in years) or "无"))
            warning = missing_next_year_warning(timezone.localdate(now), years)
            if warning:
                self.stdout.write(self.style.WARNING(warning))
        elif action == "history":
            self._history(options.get("year"), jurisdiction_id)

    def _show(self, text: str, jurisdiction_id: int | None) -> None:
        try:
            year, month = (int(x) for x in text.split("-"))
            dt.date(year, month, 1)
        except ValueError as exc:
            raise CommandError("月份格式应为 YYYY-MM，如 2026-10") from exc
        calendar = service.current_calendar(jurisdiction_id)
        provisional = calendar.is_provisional(dt.date(year, month, 1))
        flag = "（待确认：该年节假日安排尚未载入，按周一至周五暂算）" if provisional else ""
        self.stdout.write(f"{year} 年 {month} 月{flag}")
        for day_number in range(1, month_calendar.monthrange(year, month)[1] + 1):
            day = dt.date(year, month, day_number)
            kind = "上班" if calendar.is_workday(day) else "休息"
            name = calendar.day_name(day)
            self.stdout.write(f"  {day} 周{WEEKDAYS[day.weekday()]} {kind}{' ' + name if name else ''}")
        warning = missing_next_year_warning(timezone.localdate(), calendar.loaded_years)
        if warning:
            self.stdout.write(self.style.WARNING(warning))

    def _history(self, year: int | None, jurisdiction_id: int | None) -> None:
        changes = CalendarChange.objects.select_related("actor").filter(jurisdiction_id=jurisdiction_id)
        if year is not None:
            changes = changes.filter(year=year)
        rows = list(changes[:200])
        if not rows:
            self.stdout.write("无变更记录。")
        for change in rows:
            who = change.actor.get_username() if change.actor else "命令行/系统"
            at = timezone.localtime(change.at).strftime("%Y-%m-%d %H:%M")
            if change.action in ("set_day", "reset_day"):
                what = f"{change.date} {_describe(change.before)} → {_describe(change.after)}"
            else:
                source = SOURCES.get(change.action.removeprefix("load_"), change.action)
                what = f"载入 {change.year} 年（{source}，{change.after.get('days', '?')} 个调整日）"
            reason = f"；理由：{change.reason}" if change.reason else ""
            self.stdout.write(f"{at} {who} {what}{reason}")


def _describe(info: dict[str, Any]) -> str:
    if not info:
        return "—"
    kind = "上班" if info.get("is_workday") else "休息"
    return f"{kind}{'（' + info['name'] + '）' if info.get('name') else ''}"
