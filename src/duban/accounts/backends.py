"""Password sign-in with lockout (等级保护 2.0 身份鉴别: 登录失败处理; issue #8 §1).

After ``DUBAN_LOGIN_MAX_FAILURES`` wrong passwords in a row the account is locked for
``DUBAN_LOGIN_LOCKOUT_SECONDS``; while locked even the right password is refused (with a Chinese
message on the login page). A successful sign-in resets the count.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone

from duban.org.models import User

from . import audit, services
from .models import AuditKind


def _tell(request: HttpRequest | None, text: str) -> None:
    if request is not None and hasattr(request, "_messages"):
        messages.error(request, text)


class LockoutBackend(ModelBackend):
    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        user = User.objects.filter(username=username).first() if username else None
        now = timezone.now()
        if user is not None:
            until = services.locked_until(user, now)
            if until is not None:
                audit.record(AuditKind.LOGIN_FAILED, f"{user.username} 在锁定期内尝试登录", subject=user,
                             request=request, at=now)
                _tell(request, f"该账号因连续多次登录失败已被锁定，请于 {timezone.localtime(until):%H:%M} 后再试，"
                      "或联系安全管理员解锁。")
                raise PermissionDenied("locked")  # stops the other backends; Django reports a failed login
        found = super().authenticate(request, username=username, password=password, **kwargs)
        if found is None:
            if user is not None and password is not None:
                locked = services.register_failure(user=user, now=now, request=request)
                if locked is not None:
                    _tell(request, f"连续 {services.max_failures()} 次密码错误，账号已锁定 "
                          f"{services.lockout_seconds() // 60} 分钟。")
                raise PermissionDenied("wrong password")  # counted once: no other backend tries again
            return None
        services.register_success(found)
        return found
