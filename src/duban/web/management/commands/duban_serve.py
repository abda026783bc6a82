"""``duban serve [--host H] [--port P] [--threads N] [--trusted-proxy IP]``: the production web server.

1. Refuses to start while the database has unapplied migrations (``duban migrate`` first): a server
   running old tables against new code corrupts data silently.
2. Collects static files into ``DATA_DIR/static`` (gzip-compressed copies next to them) and serves them
   from there through WhiteNoise; tests and ``runserver`` find them in place instead.
3. Runs waitress (pure Python, no internet needed). Behind a reverse proxy on this machine (nginx with
   TLS), ``X-Forwarded-Proto/For/Host/Port`` from ``--trusted-proxy`` (default 127.0.0.1) are honoured,
   so ``DUBAN_PRODUCTION=1``'s HTTPS redirect sees the original scheme.
"""

from __future__ import annotations

import errno
import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

PROXY_HEADERS = {"x-forwarded-proto", "x-forwarded-for", "x-forwarded-host", "x-forwarded-port"}


def pending_migrations() -> list[str]:
    """``app.migration`` names not yet applied to the default database."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


class Command(BaseCommand):
    help = "启动 duban Web 服务（waitress + WhiteNoise）。Start the duban web server."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="监听地址 / address to listen on (127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="端口 / port (8000)")
        parser.add_argument("--threads", type=int, default=8, help="工作线程数 / worker threads (8)")
        parser.add_argument(
            "--trusted-proxy", default=os.environ.get("DUBAN_TRUSTED_PROXY", "127.0.0.1"),
            help="反向代理地址，信任其 X-Forwarded-* 头；'' 表示不信任 / reverse proxy whose X-Forwarded-* "
                 "headers are trusted (DUBAN_TRUSTED_PROXY, default 127.0.0.1; '' for none)",
        )
        parser.add_argument("--check-only", action="store_true",
                            help="只做启动前检查（迁移、静态文件）后退出 / run the start-up checks and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            pending = pending_migrations()
        except DatabaseError as exc:
            raise CommandError(f"无法连接数据库 / cannot reach the database: {exc}") from exc
        if pending:
            shown = "、".join(pending[:5]) + (" …" if len(pending) > 5 else "")
            raise CommandError(
                f"数据库有 {len(pending)} 个迁移尚未执行（{shown}），请先运行 `duban migrate`，服务未启动。\n"
                f"The database has {len(pending)} unapplied migrations: run `duban migrate` first; "
                "the server was not started."
            )

        call_command("collectstatic", interactive=False, verbosity=0)
        # Serve the collected (and compressed) copies, not the source folders.
        settings.WHITENOISE_USE_FINDERS = False
        if options["check_only"]:
            self.stdout.write(f"检查通过 / checks passed; static files in {settings.STATIC_ROOT}")
            return

        from waitress import serve

        from duban.wsgi import application

        host, port = options["host"], options["port"]
        proxy: dict[str, Any] = {}
        if options["trusted_proxy"]:
            proxy = {"trusted_proxy": options["trusted_proxy"], "trusted_proxy_headers": PROXY_HEADERS}
        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(f"duban 已启动 / serving on http://{shown}:{port}/  （Ctrl+C 停止 / to stop）")
        self.stdout.flush()
        try:
            serve(application, host=host, port=port, threads=options["threads"], ident="duban", **proxy)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CommandError(f"端口 {port} 已被占用 / port {port} is already in use "
                                   "(--port, DUBAN_PORT)") from exc
            raise CommandError(f"无法启动服务 / cannot start the server: {exc}") from exc
