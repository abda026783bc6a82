"""``duban import-people FILE.xlsx [--jurisdiction CODE] [--dry-run] [--initial-password PW]``.

Columns: 用户名*, 姓名*, 单位代码, 职务, 电话, 角色 (labels, 、-separated), 涉密权限 (是/否).
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import CommandParser

from duban.org.management.importcommand import ImportCommand


class Command(ImportCommand):
    kind = "people"
    help = ("从 Excel 导入人员：用户名、姓名、单位代码、职务、电话、角色（用“、”分隔）、涉密权限（是/否）。"
            "整表校验，全部无误才写入；重复导入按用户名更新，角色以表中为准。")

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--initial-password", help="新建账号的初始密码（不填则新账号暂不能登录）")
        group.add_argument("--initial-password-stdin", action="store_true", help="从标准输入读取初始密码")

    def import_options(self, options: dict[str, Any]) -> dict[str, Any]:
        password = options.get("initial_password")
        if options.get("initial_password_stdin"):
            password = sys.stdin.readline().rstrip("\n")
        return {"initial_password": password or None}
