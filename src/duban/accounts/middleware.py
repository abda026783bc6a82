"""Request-level security (issue #8 §1, §4).

``AccountSecurityMiddleware`` (after authentication and messages):
- tells the audit signal handlers who is acting;
- ends a session idle for longer than ``DUBAN_SESSION_IDLE_SECONDS`` (等级保护: 登录连接超时自动退出);
- holds a person who signed in with a password at the second-factor page until the TOTP code is given,
  and at the password page while "change on first login" is pending.

``RateLimitMiddleware``: ``settings.DUBAN_RATE_LIMITS`` (see ``ratelimit``), 429 with a Chinese
message and ``Retry-After``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from duban.core.lifecycle import SEPARATED_ADMIN_ROLES

from . import audit, ratelimit
from .models import AuditKind
from .signals import SESSION_LAST_SEEN, SESSION_MUST_CHANGE, SESSION_OTP_PENDING, _actor, _request

Handler = Callable[[HttpRequest], HttpResponse]


def idle_seconds() -> int:
    return int(getattr(settings, "DUBAN_SESSION_IDLE_SECONDS", 30 * 60))


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(("/api/", "/open311/")) or "json" in request.headers.get("Accept", "")


# 三员分立: in the Django admin the three administrators reach only the organisation, accounts and calendar.
ADMIN_OPEN_PREFIXES = (
    "/admin/org/", "/admin/accounts/", "/admin/workcal/", "/admin/jsi18n/", "/admin/logout/",
    "/admin/password_change/", "/admin/autocomplete/",
)


class AccountSecurityMiddleware:
    OPEN_PREFIXES = ("/static/", "/logout/", "/accounts/otp/", "/accounts/password/", "/favicon")

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token, rtoken = _actor.set(getattr(request, "user", None)), _request.set(request)
        try:
            blocked = self._check(request)
            return blocked if blocked is not None else self.get_response(request)
        finally:
            _actor.reset(token)
            _request.reset(rtoken)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        session = request.session
        now = time.time()
        last = session.get(SESSION_LAST_SEEN)
        if isinstance(last, int | float) and now - last > idle_seconds():
            audit.record(AuditKind.SESSION_EXPIRED, f"{user.username} 会话空闲超过 {idle_seconds() // 60} 分钟，"
                         "自动退出", actor=user, subject=user, request=request)
            logout(request)
            text = "会话已超时，请重新登录。"
            if _wants_json(request):
                return JsonResponse({"detail": text, "field_errors": {}}, status=401)
            messages.info(request, text)
            return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
        if not isinstance(last, int | float) or now - last > 30:
            session[SESSION_LAST_SEEN] = int(now)
        if request.path.startswith(self.OPEN_PREFIXES):
            return None
        if session.get(SESSION_OTP_PENDING):
            if _wants_json(request):
                return JsonResponse({"detail": "请先完成动态口令验证。", "field_errors": {}}, status=401)
            return redirect(f"{reverse('accounts:otp')}?{urlencode({'next': request.get_full_path()})}")
        if session.get(SESSION_MUST_CHANGE):
            if _wants_json(request):
                return JsonResponse({"detail": "首次登录或密码已被重置，请先修改密码。", "field_errors": {}},
                                    status=403)
            messages.info(request, "首次登录或密码已被管理员重置，请先修改密码。")
            return redirect("accounts:password")
        if (request.path.startswith("/admin/") and request.path != "/admin/"
                and not request.path.startswith(ADMIN_OPEN_PREFIXES) and user.has_role(*SEPARATED_ADMIN_ROLES)):
            raise PermissionDenied("三员分立：管理员账号不能查看业务内容。")
        return None


class RateLimitMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.rules = [ratelimit.Rule.from_setting(r) for r in getattr(settings, "DUBAN_RATE_LIMITS", [])]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ip = audit.client_ip(request)
        for rule in self.rules:
            if not rule.applies(request.path, request.method or "GET"):
                continue
            key = f"{rule.prefix}|{ip}"
            if rule.by == "ip+username":
                key += "|" + str(request.POST.get("username", ""))[:100].strip().lower()
            count, retry = ratelimit.hit(key, rule.window)
            if count > rule.limit:
                if count == rule.limit + 1:
                    audit.record(AuditKind.RATE_LIMITED, f"{ip} 访问 {rule.prefix} 过于频繁（{rule.window} 秒内超过 "
                                 f"{rule.limit} 次）", request=request, data={"prefix": rule.prefix})
                return too_many(request, retry)
        return self.get_response(request)


def too_many(request: HttpRequest, retry: int) -> HttpResponse:
    text = f"请求过于频繁，请 {retry} 秒后再试。"
    if _wants_json(request):
        response: HttpResponse = HttpResponse(
            json.dumps({"detail": text, "field_errors": {}}, ensure_ascii=False),
            status=429, content_type="application/json; charset=utf-8",
        )
    else:
        response = HttpResponse(
            f'<!DOCTYPE html><html lang="zh-Hans"><meta charset="utf-8"><title>请求过于频繁</title>'
            f"<p>{text}</p></html>", status=429, content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(retry)
    return response
