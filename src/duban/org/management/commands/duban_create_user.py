"""``duban create-user USERNAME --name 姓名 --unit CODE --role office_staff [--role …]
[--password …|--password-stdin] [--cleared] [--jurisdiction CODE] [--superuser]``."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.contrib.auth.password_validation import ValidationError, validate_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from duban.core.lifecycle import Role
from duban.org.management.importcommand import resolve_jurisdiction
from duban.org.models import ROLE_LABELS, Jurisdiction, Unit, User

ROLE_BY_NAME: dict[str, Role] = {r.value: r for r in Role} | {label: r for r, label in ROLE_LABELS.items()}


def parse_role(value: str) -> Role:
    role = ROLE_BY_NAME.get(value.strip())
    if role is None:
        choices = "、".join(f"{r.value}（{label}）" for r, label in ROLE_LABELS.items())
        raise CommandError(f"未知角色：{value}。可用：{choices}")
    return role


class Command(BaseCommand):
    help = "创建人员账号并授予角色（角色可重复 --role，用英文代码或中文名称）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="姓名")
        parser.add_argument("--unit", help="所在单位代码")
        parser.add_argument("--jurisdiction", help="辖区代码（只有一个辖区，或单位代码唯一时可省略）")
        parser.add_argument("--role", action="append", default=[], metavar="ROLE",
                            help="角色，可重复：" + "、".join(f"{r.value}={label}" for r, label in ROLE_LABELS.items()))
        parser.add_argument("--title", default="", help="职务")
        parser.add_argument("--phone", default="", help="电话")
        parser.add_argument("--cleared", action="store_true", help="可查阅涉密事项（S1-九(五)）")
        parser.add_argument("--superuser", action="store_true", help="可进入管理后台并管理一切（系统管理员）")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--password", help="密码（会留在命令历史中；脚本里宜用 --password-stdin）")
        group.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行）")
        parser.add_argument("--no-change-at-first-login", action="store_true",
                            help="不要求首次登录时修改密码（默认要求：密码由管理员设定）")

    def _jurisdiction(self, code: str | None, unit_code: str | None) -> Jurisdiction:
        if not code and unit_code and Jurisdiction.objects.count() > 1:
            matches = list(Unit.objects.filter(code=unit_code).select_related("jurisdiction")[:2])
            if len(matches) == 1:
                return matches[0].jurisdiction
        return resolve_jurisdiction(code)

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"].strip()
        try:
            User.username_validator(username)
        except ValidationError:
            raise CommandError(f"用户名无效：{username}（只能包含字母、数字和 @ . + - _）") from None
        if User.objects.filter(username=username).exists():
            raise CommandError(f"用户名已存在：{username}（修改请用管理后台或 duban import-people）")
        jurisdiction = self._jurisdiction(options["jurisdiction"], options["unit"])
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(jurisdiction=jurisdiction, code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"未知单位代码：{options['unit']}（辖区 {jurisdiction.code}）")
        roles = list(dict.fromkeys(parse_role(value) for value in options["role"]))
        password = options["password"]
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
            if not password:
                raise CommandError("标准输入中没有读到密码。")
        elif password is None and sys.stdin.isatty():
            password = getpass.getpass("密码（直接回车则暂不设置）：")
        user = User(username=username, full_name=options["name"].strip(), jurisdiction=jurisdiction, unit=unit,
                    title=options["title"], phone=options["phone"], cleared_confidential=options["cleared"],
                    is_staff=options["superuser"], is_superuser=options["superuser"])
        if password:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise CommandError("密码不符合要求：" + "；".join(exc.messages)) from exc
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        # One by one through the accounts service: 三员分立 is checked and each grant lands in the audit log.
        from duban.accounts.services import AccountError, grant_role, security_of

        for role in roles:
            try:
                grant_role(actor=None, user=user, role=role)
            except AccountError as exc:
                raise CommandError(f"不能授予「{ROLE_LABELS[role]}」：{exc.message}") from None
        if password and not options["no_change_at_first_login"]:
            sec = security_of(user)  # an administrator set this password: the person changes it (等保 2.0)
            sec.must_change_password = True
            sec.save(update_fields=["must_change_password"])
        labels = "、".join(ROLE_LABELS[r] for r in roles) or "无角色"
        extras = [s for s, on in (("可查阅涉密事项", options["cleared"]), ("系统管理员", options["superuser"])) if on]
        self.stdout.write(self.style.SUCCESS(
            f"已创建 {user.username}（{user.full_name}，{jurisdiction.name}，{unit or '无单位'}，{labels}"
            + "".join(f"，{e}" for e in extras) + "）"))
        if not password:
            self.stdout.write(f"未设置密码，暂不能登录：可运行 duban changepassword {user.username} 设置。")
