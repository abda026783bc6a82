"""``duban serve``: the production WSGI server (waitress), static files by WhiteNoise.

Refuses to start with unapplied migrations; collects static files into DATA_DIR/static first.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


class Command(BaseCommand):
    help = "启动 duban Web 服务（waitress）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, **options: Any) -> None:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            raise CommandError(
                f"数据库有 {len(pending)} 个迁移尚未执行，请先运行 `duban migrate`。"
                f" ({len(pending)} unapplied migrations: run `duban migrate` first.)"
            )
        call_command("collectstatic", interactive=False, verbosity=0)
        from waitress import serve

        from duban.wsgi import application

        self.stdout.write(f"duban 已启动：http://{options['host']}:{options['port']}/  （Ctrl+C 停止）")
        serve(application, host=options["host"], port=options["port"], threads=options["threads"],
              ident="duban")
