"""``duban demo [--if-empty] [--seed N]``: build the demo district and print the URL and the demo logins."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.org.models import Jurisdiction, User


class Command(BaseCommand):
    help = "生成演示数据：示范区（约 40 个单位、领导、督查室、联络员）及各状态的督查事项，并列出演示账号。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true",
                            help="数据库中已有辖区（演示或正式数据）时跳过，不报错")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子：同一种子生成完全相同的数据（默认 2026）")

    def handle(self, *args: Any, **options: Any) -> None:
        from duban.demo import builder

        demo_exists = Jurisdiction.objects.filter(code=builder.JURISDICTION_CODE).exists()
        if options["if_empty"] and Jurisdiction.objects.exists():
            if demo_exists:
                self.stdout.write("演示数据已存在，跳过生成。")
                self._print_logins(builder.LOGINS)
            else:
                names = "、".join(Jurisdiction.objects.values_list("name", flat=True))
                self.stdout.write(f"数据库中已有辖区（{names}），跳过生成演示数据。")
            return
        if demo_exists:
            raise CommandError(f"演示辖区（{builder.JURISDICTION_CODE}）已存在。如需重建，请换一个空的数据目录"
                               "（DUBAN_DATA_DIR）后运行 duban migrate 和 duban demo。")
        taken = sorted(User.objects.filter(username__in=builder.usernames()).values_list("username", flat=True))
        if taken:
            raise CommandError("以下用户名已被占用，无法生成演示数据：" + "、".join(taken[:20]))
        started = time.monotonic()
        demo = builder.build(options["seed"])
        seconds = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            f"已生成演示辖区「{demo.jurisdiction.name}」：{len(demo.units)} 个单位（8 个考核类别），"
            f"{len(demo.people)} 名人员，{len(demo.items)} 项督查事项（用时 {seconds:.1f} 秒；"
            f"模拟日期 {builder.TODAY:%Y-%m-%d}）。"))
        self._print_logins(demo.logins)

    def _print_logins(self, logins: list[tuple[str, str]]) -> None:
        from duban.demo.builder import PASSWORD, URL_HINT

        self.stdout.write("")
        self.stdout.write(f"启动：duban serve（或 scripts/run），然后用浏览器打开 {URL_HINT}")
        self.stdout.write(f"演示账号（所有演示账号的密码均为 {PASSWORD}）：")
        width = max(len(u) for u, _ in logins) + 2
        # 用户名 and 密码 are two columns wide per character on a terminal.
        self.stdout.write("  用户名" + " " * (width + 1 - 6) + "密码" + " " * (12 + 1 - 4) + "身份")
        for username, who in logins:
            self.stdout.write(f"  {username.ljust(width)} {PASSWORD.ljust(12)} {who}")
        self.stdout.write("  各单位联络员的用户名为单位代码小写（如 fgj、czj、dcjd），"
                          "单位负责人为 代码_head（如 fgj_head）。")
