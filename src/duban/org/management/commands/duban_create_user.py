"""``duban create-user USERNAME --name 姓名 --unit CODE --role office_staff [--role …]``."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.contrib.auth.password_validation import ValidationError, validate_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from duban.core.lifecycle import Role
from duban.org.models import ROLE_LABELS, Jurisdiction, RoleGrant, Unit, User


class Command(BaseCommand):
    help = "创建人员账号并授予角色。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="姓名")
        parser.add_argument("--unit", help="所在单位代码")
        parser.add_argument("--jurisdiction", help="辖区代码（只有一个辖区时可省略）")
        parser.add_argument("--role", action="append", default=[],
                            help="角色，可重复：" + "、".join(f"{r.value}={label}" for r, label in ROLE_LABELS.items()))
        parser.add_argument("--title", default="")
        parser.add_argument("--phone", default="")
        parser.add_argument("--cleared", action="store_true", help="可查阅涉密事项（S1-九(五)）")
        parser.add_argument("--superuser", action="store_true", help="可进入管理后台")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--password")
        group.add_argument("--password-stdin", action="store_true")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        jurisdictions = Jurisdiction.objects.all()
        if options["jurisdiction"]:
            jurisdiction = jurisdictions.filter(code=options["jurisdiction"]).first()
            if jurisdiction is None:
                raise CommandError(f"未知辖区代码：{options['jurisdiction']}")
        elif jurisdictions.count() == 1:
            jurisdiction = jurisdictions.get()
        else:
            raise CommandError("请用 --jurisdiction 指定辖区代码（现有：" +
                               "、".join(jurisdictions.values_list("code", flat=True)) + "）")
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(jurisdiction=jurisdiction, code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"未知单位代码：{options['unit']}")
        roles = []
        for value in options["role"]:
            try:
                roles.append(Role(value))
            except ValueError:
                raise CommandError(f"未知角色：{value}（可用：{'、'.join(r.value for r in Role)}）") from None
        if User.objects.filter(username=options["username"]).exists():
            raise CommandError(f"用户名已存在：{options['username']}")
        password = options["password"]
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        elif password is None and sys.stdin.isatty():
            password = getpass.getpass("密码：")
        user = User(username=options["username"], full_name=options["name"], jurisdiction=jurisdiction, unit=unit,
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
        for role in roles:
            RoleGrant.objects.create(jurisdiction=jurisdiction, user=user, role=role)
        labels = "、".join(ROLE_LABELS[r] for r in roles) or "无角色"
        self.stdout.write(f"已创建 {user.username}（{user.full_name}，{unit or '无单位'}，{labels}）")
