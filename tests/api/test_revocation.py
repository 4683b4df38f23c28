"""Revocation within a minute (docs/security.md): an operator disabled, deleted or signed out
everywhere in Cognito (moto, in-process) loses the API within the check period, and their
websockets at their next `reauth` frame or at the per-minute sweep. Time is driven by hand:
the revocation check's monotonic clock and the sweep's clock."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.adapters.notifier import ManagementApiNotifier
from chalicelib.auth.directory import OperatorDirectory
from chalicelib.bootstrap import services
from chalicelib.clock import SystemClock
from chalicelib.live.revocations import RevocationSweep
from tests.api.conftest import ADMIN, OPERATOR, PASSWORD, SECOND_OPERATOR


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class LaterClock(SystemClock):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def now(self):  # type: ignore[override]
        return super().now() + timedelta(seconds=self.seconds)


class Management:
    """API Gateway's management API: records frames and closed connections."""

    def __init__(self) -> None:
        self.frames: dict[str, list[dict[str, Any]]] = {}
        self.closed: list[str] = []

    def post_to_connection(self, ConnectionId: str, Data: bytes) -> dict:
        if ConnectionId in self.closed:
            raise ClientError({"Error": {"Code": "GoneException"}, "ResponseMetadata": {"HTTPStatusCode": 410}},
                              "PostToConnection")
        self.frames.setdefault(ConnectionId, []).append(json.loads(Data))
        return {}

    def delete_connection(self, ConnectionId: str) -> dict:
        self.closed.append(ConnectionId)
        return {}


@pytest.fixture
def clock(cognito) -> Monotonic:
    monotonic = Monotonic()
    services().verifier.revocation._monotonic = monotonic
    return monotonic


@pytest.fixture
def management(cognito) -> Management:
    fake = Management()
    notifier = ManagementApiNotifier(services().settings, fake)
    services().live.notifier = notifier
    services().live.closer = notifier
    return fake


def _idp():
    return boto3.client("cognito-idp", region_name="us-east-1")


REVOCATIONS = {
    "disabled": lambda pool, user, token: _idp().admin_disable_user(UserPoolId=pool, Username=user),
    "deleted": lambda pool, user, token: _idp().admin_delete_user(UserPoolId=pool, Username=user),
    "signed out by an admin": lambda pool, user, token: _idp().admin_user_global_sign_out(UserPoolId=pool,
                                                                                         Username=user),
    "signed out everywhere": lambda pool, user, token: _idp().global_sign_out(AccessToken=token),
}


def _login(api, username: str = OPERATOR) -> dict[str, Any]:
    response = api.post("/api/auth/login", {"username": username, "password": PASSWORD}, as_=None)
    assert response.status == 200
    return response.body


@pytest.mark.parametrize("how", sorted(REVOCATIONS))
def test_a_revoked_operator_loses_the_api_within_the_check_period(api, cognito, clock, aws, how):
    session = _login(api)
    token = session["access_token"]
    assert api.get("/api/me", token=token).status == 200
    REVOCATIONS[how](cognito.pool_id, OPERATOR, token)
    aws.clear()

    clock.now += 59  # Cognito confirmed the token less than a minute ago (at the login)
    assert api.get("/api/me", token=token).status == 200
    assert [op for service, op in aws.calls if service == "cognito-idp"] == []

    clock.now += 1
    refused = api.get("/api/me", token=token)
    assert refused.status == 401
    assert refused.body["error"]["code"] == "token_revoked"
    assert refused.headers.get("WWW-Authenticate") == "Bearer"
    # Refused for good: no further Cognito call for this token, whatever the time.
    clock.now += 3600
    assert api.post("/api/ws-ticket", token=token).body["error"]["code"] == "token_revoked"
    assert [op for service, op in aws.calls if service == "cognito-idp"] == ["GetUser"]
    # The UI's way back in is a refresh: Cognito refuses that too, so it lands on sign-in.
    # (moto's REFRESH_TOKEN_AUTH crashes for a deleted user, AttributeError on None: not checked.)
    if how != "deleted":
        assert api.post("/api/auth/refresh", {"refresh_token": session["refresh_token"]}, as_=None).status == 401
    # Nobody else is affected.
    assert api.get("/api/me", as_=SECOND_OPERATOR).status == 200


def test_cognito_is_asked_once_per_token_per_period_and_dynamodb_not_at_all(api, cognito, clock, aws):
    token = cognito.token(OPERATOR)
    aws.clear()
    for _ in range(5):
        assert api.get("/api/me", token=token).status == 200
    assert [op for service, op in aws.calls if service == "cognito-idp"] == ["GetUser"]
    assert aws.dynamodb() == []
    clock.now += 60
    assert api.get("/api/me", token=token).status == 200
    assert [op for service, op in aws.calls if service == "cognito-idp"] == ["GetUser", "GetUser"]


# --- websockets ---------------------------------------------------------------------------------

def _connect(api, token: str, connection_id: str) -> str:
    ticket = api.post("/api/ws-ticket", token=token).body["ticket"]
    assert services().live.connect(connection_id, ticket) is not None
    return connection_id


def _send(connection_id: str, frame: dict[str, Any]) -> dict[str, Any] | None:
    return services().live.receive(connection_id, json.dumps(frame))


def test_a_reauth_frame_confirms_the_connection(api, cognito, clock, management, aws):
    token = cognito.token(OPERATOR)
    connection = _connect(api, token, "c-1=")
    before = services().connections.get(connection).confirmed_at
    aws.clear()
    answer = _send(connection, {"action": "reauth", "access_token": token})
    assert answer == {"type": "reauthed", "reauth_within": services().settings.reauth_seconds}
    assert aws.dynamodb() == ["UpdateItem"]  # one conditional write, nothing else
    assert services().connections.get(connection).confirmed_at >= before
    assert management.closed == []


@pytest.mark.parametrize("how", sorted(REVOCATIONS))
def test_a_revoked_operators_reauth_closes_their_websocket(api, cognito, clock, management, how):
    token = cognito.token(OPERATOR)
    connection = _connect(api, token, "c-1=")
    other = _connect(api, cognito.token(SECOND_OPERATOR), "c-2=")
    REVOCATIONS[how](cognito.pool_id, OPERATOR, token)
    # The client re-confirms every 30 s and each reauth wants Cognito's word at most 30 s old,
    # so the one after the revocation, at most 60 s later, is refused.
    clock.now += 30
    assert _send(connection, {"action": "reauth", "access_token": token}) is None
    assert management.frames[connection][-1]["error"]["code"] == "token_revoked"
    assert management.closed == [connection]
    assert services().connections.get(connection) is None
    assert _send(other, {"action": "reauth", "access_token": cognito.token(SECOND_OPERATOR)})["type"] == "reauthed"


def test_a_token_of_someone_else_does_not_confirm_a_connection(api, cognito, clock, management):
    connection = _connect(api, cognito.token(OPERATOR), "c-1=")
    assert _send(connection, {"action": "reauth", "access_token": cognito.token(ADMIN)}) is None
    assert management.frames[connection][-1]["error"]["code"] == "connection_unknown"
    assert management.closed == [connection]


@pytest.mark.parametrize("frame", [{"action": "reauth"}, {"action": "reauth", "access_token": 7},
                                   {"action": "reauth", "access_token": "not.a.jwt"}])
def test_bad_reauth_frames(api, cognito, clock, management, frame):
    connection = _connect(api, cognito.token(OPERATOR), "c-1=")
    answer = _send(connection, frame)
    if isinstance(frame.get("access_token"), str):
        assert answer is None and management.frames[connection][-1]["error"]["code"] == "unauthorized"
        assert management.closed == [connection]  # an invalid token closes, like a revoked one
    else:
        assert answer["error"]["code"] == "invalid_frame"
        assert management.closed == []


def _sweep(seconds_later: float = 0.0) -> RevocationSweep:
    current = services()
    return RevocationSweep(current.connections, current.live, OperatorDirectory(current.settings),
                           LaterClock(seconds_later), current.settings.reauth_seconds)


@pytest.mark.parametrize("how", ["deleted", "disabled"])
def test_the_sweep_closes_a_disabled_or_deleted_operators_silent_websocket(api, cognito, clock, management, aws,
                                                                           how):
    token = cognito.token(OPERATOR)
    connection = _connect(api, token, "c-1=")
    other = _connect(api, cognito.token(SECOND_OPERATOR), "c-2=")
    also_other = _connect(api, cognito.token(SECOND_OPERATOR), "c-3=")
    assert _sweep().tick() == 0
    REVOCATIONS[how](cognito.pool_id, OPERATOR, token)
    aws.clear()
    # The client never sends a reauth (a modified client): the next per-minute run closes it.
    assert _sweep().tick() == 1
    # Cost: one Query of the `online` index, one AdminGetUser per operator online, and per
    # closed connection what `$disconnect` costs (DeleteItem, the notification's UpdateItem,
    # and presence: the operator's other connections (none left), their state item, and the
    # `online` Query of the `operator.presence` broadcast, docs/assignment.md).
    assert aws.dynamodb() == ["Query", "DeleteItem", "UpdateItem", "Query", "BatchGetItem", "Query"]
    assert sorted(op for service, op in aws.calls if service == "cognito-idp") == ["AdminGetUser"] * 2
    assert management.closed == [connection]
    assert services().connections.get(other) is not None and services().connections.get(also_other) is not None


def test_the_sweep_closes_connections_that_stopped_reconfirming(api, cognito, clock, management):
    token = cognito.token(OPERATOR)
    connection = _connect(api, token, "c-1=")
    period = services().settings.reauth_seconds
    assert _sweep(2 * period - 1).tick() == 0
    assert _sweep(2 * period + 1).tick() == 1
    assert management.closed == [connection]


def test_the_sweep_keeps_connections_that_reconfirm(api, cognito, clock, management):
    token = cognito.token(OPERATOR)
    connection = _connect(api, token, "c-1=")
    period = services().settings.reauth_seconds
    services().live.clock = LaterClock(2 * period)  # the client re-confirmed a minute later
    assert _send(connection, {"action": "reauth", "access_token": token})["type"] == "reauthed"
    assert _sweep(2 * period + 1).tick() == 0
    assert management.closed == []


def test_the_scheduled_function_runs_the_sweep(api, cognito, clock, management):
    from chalicelib import handlers

    connection = _connect(api, cognito.token(OPERATOR), "c-1=")
    _idp().admin_disable_user(UserPoolId=cognito.pool_id, Username=OPERATOR)
    assert handlers.close_revoked_connections() == 1
    assert management.closed == [connection]
