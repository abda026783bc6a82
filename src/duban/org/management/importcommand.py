"""The shared shape of ``duban import-units`` and ``duban import-people``: all-or-nothing Excel import."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.org.importing import ImportResult
from duban.org.models import Jurisdiction

Importer = Callable[..., ImportResult]


class ImportCommand(BaseCommand):
    help = "从 Excel 导入（整表校验，全部无误才写入；重复导入不会产生重复数据）。"

    def importer(self) -> Importer:
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--jurisdiction", help="辖区代码（只有一个辖区时可省略）")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"找不到文件：{path}")
        qs = Jurisdiction.objects.all()
        if options["jurisdiction"]:
            qs = qs.filter(code=options["jurisdiction"])
        if qs.count() != 1:
            raise CommandError("请用 --jurisdiction 指定一个存在的辖区代码。")
        result = self.importer()(path, qs.get(), dry_run=options["dry_run"])
        if result.problems:
            for problem in result.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"共 {len(result.problems)} 处问题，未写入任何数据。")
        if options["dry_run"]:
            self.stdout.write(f"校验通过：{len(result.rows)} 行（未写入）。")
        else:
            self.stdout.write(f"导入完成：新增 {result.created}，更新 {result.updated}。")
