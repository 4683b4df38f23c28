"""The token verifier's JWKS cache: fetched once, refreshed when stale, refetched (rate
limited) for an unknown kid, and a JWKS outage is a 401, never a 500."""

from __future__ import annotations

import time

import jwt
import pytest
from moto.utilities.utils import load_resource

from chalicelib.auth.tokens import JWKS_MAX_AGE_SECONDS, JWKS_MIN_REFETCH_SECONDS, JwksCache, TokenVerifier
from chalicelib.domain.errors import Unauthorized

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool"
PUBLIC = load_resource("cognitoidp/resources/jwks-public.json")
PRIVATE = load_resource("cognitoidp/resources/jwks-private.json")


def token(kid: str = PRIVATE["kid"], **claims) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "client_id": "ui", "token_use": "access", "username": "alice", "exp": now + 60,
            "iat": now, "cognito:groups": ["admins"], **claims}
    return jwt.encode(body, jwt.PyJWK(PRIVATE, algorithm="RS256").key, algorithm="RS256", headers={"kid": kid})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_keys_are_cached_and_refreshed_when_stale():
    clock, fetched = Clock(), []
    cache = JwksCache(lambda: fetched.append(1) or PUBLIC, clock)
    verifier = TokenVerifier(ISSUER, "ui", cache)
    assert verifier.verify(token()).admin is True
    verifier.verify(token())
    assert len(fetched) == 1
    clock.now += JWKS_MAX_AGE_SECONDS + 1
    verifier.verify(token())
    assert len(fetched) == 2


def test_an_unknown_kid_refetches_at_most_once_per_interval():
    clock, fetched = Clock(), []
    cache = JwksCache(lambda: fetched.append(1) or PUBLIC, clock)
    verifier = TokenVerifier(ISSUER, "ui", cache)
    verifier.verify(token())
    clock.now += JWKS_MIN_REFETCH_SECONDS
    for _ in range(5):
        with pytest.raises(Unauthorized):
            verifier.verify(token(kid="rotated"))
    assert len(fetched) == 2  # one refetch, then the rate limit holds


def test_a_jwks_outage_is_401_and_known_keys_keep_working():
    clock, state = Clock(), {"down": True}

    def fetch():
        if state["down"]:
            raise OSError("connection refused")
        return PUBLIC

    verifier = TokenVerifier(ISSUER, "ui", JwksCache(fetch, clock))
    with pytest.raises(Unauthorized):
        verifier.verify(token())
    state["down"] = False
    clock.now += JWKS_MIN_REFETCH_SECONDS
    assert verifier.verify(token()).username == "alice"
    state["down"] = True
    clock.now += JWKS_MAX_AGE_SECONDS + 1
    assert verifier.verify(token()).username == "alice"  # stale keys beat no keys


def test_unconfigured_verifier_refuses_everything():
    with pytest.raises(Unauthorized):
        TokenVerifier("", "", JwksCache(lambda: PUBLIC)).verify(token())


def test_the_revocation_check_runs_only_after_the_signature():
    from chalicelib.auth.revocation import RevocationCheck, TokenRevoked

    asked: list[str] = []
    revoked: set[str] = set()

    def get_user(access_token: str) -> None:
        from botocore.exceptions import ClientError

        asked.append(access_token)
        if access_token in revoked:
            raise ClientError({"Error": {"Code": "NotAuthorizedException", "Message": "revoked"}}, "GetUser")

    verifier = TokenVerifier(ISSUER, "ui", JwksCache(lambda: PUBLIC, Clock()), RevocationCheck(get_user))
    good = token()
    assert verifier.verify(good).username == "alice"
    with pytest.raises(Unauthorized):
        verifier.verify(token(client_id="other"))
    with pytest.raises(Unauthorized):
        verifier.verify(good[:-4] + "AAAA")
    assert asked == [good], "forged or foreign tokens cost no Cognito call"
    revoked.add(good)
    assert verifier.verify(good).username == "alice"  # confirmed a moment ago
    with pytest.raises(TokenRevoked):
        verifier.verify(good, max_age=0)
