"""``duban restore FILE``: replace the database with a backup, then verify the ledger chain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.ledger.backup import BackupError, restore


class Command(BaseCommand):
    help = "从备份文件恢复数据库（覆盖现有数据），并校验事件哈希链。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--yes", action="store_true", help="确认覆盖现有数据")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError("恢复将覆盖现有数据：确认请加 --yes")
        try:
            restore(Path(options["file"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已从 {options['file']} 恢复。")
        call_command("duban_audit", "verify", stdout=self.stdout)
