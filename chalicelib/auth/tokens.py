"""Verifying Cognito access tokens in the app's own code.

API Gateway's Cognito authorizer does not run locally (Chalice's LocalGateway skips it),
so the app verifies every token itself: the same path locally and in AWS.

Checked: the RS256 signature against the pool's JWKS, `exp`, `iss` (the pool), `client_id`
(access tokens carry `client_id`, not `aud`) and `token_use == "access"` (an id token of
the same pool must not work as an access token).

Then, because a signed token outlives a disabled, deleted or signed-out operator, Cognito
confirms it is still good at most once a minute (`auth/revocation.py`).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from chalicelib.auth.operators import ADMINS_GROUP, Operator
from chalicelib.auth.revocation import RevocationCheck, cognito_get_user
from chalicelib.config import Settings
from chalicelib.domain.errors import Unauthorized

if TYPE_CHECKING:
    from jwt import PyJWK


def _jwt():
    """PyJWT, imported on first use: with `cryptography` it costs ~25 ms of every cold start,
    and most functions (bot API, websocket messages, schedules) never verify a token."""
    import jwt

    return jwt

# A JWKS fetch sits on the request path of a cold Lambda: fail fast.
JWKS_TIMEOUT_SECONDS = 2.0
# Keys rotate rarely; a container refreshes them hourly, and at once for an unknown kid.
JWKS_MAX_AGE_SECONDS = 3600.0
# An unknown kid triggers at most one refetch per this interval, so forged tokens with
# random kids cannot turn every request into a JWKS download.
JWKS_MIN_REFETCH_SECONDS = 30.0
# Clock skew tolerated on `exp`.
LEEWAY_SECONDS = 5


def fetch_json(url: str, *, allow_file: bool) -> dict[str, Any]:
    scheme = urlparse(url).scheme
    if scheme not in ("https", "http") and not (allow_file and scheme == "file"):
        raise ValueError(f"unsupported JWKS URL scheme {scheme!r}")
    with urllib.request.urlopen(url, timeout=JWKS_TIMEOUT_SECONDS) as response:
        return json.loads(response.read().decode("utf-8"))


class JwksCache:
    """The pool's signing keys, kept in memory per Lambda container."""

    def __init__(self, fetch: Callable[[], dict[str, Any]], monotonic: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self._monotonic = monotonic
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()
        self.fetches = 0

    def _refresh(self) -> None:
        self.fetches += 1
        self._fetched_at = self._monotonic()
        document = self._fetch()
        keys: dict[str, PyJWK] = {}
        for raw in document.get("keys", []):
            kid = raw.get("kid")
            if not kid or raw.get("kty") != "RSA":
                continue
            try:
                keys[kid] = _jwt().PyJWK(raw, algorithm="RS256")
            except _jwt().PyJWTError:
                continue
        self._keys = keys

    def key(self, kid: str) -> PyJWK | None:
        with self._lock:
            now = self._monotonic()
            stale = self._fetched_at is None or now - self._fetched_at > JWKS_MAX_AGE_SECONDS
            unknown = kid not in self._keys
            may_refetch = self._fetched_at is None or now - self._fetched_at >= JWKS_MIN_REFETCH_SECONDS
            if stale or (unknown and may_refetch):
                try:
                    self._refresh()
                except Exception as error:  # network, JSON: the caller sees a 401, ops see the log
                    if not self._keys:
                        raise Unauthorized("the sign-in keys cannot be loaded; try again") from error
            return self._keys.get(kid)


class TokenVerifier:
    def __init__(self, issuer: str, client_id: str, jwks: JwksCache, revocation: RevocationCheck | None = None) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.jwks = jwks
        self.revocation = revocation

    def verify(self, token: str, max_age: float | None = None) -> Operator:
        """The operator an access token names, or Unauthorized (never says which check failed;
        `token_revoked` when Cognito says the session is over). `max_age`: how old Cognito's
        last confirmation may be (default: the revocation check's period)."""
        operator = self._verify_offline(token)
        if self.revocation is not None:
            # Only after the signature: forged tokens must not cost Cognito calls.
            self.revocation.confirm(token, max_age)
        return operator

    def _verify_offline(self, token: str) -> Operator:
        if not token or not self.issuer or not self.client_id:
            raise Unauthorized("sign in first")
        try:
            header = _jwt().get_unverified_header(token)
        except _jwt().PyJWTError:
            raise Unauthorized("the access token is not valid") from None
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            raise Unauthorized("the access token is not valid")
        key = self.jwks.key(header["kid"])
        if key is None:
            raise Unauthorized("the access token is not valid")
        try:
            claims = _jwt().decode(
                token,
                key,
                algorithms=["RS256"],
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "token_use", "client_id", "username"], "verify_aud": False},
            )
        except _jwt().ExpiredSignatureError:
            raise Unauthorized("the access token has expired; refresh it", reason="expired") from None
        except _jwt().PyJWTError:
            raise Unauthorized("the access token is not valid") from None
        if claims.get("token_use") != "access" or claims.get("client_id") != self.client_id:
            raise Unauthorized("the access token is not valid")
        username = claims.get("username")
        if not isinstance(username, str) or not username:
            raise Unauthorized("the access token is not valid")
        groups = claims.get("cognito:groups") or []
        return Operator(username, ADMINS_GROUP in groups if isinstance(groups, list) else False)


def build_verifier(settings: Settings) -> TokenVerifier:
    url = settings.cognito_jwks_url
    jwks = JwksCache(lambda: fetch_json(url, allow_file=settings.is_local))
    revocation = RevocationCheck(cognito_get_user(settings), check_seconds=settings.token_check_seconds)
    return TokenVerifier(settings.cognito_issuer, settings.cognito_client_id, jwks, revocation)
