"""Settings: database URLs and the production hardening that `check --deploy` verifies."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest

from duban.settings import database_from_url


def test_database_url_with_unix_socket_and_tcp() -> None:
    socket = database_from_url("postgresql://postgres@/duban?host=/tmp/pg")
    assert (socket["NAME"], socket["USER"], socket["HOST"]) == ("duban", "postgres", "/tmp/pg")
    tcp = database_from_url("postgres://u:p%40ss@127.0.0.1:5433/db")
    assert (tcp["HOST"], tcp["PORT"], tcp["PASSWORD"]) == ("127.0.0.1", "5433", "p@ss")
    with pytest.raises(ValueError, match="mysql"):
        database_from_url("mysql://x@y/z")


def test_database_url_as_scripts_test_builds_it() -> None:
    """scripts/test points the suite at its throw-away server this way (socket only, no TCP, trust auth)."""
    db = database_from_url("postgresql://postgres@/duban?host=/tmp/duban-pg.Ab12Cd")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["PASSWORD"]) == ("/tmp/duban-pg.Ab12Cd", "", "")
    assert database_from_url("postgresql://app@db.internal/")["NAME"] == "duban"  # default name


@pytest.mark.parametrize("url", ["sqlite:///var/duban.sqlite3", "mysql://u@h/db", "duban", "/tmp/pg", "http://h/db"])
def test_database_url_rejects_anything_but_postgresql(url: str) -> None:
    with pytest.raises(ValueError, match="DUBAN_DATABASE_URL"):
        database_from_url(url)


def test_production_settings_pass_check_deploy(tmp_path: object) -> None:
    env = {**os.environ, "DUBAN_PRODUCTION": "1", "DUBAN_SECRET_KEY": secrets.token_urlsafe(50),
           "DUBAN_ALLOWED_HOSTS": "duban.example.gov.cn", "DUBAN_DATA_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "duban.settings"}
    env.pop("DUBAN_DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the test session for the live server only
    result = subprocess.run([sys.executable, "-m", "duban", "check", "--deploy", "--fail-level", "WARNING"],
                            env=env, capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    insecure = {**env, "DUBAN_PRODUCTION": "0"}
    result = subprocess.run([sys.executable, "-m", "duban", "check", "--deploy", "--fail-level", "WARNING"],
                            env=insecure, capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode != 0 and "security" in (result.stdout + result.stderr)
