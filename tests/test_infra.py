"""Set-up and serving: vendor assets served locally, `duban serve` start-up rules, the two commands."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
VENDOR = Path(settings.BASE_DIR) / "static" / "vendor"

# The vendor assets scripts/lib.sh installs from npm, by URL; the UI links exactly these (README).
VENDOR_ASSETS = {
    "/static/vendor/echarts/echarts.min.js": "javascript",
    "/static/vendor/leaflet/leaflet.js": "javascript",
    "/static/vendor/leaflet/leaflet.css": "text/css",
    "/static/vendor/leaflet/images/marker-icon.png": "image/png",
    "/static/vendor/leaflet/images/layers.png": "image/png",
}

on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
sqlite_only = pytest.mark.skipif(on_postgres, reason="starts `duban serve` on its own SQLite; runs in the SQLite stage")


def vendor_installed() -> bool:
    return all((VENDOR / url.removeprefix("/static/vendor/")).is_file() for url in VENDOR_ASSETS)


@pytest.mark.skipif(not vendor_installed(), reason="vendor assets not installed (scripts/run or scripts/test does it)")
@pytest.mark.parametrize(("url", "content_type"), sorted(VENDOR_ASSETS.items()))
def test_vendor_assets_are_served_locally(url: str, content_type: str) -> None:
    """No CDN: ECharts and Leaflet answer from duban itself (WhiteNoise), no login needed."""
    response = Client().get(url)
    assert response.status_code == 200
    assert content_type in response["Content-Type"]
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert body == (VENDOR / url.removeprefix("/static/vendor/")).read_bytes()


def test_unknown_static_file_is_404() -> None:
    assert Client().get("/static/vendor/echarts/no-such-file.js").status_code == 404


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def duban_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DUBAN_", "DJANGO_"))}
    return {**env, "DUBAN_DATA_DIR": str(data_dir), **extra}


def duban(env: dict[str, str], *args: str, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "duban", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


@sqlite_only
def test_serve_refuses_to_start_with_unapplied_migrations(tmp_path: Path) -> None:
    result = duban(duban_env(tmp_path), "serve", "--port", str(free_port()))
    assert result.returncode != 0
    assert "duban migrate" in result.stderr and "迁移尚未执行" in result.stderr and "unapplied" in result.stderr
    assert not (tmp_path / "static").exists()  # stopped before doing anything


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": "duban.example.gov.cn", **(headers or {})})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@pytest.fixture
def production_server(tmp_path: Path) -> Iterator[int]:
    """`duban serve` with the production settings, as behind nginx on the same machine."""
    env = duban_env(tmp_path, DUBAN_PRODUCTION="1", DUBAN_SECRET_KEY=secrets.token_urlsafe(50),
                    DUBAN_ALLOWED_HOSTS="duban.example.gov.cn")
    migrated = duban(env, "migrate", "--no-input", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "duban", "serve", "--port", str(port), "--threads", "2"],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "duban serve did not start: " + (tmp_path / "serve.log").read_text()
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@sqlite_only
def test_serve_in_production_behind_a_reverse_proxy(production_server: int) -> None:
    """HTTP is redirected to HTTPS; the proxy's X-Forwarded-Proto is believed (no redirect loop); static
    files come collected and gzip-compressed."""
    status, headers, _ = get(production_server, "/login/")
    assert status == 301 and headers["location"] == "https://duban.example.gov.cn/login/"

    https = {"X-Forwarded-Proto": "https"}
    status, headers, body = get(production_server, "/login/", https)
    assert status == 200 and "登录" in body.decode()
    assert "secure" in headers["set-cookie"].lower() and "strict-transport-security" in headers

    status, headers, body = get(production_server, "/static/admin/css/base.css",
                                {**https, "Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("content-encoding") == "gzip"
    if vendor_installed():
        status, headers, _ = get(production_server, "/static/vendor/echarts/echarts.min.js", https)
        assert status == 200 and "javascript" in headers["content-type"]

    status, _, _ = get(production_server, "/login/", {**https, "Host": "evil.example.com"})
    assert status == 400  # DUBAN_ALLOWED_HOSTS


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = ROOT / ".ci" / "run"
    commands = [line for line in ci.read_text().splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert any(re.search(r"\bscripts/test\b", line) for line in commands)
    assert not any(re.search(r"\b(pytest|ruff|mypy)\b", line) for line in commands)  # nothing of its own
    for script in (ci, ROOT / "scripts" / "run", ROOT / "scripts" / "test"):
        assert script.stat().st_mode & stat.S_IXUSR, f"{script} is not executable"
        syntax = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
        assert syntax.returncode == 0, syntax.stderr
    readme = (ROOT / "README.md").read_text()
    assert "scripts/run" in readme and "scripts/test" in readme


def test_readme_lists_only_real_commands() -> None:
    """Every `duban X` in the README's command table runs (an alias of duban.cli or a Django command)."""
    from django.core.management import get_commands

    from duban.cli import ALIASES

    known = set(ALIASES) | set(get_commands())
    listed = re.findall(r"^\| `duban ([a-z][a-z_-]*)", (ROOT / "README.md").read_text(), flags=re.MULTILINE)
    assert listed, "README has no command table"
    assert sorted(set(listed) - known) == []


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="not a git checkout")
def test_vendor_assets_are_never_committed() -> None:
    result = subprocess.run(["git", "check-ignore", "-q", "src/duban/static/vendor/echarts/echarts.min.js"],
                            cwd=ROOT, capture_output=True, check=False)
    assert result.returncode == 0, "src/duban/static/vendor/ must be gitignored (installed from npm)"
