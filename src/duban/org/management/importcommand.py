"""The shared shape of ``duban import-units`` and ``duban import-people``: all-or-nothing Excel import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.org.importing import ImportResult, Kind, run_import
from duban.org.models import Jurisdiction


class ImportCommand(BaseCommand):
    kind: Kind = "units"
    help = "从 Excel 导入（整表校验，全部无误才写入；重复导入按代码/用户名更新，不会产生重复数据）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Excel 文件（.xlsx/.xls）；模板见页面 /org/import/")
        parser.add_argument("--jurisdiction", help="辖区代码（只有一个辖区时可省略）")
        parser.add_argument("--dry-run", action="store_true", help="只校验并列出将新增/更新的行，不写入")

    def import_options(self, options: dict[str, Any]) -> dict[str, Any]:
        return {}

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        jurisdiction = resolve_jurisdiction(options["jurisdiction"])
        result = run_import(self.kind, path, jurisdiction, dry_run=options["dry_run"], file_name=path.name,
                            **self.import_options(options))
        self.report(result, dry_run=options["dry_run"])

    def report(self, result: ImportResult, *, dry_run: bool) -> None:
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"共 {len(result.problems)} 处问题，未写入任何数据。")
        if dry_run:
            self.stdout.write(f"校验通过：工作表「{result.sheet}」{len(result.rows)} 行，将新增 {result.to_create}、"
                              f"更新 {result.to_update}（--dry-run，未写入）。")
        else:
            self.stdout.write(self.style.SUCCESS(
                f"导入完成（工作表「{result.sheet}」）：新增 {result.created}，更新 {result.updated}。"))


def resolve_jurisdiction(code: str | None) -> Jurisdiction:
    jurisdictions = Jurisdiction.objects.all()
    if code:
        found = jurisdictions.filter(code=code).first()
        if found is None:
            existing = "、".join(jurisdictions.values_list("code", flat=True)) or "无"
            raise CommandError(f"未知辖区代码：{code}（现有：{existing}）")
        return found
    count = jurisdictions.count()
    if count == 1:
        return jurisdictions.get()
    if count == 0:
        raise CommandError("还没有辖区：请先在管理后台创建辖区，或运行 duban demo 生成演示辖区。")
    raise CommandError("有多个辖区，请用 --jurisdiction 指定（现有："
                       + "、".join(jurisdictions.values_list("code", flat=True)) + "）")
