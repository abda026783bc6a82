"""``duban duban_export_ledger {items,tickets} --user USERNAME -o FILE.xlsx [key=value …]``: the ledger of a
list page as that person sees it, with the page's filters (e.g. ``state=assigned level=especially``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.documents import exports
from duban.documents.models import ExportJob
from duban.org.models import User


class Command(BaseCommand):
    help = "导出列表台账（督查事项 items / 催办单 tickets）为 Excel，可带筛选条件 key=value。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ledger", choices=sorted(exports.LEDGERS))
        parser.add_argument("filters", nargs="*", help="筛选条件，如 state=assigned level=especially")
        parser.add_argument("--user", required=True)
        parser.add_argument("-o", "--output", required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        user = User.objects.filter(username=opts["user"]).first()
        if user is None or user.jurisdiction_id is None:
            raise CommandError(f"用户「{opts['user']}」不存在或没有所属辖区。")
        params = dict(f.split("=", 1) for f in opts["filters"] if "=" in f)
        job = exports.run_job(exports.create_job(user, opts["ledger"], params).pk)
        if job.state != ExportJob.State.DONE:
            raise CommandError(f"导出失败：{job.error[-500:]}")
        target = Path(opts["output"])
        target.write_bytes(Path(job.path).read_bytes())
        Path(job.path).unlink(missing_ok=True)
        self.stdout.write(self.style.SUCCESS(f"已导出 {job.done} 行 → {target}"))
