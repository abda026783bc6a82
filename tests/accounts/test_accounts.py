"""Accounts (issue #8 §1, 等级保护 2.0 level 3 身份鉴别): password policy, change on first login, lockout,
idle timeout, TOTP second factor with recovery codes, login history visible to the person."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from duban.accounts import services, totp
from duban.accounts.models import AccountSecurity, AuditKind, AuditRecord
from duban.accounts.signals import SESSION_LAST_SEEN
from duban.org.models import User
from tests.factories import PASSWORD, District

pytestmark = pytest.mark.django_db

GOOD = "Xk7#pq2-Lm9w"


def _kinds(user: User) -> list[str]:
    return list(AuditRecord.objects.filter(subject_id=user.pk).order_by("seq").values_list("kind", flat=True))


# --- password policy -------------------------------------------------------------------------------


@pytest.mark.parametrize(("new", "message"), [
    ("Ab1#x", "太短"),                 # length
    ("abcdefghijk", "至少 3 类"),      # one class
    ("abcdefgh1234", "至少 3 类"),     # two classes
])
def test_password_policy_refuses_weak_passwords_and_changes_nothing(district: District, new: str, message: str) -> None:
    before = User.objects.get(pk=district.alice.pk).password
    with pytest.raises(services.AccountError) as exc:
        services.change_password(user=district.alice, old=PASSWORD, new=new, repeat=new)
    assert message in exc.value.message
    assert User.objects.get(pk=district.alice.pk).password == before


def test_password_cannot_reuse_any_of_the_last_five(district: District) -> None:
    alice = district.alice
    used = [PASSWORD]
    for k in range(5):
        new = f"Qw3rty#{k}-pass"
        services.change_password(user=User.objects.get(pk=alice.pk), old=used[-1], new=new, repeat=new)
        used.append(new)
    # The current password and the four before it are refused …
    for old in used[-5:]:
        with pytest.raises(services.AccountError, match="最近 5 次"):
            services.change_password(user=User.objects.get(pk=alice.pk), old=used[-1], new=old, repeat=old)
    # … the sixth-last is allowed again.
    services.change_password(user=User.objects.get(pk=alice.pk), old=used[-1], new=used[0], repeat=used[0])
    assert User.objects.get(pk=alice.pk).check_password(used[0])


def test_change_on_first_login_holds_the_person_at_the_password_page(district: District, post_login: Any) -> None:
    services.issue_password(actor=None, user=district.oscar, password="Initial#2026pw")
    client = Client()
    response = post_login(client, "oscar", "Initial#2026pw")
    assert response.status_code == 302
    page = client.get("/items/")
    assert page.status_code == 302 and page["Location"] == "/accounts/password/"
    api = client.get("/api/items/")
    assert api.status_code == 403 and "修改密码" in api.json()["detail"]
    form = client.get("/accounts/password/")
    assert "首次登录" in form.content.decode()
    done = client.post("/accounts/password/", {"old_password": "Initial#2026pw", "new_password1": GOOD,
                                               "new_password2": GOOD})
    assert done.status_code == 302
    assert client.get("/items/").status_code == 200
    assert not AccountSecurity.objects.get(user=district.oscar).must_change_password


def test_password_page_shows_the_policy_error_in_chinese(district: District, as_user: Any) -> None:
    client = as_user(district.alice)
    response = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "short",
                                                   "new_password2": "short"})
    assert response.status_code == 422
    assert "密码" in response.content.decode()
    assert User.objects.get(pk=district.alice.pk).check_password(PASSWORD)


# --- lockout ---------------------------------------------------------------------------------------


@override_settings(DUBAN_LOGIN_MAX_FAILURES=3, DUBAN_LOGIN_LOCKOUT_SECONDS=600)
def test_lockout_after_repeated_failures_then_cool_down(district: District, post_login: Any) -> None:
    client = Client()
    for _ in range(3):
        assert post_login(client, "alice", "wrong-password").status_code == 200
    sec = AccountSecurity.objects.get(user=district.alice)
    assert sec.locked_until is not None and sec.locked_until > timezone.now()
    # While locked even the right password is refused, with the reason on the page.
    refused = post_login(client, "alice", follow=True)
    assert "_auth_user_id" not in client.session
    assert "锁定" in refused.content.decode()
    assert AuditKind.LOCKED in _kinds(district.alice)
    # After the cool-down the right password works again and the count starts over.
    AccountSecurity.objects.filter(pk=sec.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert post_login(client, "alice").status_code == 302
    assert AccountSecurity.objects.get(pk=sec.pk).failed_logins == 0


@override_settings(DUBAN_LOGIN_MAX_FAILURES=3)
def test_only_the_security_administrator_unlocks(district: District, post_login: Any) -> None:
    from duban.core.lifecycle import Role
    from tests.factories import UserFactory

    sec_admin = UserFactory(username="anquan", jurisdiction=district.alice.jurisdiction, roles=[Role.SECURITY_ADMIN])
    for _ in range(3):
        post_login(Client(), "ursula", "nope")
    with pytest.raises(services.AccountError, match="安全管理员"):
        services.unlock(actor=district.alice, user=district.ursula)
    services.unlock(actor=sec_admin, user=district.ursula)
    assert post_login(Client(), "ursula").status_code == 302


# --- idle timeout ----------------------------------------------------------------------------------


@override_settings(DUBAN_SESSION_IDLE_SECONDS=600)
def test_idle_session_is_ended(district: District, post_login: Any) -> None:
    client = Client()
    post_login(client, "alice")
    assert client.get("/items/").status_code == 200
    session = client.session
    session[SESSION_LAST_SEEN] = time.time() - 601
    session.save()
    response = client.get("/items/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session
    assert AuditKind.SESSION_EXPIRED in _kinds(district.alice)
    # The API answers 401 with a Chinese reason instead of a redirect.
    post_login(client, "alice")
    session = client.session
    session[SESSION_LAST_SEEN] = time.time() - 601
    session.save()
    api = client.get("/api/items/")
    assert api.status_code == 401 and "超时" in api.json()["detail"]


# --- second factor ---------------------------------------------------------------------------------


def _enrol(client: Client, user: User) -> tuple[str, list[str]]:
    assert client.post("/accounts/totp/begin/").status_code == 302
    secret = AccountSecurity.objects.get(user=user).totp_secret
    page = client.get("/accounts/")
    assert secret in page.content.decode()
    # The QR code encodes the otpauth:// URI with this secret (what an authenticator app scans).
    import segno

    expected_qr = segno.make(totp.provisioning_uri(secret, user.username, "督查督办"), error="m").svg_inline(
        scale=4, border=2)
    assert "<svg" in expected_qr and expected_qr in page.content.decode()
    code = totp.totp(totp.secret_bytes(secret), time.time() - 30)  # the previous step: one step of drift
    client.post("/accounts/totp/confirm/", {"code": code})
    page = client.get("/accounts/").content.decode()
    assert "恢复码" in page
    codes = re.findall(r'<li class="code">([0-9a-f]{8}-[0-9a-f]{8})</li>', page)
    return secret, codes


def test_totp_enrolment_login_and_recovery_codes(district: District, post_login: Any) -> None:
    client = Client()
    post_login(client, "alice")
    secret, codes = _enrol(client, district.alice)
    assert len(codes) == services.RECOVERY_CODES
    assert AccountSecurity.objects.get(user=district.alice).totp_enabled
    client.post("/logout/")

    # Password alone is not enough: pages and the API wait for the code.
    second = Client()
    post_login(second, "alice")
    held = second.get("/items/")
    assert held.status_code == 302 and held["Location"].startswith("/accounts/otp/")
    assert second.get("/api/items/").status_code == 401
    wrong = second.post("/accounts/otp/", {"code": "000000"})
    assert wrong.status_code == 422 and "不正确" in wrong.content.decode()
    code = totp.totp(totp.secret_bytes(secret), time.time())
    assert second.post("/accounts/otp/", {"code": code, "next": "/items/"})["Location"] == "/items/"
    assert second.get("/items/").status_code == 200

    # The same code cannot be replayed in another session.
    third = Client()
    post_login(third, "alice")
    assert third.post("/accounts/otp/", {"code": code}).status_code == 422
    # A recovery code works once.
    assert third.post("/accounts/otp/", {"code": codes[0]}).status_code == 302
    assert third.get("/items/").status_code == 200
    fourth = Client()
    post_login(fourth, "alice")
    assert fourth.post("/accounts/otp/", {"code": codes[0]}).status_code == 422
    assert AuditKind.TOTP_ENABLED in _kinds(district.alice)
    assert AuditKind.SECOND_FACTOR_FAILED in _kinds(district.alice)


def test_otp_next_does_not_redirect_off_site(district: District, post_login: Any) -> None:
    client = Client()
    post_login(client, "alice")
    secret, _ = _enrol(client, district.alice)
    other = Client()
    post_login(other, "alice")
    code = totp.totp(totp.secret_bytes(secret), time.time() + 30)
    response = other.post("/accounts/otp/", {"code": code, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_disabling_totp_needs_the_password(district: District, post_login: Any) -> None:
    client = Client()
    post_login(client, "alice")
    _enrol(client, district.alice)
    client.post("/accounts/totp/disable/", {"password": "wrong"})
    assert AccountSecurity.objects.get(user=district.alice).totp_enabled
    client.post("/accounts/totp/disable/", {"password": PASSWORD})
    assert not AccountSecurity.objects.get(user=district.alice).totp_enabled


# --- login history ---------------------------------------------------------------------------------


def test_login_history_is_visible_to_the_person_and_only_theirs(district: District, post_login: Any) -> None:
    post_login(Client(), "alice", "wrong-password")
    client = Client()
    post_login(client, "alice", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="TestBrowser/1.0")
    post_login(Client(), "ursula")
    page = client.get("/accounts/").content.decode()
    assert "10.1.2.3" in page and "TestBrowser/1.0" in page
    assert "登录成功" in page and "登录失败" in page
    assert page.count('data-kind="login"') == 1  # ursula's login is not on alice's page
    client.post("/logout/")
    assert _kinds(district.alice)[-3:] == [AuditKind.LOGIN_FAILED, AuditKind.LOGIN, AuditKind.LOGOUT]


def test_unknown_username_failures_are_audited(district: District, post_login: Any) -> None:
    post_login(Client(), "nobody-here", "x")
    assert AuditRecord.objects.filter(kind=AuditKind.LOGIN_FAILED, subject_name="nobody-here").exists()
