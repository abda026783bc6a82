from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from duban.org.models import User
from tests.factories import District

pytestmark = pytest.mark.django_db


def test_create_user_with_roles(district: District) -> None:
    out = StringIO()
    call_command("duban_create_user", "newbie", "--name", "新同事", "--unit", "FGJ", "--role", "unit_liaison",
                 "--password", "Zhang-2026-strong", "--jurisdiction", district.jurisdiction.code, stdout=out)
    user = User.objects.get(username="newbie")
    assert user.unit == district.lead and user.has_role(*user.role_set()) and user.check_password("Zhang-2026-strong")
    assert "单位联络员" in out.getvalue()


@pytest.mark.parametrize(("args", "message"), [
    (["--unit", "NOPE"], "未知单位代码"),
    (["--role", "king"], "未知角色"),
    (["--password", "123"], "密码不符合要求"),
])
def test_create_user_errors_are_clear_and_change_nothing(district: District, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("duban_create_user", "x1", "--name", "某", "--jurisdiction", district.jurisdiction.code, *args)
    assert not User.objects.filter(username="x1").exists()


def test_create_user_must_change_the_password_an_administrator_set(district: District) -> None:
    """等保 2.0 (issue #8): a password someone else chose is changed at the first login, unless told otherwise."""
    from duban.accounts.services import security_of

    common = ["--name", "某", "--unit", "FGJ", "--jurisdiction", district.jurisdiction.code,
              "--password", "Zhang-2026-strong"]
    call_command("duban_create_user", "first", *common, stdout=StringIO())
    call_command("duban_create_user", "service", *common, "--no-change-at-first-login", stdout=StringIO())
    assert security_of(User.objects.get(username="first")).must_change_password
    assert not security_of(User.objects.get(username="service")).must_change_password


def test_create_user_refuses_an_administrator_role_next_to_a_business_role(district: District) -> None:
    """三员分立 (issue #8): the command grants through the same checks as the admin; nothing is left behind."""
    with pytest.raises(CommandError, match="三员分立"):
        call_command("duban_create_user", "x2", "--name", "某", "--jurisdiction", district.jurisdiction.code,
                     "--role", "office_staff", "--role", "audit_admin", stdout=StringIO())
    assert not User.objects.filter(username="x2").exists()
