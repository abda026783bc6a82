"""``duban urging-policy check FILE|PRESET`` and ``duban urging-policy list``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.core.urging_policy import PolicyFileError, load_urging_policy
from duban.urging import policy


class Command(BaseCommand):
    help = "催办政策文件：校验（check）或列出预置（list）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="校验政策文件，报告文件、行号和字段")
        check.add_argument("file")
        sub.add_parser("list", help="列出预置政策")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for name in policy.available():
                loaded = load_urging_policy(policy.resolve(name).read_text(encoding="utf-8"), name)
                colours = "→".join(c.label for c in loaded.urging.colours)
                self.stdout.write(f"{name:<28} {loaded.title}（{colours}）")
            return
        try:
            path = policy.resolve(options["file"])
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        try:
            loaded = load_urging_policy(Path(path).read_text(encoding="utf-8"), str(path))
        except PolicyFileError as exc:
            raise CommandError(str(exc)) from exc
        colours = "、".join(f"{c.label}（{c.signer_role}，{c.rule_id}）" for c in loaded.urging.colours)
        self.stdout.write(f"{path}: 校验通过。{loaded.name}：{colours}")
