"""``duban calendar``: load, show and correct the working-day calendar (SPEC §8).

    duban calendar load 2026            # from the chinese-calendar package
    duban calendar load-file 2027.toml  # the State Council's arrangement typed in by the office
    duban calendar show 2026-10
    duban calendar set 2026-10-10 --workday --name 调休上班 --reason "国办发明电〔2025〕7号"
    duban calendar status               # loaded years, and the November warning for next year
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from duban.core.calendar import CalendarFileError, missing_next_year_warning
from duban.workcal import service


class Command(BaseCommand):
    help = "工作日历：载入年度节假日安排、查看、更正某日。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="从 chinese-calendar 软件包载入某年")
        load.add_argument("year", type=int)
        load_file = sub.add_parser("load-file", help="从 TOML 文件载入某年")
        load_file.add_argument("path")
        show = sub.add_parser("show", help="显示某月，如 2026-10")
        show.add_argument("month")
        set_day = sub.add_parser("set", help="更正某日")
        set_day.add_argument("date")
        group = set_day.add_mutually_exclusive_group(required=True)
        group.add_argument("--workday", action="store_true")
        group.add_argument("--holiday", action="store_true")
        set_day.add_argument("--name", default="")
        set_day.add_argument("--reason", required=True)
        sub.add_parser("status", help="已载入年份及提醒")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        action = options["action"]
        if action == "load":
            try:
                count = service.load_year_from_package(options["year"], now=now)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"已载入 {options['year']} 年：{count} 个调整日（节假日及调休上班日）。")
        elif action == "load-file":
            try:
                year, count = service.load_year_from_file(options["path"], now=now)
            except (CalendarFileError, OSError) as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"已从文件载入 {year} 年：{count} 个调整日。")
        elif action == "show":
            try:
                year, month = (int(x) for x in options["month"].split("-"))
            except ValueError as exc:
                raise CommandError("月份格式应为 YYYY-MM") from exc
            calendar = service.current_calendar()
            flag = "（待确认：该年尚未载入）" if calendar.is_provisional(dt.date(year, month, 1)) else ""
            self.stdout.write(f"{year} 年 {month} 月{flag}")
            for day_number in range(1, month_calendar.monthrange(year, month)[1] + 1):
                day = dt.date(year, month, day_number)
                kind = "上班" if calendar.is_workday(day) else "休息"
                self.stdout.write(f"  {day} 周{'一二三四五六日'[day.weekday()]} {kind} {calendar.day_name(day)}")
        elif action == "set":
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("日期格式应为 YYYY-MM-DD") from exc
            try:
                service.set_day(day, options["workday"], options["name"], reason=options["reason"], now=now)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"已更正 {day}：{'上班' if options['workday'] else '休息'}。")
        elif action == "status":
            years = sorted(service.loaded_years())
            self.stdout.write("已载入年份：" + ("、".join(str(y) for y in years) or "无"))
            warning = missing_next_year_warning(timezone.localdate(now), years)
            if warning:
                self.stdout.write(self.style.WARNING(warning))
