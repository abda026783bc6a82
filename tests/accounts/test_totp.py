"""RFC 6238 TOTP against the RFC's appendix B test vectors (issue #8 §1: optional second factor)."""

from __future__ import annotations

import base64

import pytest

from duban.accounts import totp

SHA1_KEY = b"12345678901234567890"
SHA256_KEY = b"12345678901234567890123456789012"
SHA512_KEY = b"1234567890123456789012345678901234567890123456789012345678901234"

# RFC 6238 appendix B: (time, sha1, sha256, sha512), 8 digits.
VECTORS = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


@pytest.mark.parametrize(("t", "sha1", "sha256", "sha512"), VECTORS)
def test_rfc6238_appendix_b_vectors(t: int, sha1: str, sha256: str, sha512: str) -> None:
    assert totp.totp(SHA1_KEY, t, digits=8) == sha1
    assert totp.totp(SHA256_KEY, t, digits=8, algorithm="sha256") == sha256
    assert totp.totp(SHA512_KEY, t, digits=8, algorithm="sha512") == sha512


def test_rfc4226_hotp_vectors() -> None:
    expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
    assert [totp.hotp(SHA1_KEY, c) for c in range(10)] == expected


def test_matching_step_accepts_one_step_of_clock_drift_and_nothing_more() -> None:
    secret = base64.b32encode(SHA1_KEY).decode().rstrip("=")
    now = 1111111111
    step = totp.time_step(now)
    code = totp.totp(SHA1_KEY, now)
    assert totp.matching_step(secret, code, now) == step
    assert totp.matching_step(secret, code, now + 30) == step  # the phone is 30 s behind
    assert totp.matching_step(secret, code, now + 90) is None
    assert totp.matching_step(secret, "12345", now) is None
    assert totp.matching_step(secret, "abcdef", now) is None


def test_new_secret_is_base32_of_160_bits_and_uri_names_the_issuer() -> None:
    secret = totp.new_secret()
    assert len(totp.secret_bytes(secret)) == 20
    uri = totp.provisioning_uri(secret, "alice", "督查督办")
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
