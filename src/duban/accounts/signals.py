"""Audit hooks that need no edits elsewhere (issue #8 §2): logins, logouts, failures, permission changes.

``acting(user)`` / the middleware tell the signal handlers who is acting; a change made with no
actor (a management command, the demo builder) is recorded as made by the system.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from duban.core.lifecycle import Role
from duban.org.models import ROLE_LABELS, RoleGrant, User

from . import audit
from .models import AuditKind
from .separation import ACCOUNT_FLAGS, SECURITY_FLAGS, check_flag_change, check_grant, check_revoke

_actor: contextvars.ContextVar[Any] = contextvars.ContextVar("duban_actor", default=None)
_request: contextvars.ContextVar[Any] = contextvars.ContextVar("duban_request", default=None)

FLAGS = (*SECURITY_FLAGS, *ACCOUNT_FLAGS)
SESSION_OTP_PENDING = "duban_otp_pending"
SESSION_MUST_CHANGE = "duban_must_change"
SESSION_LAST_SEEN = "duban_last_seen"


def current_actor() -> Any:
    actor = _actor.get()
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor


@contextmanager
def acting(actor: Any, request: Any = None) -> Iterator[None]:
    token = _actor.set(actor)
    rtoken = _request.set(request)
    try:
        yield
    finally:
        _actor.reset(token)
        _request.reset(rtoken)


# --- logins --------------------------------------------------------------------------------------


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    from .models import AccountSecurity

    sec = AccountSecurity.objects.filter(user_id=user.pk).first()
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_LAST_SEEN] = int(time.time())  # the idle clock starts at sign-in
    if session is not None and sec is not None:
        if sec.totp_enabled:
            session[SESSION_OTP_PENDING] = True
        if sec.must_change_password:
            session[SESSION_MUST_CHANGE] = True
    audit.record(AuditKind.LOGIN, f"{user.username} 登录", actor=user, subject=user,
                 request=request if getattr(request, "META", None) else None)


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is None:
        return
    audit.record(AuditKind.LOGOUT, f"{user.username} 退出登录", actor=user, subject=user, request=request)


@receiver(user_login_failed)
def on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    """Failures for names that exist are recorded by the backend (with the lockout count)."""
    username = str(credentials.get("username", ""))[:150]
    if username and not User.objects.filter(username=username).exists():
        audit.record(AuditKind.LOGIN_FAILED, f"不存在的用户名 {username} 尝试登录", subject_name=username,
                     request=request)


# --- permission changes ---------------------------------------------------------------------------


@receiver(pre_save, sender=RoleGrant)
def before_grant(sender: Any, instance: RoleGrant, **kwargs: Any) -> None:
    if instance.pk is None:
        check_grant(current_actor(), instance.user, Role(instance.role))


@receiver(post_save, sender=RoleGrant)
def after_grant(sender: Any, instance: RoleGrant, created: bool, **kwargs: Any) -> None:
    if created:
        label = ROLE_LABELS.get(Role(instance.role), instance.role)
        audit.record(AuditKind.ROLE_GRANTED, f"授予 {instance.user} 角色「{label}」", actor=current_actor(),
                     subject=instance.user, request=_request.get(), data={"role": instance.role})


@receiver(pre_delete, sender=RoleGrant)
def before_revoke(sender: Any, instance: RoleGrant, **kwargs: Any) -> None:
    check_revoke(current_actor(), User(pk=instance.user_id), Role(instance.role))


@receiver(post_delete, sender=RoleGrant)
def after_revoke(sender: Any, instance: RoleGrant, **kwargs: Any) -> None:
    label = ROLE_LABELS.get(Role(instance.role), instance.role)
    audit.record(AuditKind.ROLE_REVOKED, f"撤销 {instance.user_id} 号人员的角色「{label}」",
                 actor=current_actor(), subject=User(pk=instance.user_id, username=str(instance.user_id)),
                 request=_request.get(), data={"role": instance.role})


@receiver(pre_save, sender=User)
def before_user_save(sender: Any, instance: User, update_fields: Any = None, **kwargs: Any) -> None:
    if instance.pk is None or (update_fields is not None and not set(update_fields) & set(FLAGS)):
        return
    old = User.objects.filter(pk=instance.pk).values(*FLAGS).first()
    if old is None:
        return
    changes = {f: (old[f], getattr(instance, f)) for f in FLAGS if old[f] != getattr(instance, f)}
    check_flag_change(current_actor(), instance, changes)
    instance._duban_flag_changes = changes  # type: ignore[attr-defined]


@receiver(post_save, sender=User)
def after_user_save(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    changes: dict[str, tuple[Any, Any]] = getattr(instance, "_duban_flag_changes", {}) or {}
    if not changes:
        return
    instance._duban_flag_changes = {}  # type: ignore[attr-defined]
    labels = {"cleared_confidential": "涉密查阅", "is_superuser": "超级管理员", "is_active": "启用",
              "is_staff": "后台权限"}
    text = "、".join(f"{labels[f]} {'是' if new else '否'}" for f, (_, new) in changes.items())
    audit.record(AuditKind.USER_FLAGS, f"修改 {instance} 的权限标志：{text}", actor=current_actor(),
                 subject=instance, request=_request.get(),
                 data={f: {"before": old, "after": new} for f, (old, new) in changes.items()})
