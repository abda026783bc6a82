"""Account security writes (issue #8 §1): password changes, lockout, second factor, role grants.

Every write appends an audit record in the same transaction. Errors are ``AccountError`` with a
Chinese message (and field errors), and nothing is changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation

from duban.core.lifecycle import Role
from duban.org.models import ROLE_LABELS, RoleGrant, User

from . import audit, totp
from .models import AccountSecurity, AuditKind, PasswordHistory, RecoveryCode
from .separation import SeparationError, check_grant, check_revoke, is_security_admin

RECOVERY_CODES = 10


class AccountError(Exception):
    def __init__(self, message: str, field_errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


def max_failures() -> int:
    return int(getattr(settings, "DUBAN_LOGIN_MAX_FAILURES", 5))


def lockout_seconds() -> int:
    return int(getattr(settings, "DUBAN_LOGIN_LOCKOUT_SECONDS", 15 * 60))


def security_of(user: User, *, lock: bool = False) -> AccountSecurity:
    qs = AccountSecurity.objects.select_for_update() if lock else AccountSecurity.objects
    found = qs.filter(user_id=user.pk).first()
    if found is None:
        AccountSecurity.objects.get_or_create(user_id=user.pk)
        found = qs.get(user_id=user.pk)
    return found


# --- passwords -------------------------------------------------------------------------------------


def _policy_problems(password: str, user: User) -> str:
    """The password policy's objections in Chinese, whatever the request's language ("" when none)."""
    with translation.override(settings.LANGUAGE_CODE):
        try:
            validate_password(password, user)
        except ValidationError as exc:
            return " ".join(str(m) for m in exc.messages)
    return ""


@transaction.atomic
def change_password(*, user: User, old: str, new: str, repeat: str, now: dt.datetime | None = None,
                    request: Any = None) -> None:
    """The person changes their own password: policy, history, clears "change on first login"."""
    now = now or timezone.now()
    if not user.check_password(old):
        raise AccountError("当前密码不正确。", {"old_password": "当前密码不正确。"})
    if new != repeat:
        raise AccountError("两次输入的新密码不一致。", {"new_password2": "两次输入的新密码不一致。"})
    message = _policy_problems(new, user)
    if message:
        raise AccountError(message, {"new_password1": message})
    PasswordHistory.objects.create(user=user, password=user.password, set_at=now)
    user.set_password(new)
    user.save(update_fields=["password"])
    sec = security_of(user, lock=True)
    sec.must_change_password = False
    sec.password_changed_at = now
    sec.save(update_fields=["must_change_password", "password_changed_at"])
    audit.record(AuditKind.PASSWORD_CHANGED, f"{user.display_name} 修改了本人密码", actor=user, subject=user,
                 request=request, at=now)


@transaction.atomic
def issue_password(*, actor: Any, user: User, password: str, now: dt.datetime | None = None) -> None:
    """An administrator sets an initial or reset password: the person must change it at the next login."""
    now = now or timezone.now()
    if actor is not None and getattr(actor, "pk", None) == user.pk:
        raise AccountError("请在“账号安全”页面修改本人密码。")
    message = _policy_problems(password, user)
    if message:
        raise AccountError(message, {"password": message})
    if user.password:
        PasswordHistory.objects.create(user=user, password=user.password, set_at=now)
    user.set_password(password)
    user.save(update_fields=["password"])
    sec = security_of(user, lock=True)
    sec.must_change_password = True
    sec.save(update_fields=["must_change_password"])
    audit.record(AuditKind.PASSWORD_CHANGED, f"为 {user.display_name} 设置初始/重置密码（须首次登录修改）",
                 actor=actor, subject=user, at=now)


# --- lockout ---------------------------------------------------------------------------------------


def locked_until(user: User, now: dt.datetime) -> dt.datetime | None:
    sec = AccountSecurity.objects.filter(user_id=user.pk).values_list("locked_until", flat=True).first()
    return sec if sec is not None and sec > now else None


@transaction.atomic
def register_failure(*, user: User, now: dt.datetime, request: Any = None) -> dt.datetime | None:
    """One more failed password; lock the account for the cool-down after ``max_failures`` in a row."""
    sec = security_of(user, lock=True)
    sec.failed_logins += 1
    locked = None
    if sec.failed_logins >= max_failures():
        locked = sec.locked_until = now + dt.timedelta(seconds=lockout_seconds())
        sec.failed_logins = 0
    sec.save(update_fields=["failed_logins", "locked_until"])
    audit.record(AuditKind.LOGIN_FAILED, f"{user.username} 密码错误", subject=user, request=request, at=now)
    if locked is not None:
        audit.record(AuditKind.LOCKED, f"{user.username} 连续 {max_failures()} 次登录失败，锁定至 "
                     f"{timezone.localtime(locked):%H:%M}", subject=user, request=request, at=now)
    return locked


def register_success(user: User) -> None:
    AccountSecurity.objects.filter(user_id=user.pk).exclude(failed_logins=0, locked_until=None).update(
        failed_logins=0, locked_until=None
    )


@transaction.atomic
def unlock(*, actor: Any, user: User, now: dt.datetime | None = None) -> None:
    if actor is not None and not is_security_admin(actor):
        raise AccountError("只有安全管理员可以解除账号锁定（三员分立）。")
    AccountSecurity.objects.filter(user_id=user.pk).update(failed_logins=0, locked_until=None)
    audit.record(AuditKind.UNLOCKED, f"解除 {user.display_name} 的账号锁定", actor=actor, subject=user, at=now)


# --- second factor (TOTP, RFC 6238) ----------------------------------------------------------------


def _code_hash(code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, code.replace("-", "").strip().lower().encode(), hashlib.sha256).hexdigest()


def begin_totp(user: User) -> str:
    """A new secret for enrolment; not active until ``confirm_totp`` sees a valid code from it."""
    sec = security_of(user)
    if sec.totp_enabled:
        raise AccountError("已启用动态口令；如需更换，请先停用。")
    sec.totp_secret = totp.new_secret()
    sec.save(update_fields=["totp_secret"])
    return sec.totp_secret


@transaction.atomic
def confirm_totp(*, user: User, code: str, now: dt.datetime | None = None, request: Any = None) -> list[str]:
    """Turn the second factor on after one valid code; returns the one-time recovery codes (shown once)."""
    now = now or timezone.now()
    sec = security_of(user, lock=True)
    if sec.totp_enabled:
        raise AccountError("已启用动态口令。")
    if not sec.totp_secret:
        raise AccountError("请先生成动态口令密钥。")
    step = totp.matching_step(sec.totp_secret, code, now.timestamp())
    if step is None:
        raise AccountError("动态口令不正确，请核对手机时间后重试。", {"code": "动态口令不正确。"})
    sec.totp_enabled = True
    sec.totp_last_step = step
    sec.save(update_fields=["totp_enabled", "totp_last_step"])
    codes = _new_recovery_codes(user)
    audit.record(AuditKind.TOTP_ENABLED, f"{user.display_name} 启用动态口令", actor=user, subject=user,
                 request=request, at=now)
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create([RecoveryCode(user=user, code_hash=_code_hash(c)) for c in codes])
    return codes


@transaction.atomic
def regenerate_recovery_codes(*, user: User) -> list[str]:
    if not security_of(user).totp_enabled:
        raise AccountError("未启用动态口令。")
    return _new_recovery_codes(user)


@transaction.atomic
def disable_totp(*, actor: Any, user: User, password: str | None = None, now: dt.datetime | None = None,
                 request: Any = None) -> None:
    """The person (with their password) or the security administrator turns the second factor off."""
    if getattr(actor, "pk", None) == user.pk:
        if password is None or not user.check_password(password):
            raise AccountError("密码不正确。", {"password": "密码不正确。"})
    elif not is_security_admin(actor):
        raise AccountError("只有本人或安全管理员可以停用动态口令。")
    AccountSecurity.objects.filter(user_id=user.pk).update(totp_enabled=False, totp_secret="", totp_last_step=0)
    RecoveryCode.objects.filter(user=user).delete()
    audit.record(AuditKind.TOTP_DISABLED, f"停用 {user.display_name} 的动态口令", actor=actor, subject=user,
                 request=request, at=now)


def totp_enabled(user: User) -> bool:
    return AccountSecurity.objects.filter(user_id=user.pk, totp_enabled=True).exists()


@transaction.atomic
def verify_second_factor(*, user: User, code: str, now: dt.datetime | None = None, request: Any = None) -> bool:
    """A TOTP code (each time step once: no replay) or an unused recovery code."""
    now = now or timezone.now()
    sec = security_of(user, lock=True)
    if not sec.totp_enabled:
        return True
    step = totp.matching_step(sec.totp_secret, code, now.timestamp())
    if step is not None and step > sec.totp_last_step:
        sec.totp_last_step = step
        sec.save(update_fields=["totp_last_step"])
        return True
    if step is None and len(code.strip()) > totp.DIGITS:
        used = RecoveryCode.objects.filter(user=user, code_hash=_code_hash(code), used_at=None).update(used_at=now)
        if used:
            return True
    audit.record(AuditKind.SECOND_FACTOR_FAILED, f"{user.username} 动态口令错误", subject=user,
                 request=request, at=now)
    return False


# --- role grants (三员分立) -------------------------------------------------------------------------


def _separation(exc: SeparationError) -> AccountError:
    return AccountError(exc.message)


@transaction.atomic
def grant_role(*, actor: Any, user: User, role: Role, now: dt.datetime | None = None) -> RoleGrant:
    if user.jurisdiction_id is None:
        raise AccountError("该人员没有所属辖区，不能授予角色。")
    if RoleGrant.objects.filter(user=user, role=role.value).exists():
        raise AccountError(f"该人员已担任「{ROLE_LABELS[role]}」。")
    try:
        check_grant(actor, user, role)
    except SeparationError as exc:
        raise _separation(exc) from None
    from .signals import acting

    with acting(actor):
        return RoleGrant.objects.create(jurisdiction_id=user.jurisdiction_id, user=user, role=role.value)


@transaction.atomic
def revoke_role(*, actor: Any, user: User, role: Role) -> None:
    grant = RoleGrant.objects.filter(user=user, role=role.value).first()
    if grant is None:
        raise AccountError(f"该人员未担任「{ROLE_LABELS[role]}」。")
    try:
        check_revoke(actor, user, role)
    except SeparationError as exc:
        raise _separation(exc) from None
    from .signals import acting

    with acting(actor):
        grant.delete()

