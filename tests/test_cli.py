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
