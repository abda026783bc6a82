"""Django settings for duban.

Everything that differs between a laptop demo and a production server comes from environment
variables, so the same package runs everywhere:

- ``DUBAN_DATABASE_URL``: ``postgresql://user:pass@host:port/name`` (``?host=/run/postgresql`` for a
  unix socket). Unset → SQLite (WAL) in ``DUBAN_DATA_DIR``.
- ``DUBAN_DATA_DIR``: where SQLite, uploads and backups live (default ``./var``).
- ``DUBAN_DEBUG``, ``DUBAN_SECRET_KEY``, ``DUBAN_ALLOWED_HOSTS`` (comma separated).
- ``DUBAN_PRODUCTION=1``: secure cookies, HSTS, HTTPS redirect (``DUBAN_SSL_REDIRECT=0`` to leave that
  to the reverse proxy); ``manage.py check --deploy`` then reports nothing (tests/test_settings.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("DUBAN_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)  # SQLite cannot create its file in a missing directory

DEBUG = os.environ.get("DUBAN_DEBUG", "0") == "1"
SECRET_KEY = os.environ.get("DUBAN_SECRET_KEY", "duban-insecure-development-key-change-me-in-production")
ALLOWED_HOSTS = [h for h in os.environ.get("DUBAN_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "duban.org",
    "duban.ledger",
    "duban.workcal",
    "duban.items",
    "duban.urging",
    "duban.notify",
    "duban.inspections",
    "duban.accountability",
    "duban.documents",
    "duban.scoring",
    "duban.grid",
    "duban.accounts",
    "duban.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "duban.accounts.middleware.RateLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "duban.accounts.middleware.AccountSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "duban.urls"
WSGI_APPLICATION = "duban.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "duban.web.context.navigation",
            ],
        },
    }
]


def database_from_url(url: str) -> dict[str, object]:
    """Turn ``postgresql://user:pass@host:port/name?host=/socket/dir`` into a Django DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"DUBAN_DATABASE_URL: unsupported scheme {parsed.scheme!r} (use postgresql://)")
    query = parse_qs(parsed.query)
    host = query.get("host", [parsed.hostname or ""])[0]
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")) or "duban",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": host,
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": 60,
        "TEST": {"NAME": query.get("test_name", [None])[0]},
    }


_database_url = os.environ.get("DUBAN_DATABASE_URL", "")
if _database_url:
    DATABASES = {"default": database_from_url(_database_url)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("DUBAN_SQLITE_PATH", str(DATA_DIR / "duban.sqlite3")),
            # WAL + IMMEDIATE transactions: readers never block the writer and two writers queue
            # instead of failing with "database is locked" half-way through a transaction.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {"NAME": os.environ.get("DUBAN_SQLITE_TEST_PATH") or None},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

# Password policy (等级保护 2.0 level 3 身份鉴别, issue #8): length, three of four character classes, not a
# common password, no reuse of the last five; lockout and change-on-first-login in duban.accounts.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "duban.accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "duban.accounts.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "duban.accounts.passwords.HistoryValidator", "OPTIONS": {"depth": 5}},
]
# LockoutBackend decides every password sign-in (it never falls through on a known user); ModelBackend stays
# listed so sessions created for it (scripts, benchmarks) remain valid.
AUTHENTICATION_BACKENDS = ["duban.accounts.backends.LockoutBackend", "django.contrib.auth.backends.ModelBackend"]
DUBAN_LOGIN_MAX_FAILURES = int(os.environ.get("DUBAN_LOGIN_MAX_FAILURES", 5))
DUBAN_LOGIN_LOCKOUT_SECONDS = int(os.environ.get("DUBAN_LOGIN_LOCKOUT_SECONDS", 15 * 60))
# Audit log retention: at least six months (183 days); `duban audit purge` refuses younger records.
DUBAN_AUDIT_RETENTION_DAYS = int(os.environ.get("DUBAN_AUDIT_RETENTION_DAYS", 183))
# Rate limits (duban.accounts.ratelimit, counted in the database so every server process shares them).
DUBAN_RATE_LIMITS = [
    {"prefix": "/login/", "methods": ["POST"], "limit": int(os.environ.get("DUBAN_LOGIN_RATE", 10)),
     "window": 300, "by": "ip+username"},
    {"prefix": "/login/", "methods": ["POST"], "limit": int(os.environ.get("DUBAN_LOGIN_IP_RATE", 100)),
     "window": 300, "by": "ip"},
    {"prefix": "/grid/public/", "limit": int(os.environ.get("DUBAN_PUBLIC_RATE", 120)), "window": 60},
    {"prefix": "/open311/", "methods": ["POST"], "limit": int(os.environ.get("DUBAN_OPEN311_POST_RATE", 20)),
     "window": 60},
    {"prefix": "/open311/", "limit": int(os.environ.get("DUBAN_OPEN311_RATE", 300)), "window": 60},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:todo"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
# Only Simplified Chinese ships: a browser asking for English must not get English dates and number
# formats around Chinese text (LocaleMiddleware can only choose a listed language).
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Static files are served by WhiteNoise. `duban serve` collects them into STATIC_ROOT with gzip copies and
# serves those; everywhere else (tests, runserver) the finders serve them in place. The vendor assets
# (ECharts, Leaflet) come from npm at setup into src/duban/static/vendor/ (see scripts/lib.sh).
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"

# Attachments (S0-14 archive completeness): size and type limits, checked in duban.items.attachments.
DUBAN_ATTACHMENT_MAX_BYTES = int(os.environ.get("DUBAN_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024))
DUBAN_ATTACHMENT_EXTENSIONS = (
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".wps", ".et", ".ofd", ".txt",
    ".jpg", ".jpeg", ".png", ".zip",
)
DATA_UPLOAD_MAX_MEMORY_SIZE = DUBAN_ATTACHMENT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Urging and reporting policy (SPEC §3): a preset in src/duban/presets (urging_s0, urging_blue_orange_red)
# or the path of an office's own TOML file; `duban urging-policy check FILE` validates one.
DUBAN_URGING_POLICY = os.environ.get("DUBAN_URGING_POLICY", "urging_s0")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("DUBAN_SESSION_SECONDS", 8 * 3600))
# Idle timeout (等级保护: 登录连接超时自动退出): no request for this long ends the session.
DUBAN_SESSION_IDLE_SECONDS = int(os.environ.get("DUBAN_SESSION_IDLE_SECONDS", 30 * 60))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads it to send X-CSRFToken
X_FRAME_OPTIONS = "DENY"

if os.environ.get("DUBAN_PRODUCTION") == "1":
    DEBUG = False
    SECURE_SSL_REDIRECT = os.environ.get("DUBAN_SSL_REDIRECT", "1") == "1"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"duban": {"handlers": ["console"], "level": os.environ.get("DUBAN_LOG_LEVEL", "INFO")}},
}
