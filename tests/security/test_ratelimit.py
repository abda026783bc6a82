"""Rate limits (issue #8 §4): login (per address + username, and per address), the public grid page and the
Open311 intake; counted in the database so every server process shares them; 429 in Chinese + Retry-After."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from duban.accounts import ratelimit
from duban.accounts.models import AuditKind, AuditRecord, RateCounter
from tests.factories import PASSWORD, District

pytestmark = pytest.mark.django_db

LIMITS = [
    {"prefix": "/login/", "methods": ["POST"], "limit": 3, "window": 300, "by": "ip+username"},
    {"prefix": "/login/", "methods": ["POST"], "limit": 6, "window": 300, "by": "ip"},
    {"prefix": "/grid/public/", "limit": 4, "window": 60},
    {"prefix": "/open311/", "methods": ["POST"], "limit": 2, "window": 60},
]


def _client(ip: str) -> Client:
    return Client(REMOTE_ADDR=ip)


@override_settings(DUBAN_RATE_LIMITS=LIMITS)
def test_login_is_limited_per_address_and_username_with_a_chinese_429(district: District) -> None:
    c = _client("10.0.0.1")
    for _ in range(3):
        assert c.post("/login/", {"username": "alice", "password": "wrong"}).status_code == 200
    refused = c.post("/login/", {"username": "alice", "password": PASSWORD})
    assert refused.status_code == 429
    assert "请求过于频繁" in refused.content.decode()
    assert 1 <= int(refused["Retry-After"]) <= 300
    assert "_auth_user_id" not in c.session
    # Another username from the same address, and the same username from another address, still get through.
    assert c.post("/login/", {"username": "ursula", "password": PASSWORD}).status_code == 302
    assert _client("10.0.0.2").post("/login/", {"username": "alice", "password": PASSWORD}).status_code == 302
    # GET of the login page is never limited.
    assert c.get("/login/").status_code == 200
    assert AuditRecord.objects.filter(kind=AuditKind.RATE_LIMITED, ip="10.0.0.1").count() == 1


@override_settings(DUBAN_RATE_LIMITS=LIMITS)
def test_login_spraying_many_usernames_from_one_address_is_limited(district: District) -> None:
    c = _client("10.0.0.3")
    names = ["alice", "olga", "gina", "ursula", "colin", "sam", "oscar"]
    codes = [c.post("/login/", {"username": n, "password": "wrong"}).status_code for n in names]
    assert codes[:6] == [200] * 6 and codes[6] == 429


@override_settings(DUBAN_RATE_LIMITS=LIMITS)
@pytest.mark.urls("tests.security.urls_ratelimit")
def test_public_grid_page_and_open311_intake_are_limited(db: None) -> None:
    c = _client("10.0.0.4")
    assert [c.get("/grid/public/").status_code for _ in range(5)] == [200, 200, 200, 200, 429]
    post = [c.post("/open311/v2/requests.json", {"description": "路灯不亮"}).status_code for _ in range(3)]
    assert post == [201, 201, 429]
    refused = c.post("/open311/v2/requests.json", {"description": "x"})
    assert refused["Content-Type"].startswith("application/json")
    assert "请求过于频繁" in refused.json()["detail"] and refused["Retry-After"]
    assert c.get("/open311/v2/requests.json").status_code == 200  # reads are not limited by the POST rule
    assert _client("10.0.0.5").get("/grid/public/").status_code == 200


def test_counter_is_shared_through_the_database_and_windows_roll_over(db: None) -> None:
    assert ratelimit.hit("k", 60, now=1000.0) == (1, 20)
    assert ratelimit.hit("k", 60, now=1010.0) == (2, 10)
    assert RateCounter.objects.get(key="k").count == 2  # one row any process can read and bump
    assert ratelimit.hit("k", 60, now=1021.0)[0] == 1  # next window
    assert ratelimit.purge_old(now=1021.0 + 86400 * 2) == 2


def test_rules_come_from_settings() -> None:
    from django.conf import settings

    prefixes = {r["prefix"] for r in settings.DUBAN_RATE_LIMITS}
    assert {"/login/", "/grid/public/", "/open311/"} <= prefixes


