"""TOTP codes as an authenticator app computes them (RFC 6238: SHA1, 6 digits, 30 s), for
the tests that set up and use MFA against moto (which checks them when
MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true, with no window either side)."""

from __future__ import annotations

import base64
import time
from urllib.parse import parse_qs, urlparse

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

STEP = 30


def secret_of(otpauth_uri: str) -> str:
    """The secret an app reads from the QR code's otpauth:// URI."""
    parsed = urlparse(otpauth_uri)
    assert parsed.scheme == "otpauth" and parsed.netloc == "totp", otpauth_uri
    return parse_qs(parsed.query)["secret"][0]


def code_at(secret: str, at: float) -> str:
    padded = secret + "=" * (-len(secret) % 8)
    totp = TOTP(base64.b32decode(padded, casefold=True), 6, SHA1(), STEP, enforce_key_length=False)
    return totp.generate(int(at)).decode()


def fresh_code(secret: str, margin: float = 4.0) -> str:
    """The current code, waiting for the next period if this one ends within `margin` seconds
    (moto accepts only the current period's code)."""
    left = STEP - time.time() % STEP
    if left < margin:
        time.sleep(left + 0.2)
    return code_at(secret, time.time())


def wrong_code(secret: str) -> str:
    """A code that is not the current one (nor the neighbouring periods')."""
    now = time.time()
    taken = {code_at(secret, now + shift) for shift in (-STEP, 0, STEP)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in taken)
