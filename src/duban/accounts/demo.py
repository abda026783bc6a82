"""The demo's security and audit administrators (三员分立: the demo's ``admin`` is the system administrator).

Demo accounts share the demo password and are not held to "change on first login": they are created
here and by the demo builder, never through ``services.issue_password`` (which sets that flag).
"""

from __future__ import annotations

from typing import Any

from duban.core.lifecycle import Role
from duban.org.models import User

from . import services


def build(demo: Any) -> None:
    from duban.demo.builder import _password_hash

    office = demo.people["admin"].unit
    for username, name, role, title in (
        ("anquan", "安全管理员", Role.SECURITY_ADMIN, "安全管理员"),
        ("shenji", "审计管理员", Role.AUDIT_ADMIN, "审计管理员"),
    ):
        user = User.objects.create(username=username, full_name=name, jurisdiction=demo.jurisdiction, unit=office,
                                   title=title, password=_password_hash(), is_staff=True)
        services.grant_role(actor=None, user=user, role=role)  # a command on the server: 三员分立 allows it
        demo.people[username] = user
        demo.logins.append((username, f"{title}（三员分立：不查阅业务内容）"))
