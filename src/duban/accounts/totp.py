"""RFC 6238 time-based one-time passwords (RFC 4226 HOTP underneath), standard library only.

Tested against the RFC 6238 appendix B vectors (tests/accounts/test_totp.py). Authenticator apps
(Google Authenticator, Microsoft Authenticator, 腾讯身份验证器 …) use SHA-1, 6 digits, 30 s steps.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote

STEP = 30
DIGITS = 6


def hotp(key: bytes, counter: int, *, digits: int = DIGITS, algorithm: str = "sha1") -> str:
    mac = hmac.new(key, struct.pack(">Q", counter), getattr(hashlib, algorithm)).digest()
    offset = mac[-1] & 0x0F
    code = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(code % 10**digits).zfill(digits)


def time_step(unix_time: float, *, step: int = STEP) -> int:
    return int(unix_time // step)


def totp(key: bytes, unix_time: float, *, digits: int = DIGITS, algorithm: str = "sha1", step: int = STEP) -> str:
    return hotp(key, time_step(unix_time, step=step), digits=digits, algorithm=algorithm)


def new_secret() -> str:
    """A random 160-bit key, base32 without padding (what authenticator apps expect)."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def secret_bytes(secret: str) -> bytes:
    s = secret.strip().replace(" ", "").upper()
    return base64.b32decode(s + "=" * (-len(s) % 8))


def matching_step(secret: str, code: str, unix_time: float, *, window: int = 1) -> int | None:
    """The time step within ±``window`` steps whose code equals ``code`` (constant-time compare), or None."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    key = secret_bytes(secret)
    now = time_step(unix_time)
    found: int | None = None
    for step in range(now - window, now + window + 1):
        if hmac.compare_digest(hotp(key, step), code):
            found = step
    return found


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    label = quote(f"{issuer}:{account}")
    return f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer)}&algorithm=SHA1&digits=6&period=30"
