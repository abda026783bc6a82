"""Account security pages (issue #8 §1, §2): 账号安全 (password, second factor, login history), the
second-factor step of signing in, and the audit log for the audit administrator (三员分立)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from duban.org.models import User

from . import audit, services, totp
from .models import LOGIN_KINDS, AuditKind, AuditRecord, RecoveryCode
from .separation import is_audit_admin
from .signals import SESSION_MUST_CHANGE, SESSION_OTP_PENDING

SESSION_NEW_CODES = "duban_new_recovery_codes"


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _safe_next(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def _qr_svg(uri: str) -> str:
    """The otpauth:// URI as an inline SVG QR code (segno, no network, no image file on disk)."""
    import segno

    return segno.make(uri, error="m").svg_inline(scale=4, border=2)


@login_required
def security(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    sec = services.security_of(user)
    history = AuditRecord.objects.filter(subject_id=user.pk, kind__in=LOGIN_KINDS).order_by("-seq")[:50]
    context = {
        "sec": sec,
        "history": history,
        "pending_secret": sec.totp_secret if not sec.totp_enabled else "",
        "pending_uri": totp.provisioning_uri(sec.totp_secret, user.username, "督查督办")
        if sec.totp_secret and not sec.totp_enabled else "",
        "pending_qr": _qr_svg(totp.provisioning_uri(sec.totp_secret, user.username, "督查督办"))
        if sec.totp_secret and not sec.totp_enabled else "",
        "codes_left": RecoveryCode.objects.filter(user=user, used_at=None).count(),
        "new_codes": request.session.pop(SESSION_NEW_CODES, None),
        "is_audit_admin": is_audit_admin(user),
    }
    return render(request, "accounts/security.html", context)


@login_required
def password(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            services.change_password(
                user=user, old=request.POST.get("old_password", ""), new=request.POST.get("new_password1", ""),
                repeat=request.POST.get("new_password2", ""), request=request,
            )
        except services.AccountError as exc:
            errors = exc.field_errors or {"__all__": exc.message}
            status = 422
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, user)
            request.session.pop(SESSION_MUST_CHANGE, None)
            messages.success(request, "密码已修改。")
            return redirect("accounts:security")
    must_change = bool(request.session.get(SESSION_MUST_CHANGE))
    from django.contrib.auth.password_validation import password_validators_help_texts

    return render(request, "accounts/password.html", {
        "errors": errors, "must_change": must_change, "help_texts": password_validators_help_texts(),
    }, status=status)


def otp(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a TOTP code or a recovery code."""
    if not request.user.is_authenticated:
        return redirect("login")
    user = _user(request)
    if not request.session.get(SESSION_OTP_PENDING):
        return redirect(_safe_next(request))
    error = ""
    status = 200
    if request.method == "POST":
        if services.verify_second_factor(user=user, code=request.POST.get("code", ""), request=request):
            request.session.cycle_key()
            request.session.pop(SESSION_OTP_PENDING, None)
            return redirect(_safe_next(request))
        error = "动态口令或恢复码不正确。"
        status = 422
        failures = int(request.session.get("duban_otp_failures", 0)) + 1
        request.session["duban_otp_failures"] = failures
        if failures >= services.max_failures():
            services.register_failure(user=user, now=timezone.now(), request=request)
            logout(request)
            messages.error(request, "动态口令连续错误，请重新登录。")
            return redirect("login")
    return render(request, "accounts/otp.html", {"error": error, "next": _safe_next(request, "")}, status=status)


@login_required
@require_POST
def totp_begin(request: HttpRequest) -> HttpResponse:
    try:
        services.begin_totp(_user(request))
    except services.AccountError as exc:
        messages.error(request, exc.message)
    return redirect("accounts:security")


@login_required
@require_POST
def totp_confirm(request: HttpRequest) -> HttpResponse:
    try:
        codes = services.confirm_totp(user=_user(request), code=request.POST.get("code", ""), request=request)
    except services.AccountError as exc:
        messages.error(request, exc.message)
    else:
        request.session[SESSION_NEW_CODES] = codes
        messages.success(request, "已启用动态口令。请妥善保存下方恢复码（仅显示一次）。")
    return redirect("accounts:security")


@login_required
@require_POST
def totp_disable(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        services.disable_totp(actor=user, user=user, password=request.POST.get("password", ""), request=request)
    except services.AccountError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已停用动态口令。")
    return redirect("accounts:security")


@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    try:
        request.session[SESSION_NEW_CODES] = services.regenerate_recovery_codes(user=_user(request))
    except services.AccountError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已生成新的恢复码，旧恢复码作废。")
    return redirect("accounts:security")


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """审计日志: the audit administrator only (三员分立); the chain's state is checked on every view."""
    user = _user(request)
    if not is_audit_admin(user):
        raise PermissionDenied("只有审计管理员可以查看审计日志（三员分立）。")
    qs = AuditRecord.objects.order_by("-seq")
    kind = request.GET.get("kind", "")
    if kind in AuditKind.values:
        qs = qs.filter(kind=kind)
    person = request.GET.get("q", "").strip()
    if person:
        qs = qs.filter(subject_name__icontains=person) | qs.filter(actor_name__icontains=person)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(request, "accounts/audit.html", {
        "page": page, "kinds": AuditKind.choices, "kind": kind, "q": person, "broken": audit.verify(),
        "retention_days": audit.retention_days(),
    })
