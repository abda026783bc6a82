"""``duban backup [FILE]``: one-file backup of the database (SQLite backup API or pg_dump)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from duban.ledger.backup import BackupError, backup


class Command(BaseCommand):
    help = "备份数据库到一个文件（默认 DATA_DIR/backups/duban-时间.backup）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?")

    def handle(self, *args: Any, **options: Any) -> None:
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        target = Path(options["file"] or Path(settings.DATA_DIR) / "backups" / f"duban-{stamp}.backup")
        try:
            path = backup(target)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已备份到 {path}（{path.stat().st_size} 字节）")
