"""``duban import-units FILE.xlsx [--jurisdiction CODE] [--dry-run]``: all-or-nothing Excel import.

Columns: 单位代码*, 单位名称*, 单位类型*, 上级单位代码, 考核类别, 分管领导(用户名).
"""

from __future__ import annotations

from duban.org.management.importcommand import ImportCommand


class Command(ImportCommand):
    kind = "units"
    help = ("从 Excel 导入单位：单位代码、单位名称、单位类型、上级单位代码、考核类别、分管领导(用户名)。"
            "整表校验，全部无误才写入；重复导入按单位代码更新。")
