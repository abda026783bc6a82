"""``duban policy check FILE|PRESET`` and ``duban policy list`` — scoring policy files (SPEC §4).

``check`` reports every problem with file, line and field (unknown keys, wrong types, rules that can
never fire, a declared full mark the rule table cannot award …) and exits with status 1 when there are
errors, 0 when there are only warnings.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.core.scoring import check_policy, load_preset, preset_names, resolve


class Command(BaseCommand):
    help = "评分政策文件：校验（check）或列出预置（list）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="校验评分政策文件：报告文件、行号和字段；有错误时退出码为 1")
        check.add_argument("file", help="文件路径或预置名称（s0、s1、s3b、s2c、s2e）")
        check.add_argument("--readings", action="store_true", help="同时列出政策对含糊条款所取的读法")
        check.add_argument("--quiet", action="store_true", help="不显示说明（info），只显示错误和警告")
        sub.add_parser("list", help="列出预置评分政策")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for name in preset_names():
                policy = load_preset(name)
                self.stdout.write(f"{name:<6} {policy.title}：{len(policy.categories)} 个类别，"
                                  f"{len(policy.rules)} 条规则，{len(policy.readings)} 条读法")
            return
        try:
            path = resolve(options["file"])
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        report = check_policy(path.read_text(encoding="utf-8"), path.name)
        for problem in report.problems:
            if problem.severity == "info" and options["quiet"]:
                continue
            stream = self.stderr if problem.severity == "error" else self.stdout
            stream.write(str(problem))
        if options["readings"] and report.policy is not None:
            for reading in report.policy.readings:
                self.stdout.write(f"读法 reading {reading.id}「{reading.clause}」：{reading.taken}"
                                  f" 另一读法：{reading.alternative}"
                                  + (f"（设置：{reading.setting}）" if reading.setting else ""))
        summary = f"{path.name}：{len(report.errors)} 个错误，{len(report.warnings)} 个警告"
        if report.errors:
            raise CommandError(summary + "。", returncode=1)
        self.stdout.write(summary + ("，校验通过。" if not report.warnings else "，可以使用（请核对警告）。"))
