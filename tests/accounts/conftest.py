from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.factories import PASSWORD


def login(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/login/", {"username": username, "password": password}, **extra)


@pytest.fixture
def post_login() -> Any:
    return login


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    """New passwords hash with MD5 here (PBKDF2 would dominate the run); the factories' PBKDF2 hash still checks."""
    from tests.factories import _password_hash

    _password_hash()  # the factories cache their PBKDF2 hash first, so other test files never see an MD5 one
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture
def as_user() -> Any:
    from tests.factories import client_for

    return client_for
