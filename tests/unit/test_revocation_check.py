"""Cognito's word on a token (GetUser), cached per token: once per period, a revoked token
is refused for good, an outage is tolerated only for recently confirmed tokens."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from chalicelib.auth.revocation import RevocationCheck, TokenRevoked, token_key
from chalicelib.domain.errors import Busy


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Cognito:
    """GetUser as Cognito answers it: `revoked` tokens get NotAuthorizedException."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.revoked: set[str] = set()
        self.deleted: set[str] = set()
        self.down = False

    def get_user(self, token: str) -> dict:
        self.calls.append(token)
        if self.down:
            raise EndpointConnectionError(endpoint_url="https://cognito-idp.us-east-1.amazonaws.com")
        if token in self.revoked:
            raise ClientError({"Error": {"Code": "NotAuthorizedException", "Message": "Access Token has been revoked"}},
                              "GetUser")
        if token in self.deleted:
            raise ClientError({"Error": {"Code": "UserNotFoundException", "Message": "User does not exist."}},
                              "GetUser")
        return {"Username": "alice"}


def check(cognito: Cognito, clock: Clock, **kw) -> RevocationCheck:
    return RevocationCheck(cognito.get_user, monotonic=clock, **kw)


def test_cognito_is_asked_once_per_token_per_period():
    cognito, clock = Cognito(), Clock()
    revocation = check(cognito, clock, check_seconds=60)
    for _ in range(5):
        revocation.confirm("token-a")
    revocation.confirm("token-b")
    assert cognito.calls == ["token-a", "token-b"]
    clock.now += 59.9
    revocation.confirm("token-a")
    assert len(cognito.calls) == 2
    clock.now += 0.1
    revocation.confirm("token-a")
    assert cognito.calls[-1] == "token-a" and len(cognito.calls) == 3


def test_a_revoked_token_is_refused_within_the_period_and_then_for_good():
    cognito, clock = Cognito(), Clock()
    revocation = check(cognito, clock, check_seconds=60)
    revocation.confirm("token-a")
    cognito.revoked.add("token-a")  # ops disable the user, or sign them out everywhere
    clock.now += 30
    revocation.confirm("token-a")  # still within the minute: accepted, no call
    clock.now += 30
    with pytest.raises(TokenRevoked) as refused:
        revocation.confirm("token-a")
    assert refused.value.code == "token_revoked"
    calls = len(cognito.calls)
    clock.now += 600
    for _ in range(3):
        with pytest.raises(TokenRevoked):
            revocation.confirm("token-a")
    assert len(cognito.calls) == calls, "a revoked token costs no more Cognito calls"


def test_a_deleted_user_is_revoked_too():
    cognito, clock = Cognito(), Clock()
    cognito.deleted.add("token-a")
    with pytest.raises(TokenRevoked):
        check(cognito, clock).confirm("token-a")


def test_max_age_asks_again_sooner():
    cognito, clock = Cognito(), Clock()
    revocation = check(cognito, clock, check_seconds=60)
    revocation.confirm("token-a")
    clock.now += 31
    revocation.confirm("token-a", max_age=30)
    assert len(cognito.calls) == 2
    revocation.confirm("token-a", max_age=1000)  # never longer than the period
    clock.now += 61
    revocation.confirm("token-a", max_age=1000)
    assert len(cognito.calls) == 3


def test_cognito_unreachable_keeps_recent_tokens_and_refuses_unconfirmed_ones():
    cognito, clock = Cognito(), Clock()
    revocation = check(cognito, clock, check_seconds=60, grace_seconds=300)
    revocation.confirm("known")
    cognito.down = True
    clock.now += 120
    revocation.confirm("known")  # confirmed 2 minutes ago: within the grace
    with pytest.raises(Busy):
        revocation.confirm("never-confirmed")
    clock.now += 200
    with pytest.raises(Busy):
        revocation.confirm("known")  # past the grace: a 503, not a pass
    cognito.down = False
    revocation.confirm("known")


def test_throttling_is_an_outage_not_a_revocation():
    clock = Clock()

    def throttled(token: str) -> None:
        raise ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "Rate exceeded"}}, "GetUser")

    with pytest.raises(Busy):
        RevocationCheck(throttled, monotonic=clock).confirm("token-a")


def test_the_cache_is_bounded_and_keyed_by_a_hash():
    cognito, clock = Cognito(), Clock()
    revocation = check(cognito, clock, max_entries=3)
    for name in ("a", "b", "c", "d"):
        revocation.confirm(f"token-{name}")
    assert len(revocation._verdicts) == 3
    assert "token-a" not in str(list(revocation._verdicts))
    assert token_key("token-d") in revocation._verdicts
    revocation.confirm("token-a")  # forgotten (the oldest), so asked again
    assert cognito.calls.count("token-a") == 2
