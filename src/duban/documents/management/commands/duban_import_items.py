"""``duban duban_import_items FILE.xlsx --user USERNAME [--only-valid] [--dry-run]``: import items from a
ledger, as the upload page does (every problem listed with sheet, row and column; nothing written unless
the whole file is valid, or --only-valid; rows imported before are skipped)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.documents import importing
from duban.items.errors import ServiceError
from duban.org.models import User


class Command(BaseCommand):
    help = "从 Excel 台账导入督查事项：逐行校验，全部无误才写入（或 --only-valid 只导入无问题的行）；已导入的行跳过。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="以哪位督查室人员的名义导入（用户名）")
        parser.add_argument("--only-valid", action="store_true", help="只导入没有问题的行")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = User.objects.filter(username=opts["user"]).select_related("jurisdiction").first()
        if user is None or user.jurisdiction is None:
            raise CommandError(f"用户「{opts['user']}」不存在或没有所属辖区。")
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        result = importing.read(path.read_bytes(), user.jurisdiction, file_name=path.name)
        for problem in result.problems:
            self.stderr.write(str(problem))
        self.stdout.write(f"{len(result.rows)} 行：可新增 {result.to_create}，已导入过 {result.to_skip}，"
                          f"有问题 {result.invalid}")
        if opts["dry_run"]:
            return
        try:
            importing.write(result, user, only_valid=opts["only_valid"])
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        if not result.written:
            raise CommandError("有问题，未写入任何数据（修改文件后重试，或加 --only-valid 只导入无问题的行）。")
        self.stdout.write(self.style.SUCCESS(f"已导入：新增 {result.created}，跳过 {result.skipped}"))
