"""Password policy (等级保护 2.0 level 3 身份鉴别; issue #8 §1), as Django password validators.

Configured in ``settings.AUTH_PASSWORD_VALIDATORS``: length, character classes, no reuse of the
last five passwords. Change on first login is ``AccountSecurity.must_change_password``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

HISTORY_DEPTH = 5


def character_classes(password: str) -> int:
    classes = [
        any(c.islower() and c.isascii() for c in password),
        any(c.isupper() and c.isascii() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


class MinimumLengthValidator:
    """At least ``min_length`` characters (Chinese message: Django 5.2's own is not translated)."""

    def __init__(self, min_length: int = 10) -> None:
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                _("密码太短：至少 %(n)d 个字符。") % {"n": self.min_length}, code="password_too_short"
            )

    def get_help_text(self) -> str:
        return _("密码至少 %(n)d 个字符。") % {"n": self.min_length}


class CharacterClassValidator:
    """At least ``min_classes`` of: lower-case letters, upper-case letters, digits, symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _("密码须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类。") % {"n": self.min_classes},
                code="password_classes",
            )

    def get_help_text(self) -> str:
        return _("密码须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类。") % {"n": self.min_classes}


class HistoryValidator:
    """Not the current password nor any of the last ``depth`` ones."""

    def __init__(self, depth: int = HISTORY_DEPTH) -> None:
        self.depth = depth

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or getattr(user, "pk", None) is None:
            return
        from .models import PasswordHistory

        history = PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)
        previous = list(history[: self.depth])
        current = get_user_model().objects.filter(pk=user.pk).values_list("password", flat=True).first()
        if current:
            previous.insert(0, current)
        if any(check_password(password, old) for old in previous[: self.depth]):
            raise ValidationError(
                _("新密码不能与最近 %(n)d 次使用过的密码相同。") % {"n": self.depth}, code="password_reused"
            )

    def get_help_text(self) -> str:
        return _("不能与最近 %(n)d 次使用过的密码相同。") % {"n": self.depth}
