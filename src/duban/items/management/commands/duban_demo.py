"""``duban demo [--if-empty] [--seed N]``: build the demo district and print the demo logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.org.models import Jurisdiction


class Command(BaseCommand):
    help = "生成演示数据：示范区（约 40 个单位、领导、督查室）及各状态的督查事项。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="已有数据时跳过")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        from duban.demo.builder import PASSWORD, build

        if Jurisdiction.objects.filter(code="SFQ").exists():
            if options["if_empty"]:
                self.stdout.write("演示数据已存在，跳过。")
                self._print_logins(None)
                return
            raise CommandError("演示辖区（SFQ）已存在。")
        demo = build(options["seed"])
        self.stdout.write(f"已生成演示辖区「{demo.jurisdiction.name}」：{len(demo.units)} 个单位，"
                          f"{len(demo.people)} 名人员。")
        self._print_logins(demo.logins)
        self.stdout.write(f"所有演示账号密码：{PASSWORD}")

    def _print_logins(self, logins: list[tuple[str, str]] | None) -> None:
        from duban.demo.builder import PASSWORD

        if logins is None:
            from duban.org.models import User

            logins = [(u, "") for u in User.objects.filter(jurisdiction__code="SFQ", username__in=[
                "zhuren", "ducha1", "ducha2", "quzhang", "fuquzhang1", "fgj", "czj", "jikaoban", "admin"
            ]).values_list("username", flat=True)]
            self.stdout.write(f"演示账号（密码 {PASSWORD}）：" + "、".join(u for u, _ in logins))
            return
        self.stdout.write("演示账号：")
        for username, who in logins:
            self.stdout.write(f"  {username:<12} {who}")
