"""``duban replay SCENARIO.json [--until DATE]``: run a scenario on a throw-away database, print JSON.

The outer command starts a child process whose database is a fresh SQLite file in a temporary
directory (never the office's database), migrates it, and runs the scenario through the same services
and sweep the live system uses. See docs/REPLAY.md.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "在临时数据库上按模拟时钟回放场景文件，输出 JSON（催办单、事件等）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("scenario", help="场景 JSON 文件")
        parser.add_argument("--until", help="回放截止日期 YYYY-MM-DD")
        parser.add_argument("--inner", action="store_true", help=argparse_hidden())

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["scenario"])
        if not path.exists():
            raise CommandError(f"找不到场景文件：{path}")
        until = None
        if options["until"]:
            try:
                until = dt.date.fromisoformat(options["until"])
            except ValueError as exc:
                raise CommandError("--until 应为 YYYY-MM-DD") from exc
        from duban.replay.scenario import ScenarioError, load

        try:
            scenario = load(path.read_text(encoding="utf-8"), str(path))
        except ScenarioError as exc:
            raise CommandError(str(exc)) from exc
        if not options["inner"]:
            self._run_in_child(path, options["until"])
            return
        from duban.replay.engine import run

        call_command("migrate", verbosity=0, interactive=False)
        output = run(scenario, until)
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=1, default=str))

    def _run_in_child(self, path: Path, until: str | None) -> None:
        with tempfile.TemporaryDirectory(prefix="duban-replay-") as tmp:
            env = {k: v for k, v in os.environ.items() if k != "DUBAN_DATABASE_URL"}
            env["DUBAN_SQLITE_PATH"] = str(Path(tmp) / "replay.sqlite3")
            env["DUBAN_DATA_DIR"] = tmp
            cmd = [sys.executable, "-m", "duban", "duban_replay", str(path.resolve()), "--inner"]
            if until:
                cmd += ["--until", until]
            result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise CommandError(result.stderr.strip() or "回放失败")
            self.stdout.write(result.stdout, ending="")


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS
