"""Acceptance (issue 15, item 2): on the local runtime, an operator signed in through the API
with a websocket open is disabled (or deleted, or signed out everywhere) in Cognito (moto's
server, as ops do it in the console), and then the API answers 401 `token_revoked` and the
websocket is closed within the revocation period.

Time is scaled, not slept: this runtime's settings shorten the production values
(HANDOVER_TOKEN_CHECK_SECONDS 60 s -> 2 s, the schedules' minute -> 1 s) so a "within a
minute" is seen within seconds; HANDOVER_REAUTH_SECONDS keeps its production 30 s, so a silent
socket can only be closed here by the sweep's Cognito check, not by its missed re-confirmations.
The same code runs as in AWS: GetUser and AdminGetUser against moto's server, DeleteConnection
against the local gateway's management API, the sweep as a scheduled function.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import boto3
import pytest
import requests
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from local_runtime.testing import running_runtime
from tests.integration.helpers import run

CHECK_SECONDS = 2.0
SCHEDULE_SECONDS = 1.0
# Scaled "within 60 s": one check period (the API) or one sweep (sockets), plus the slack a
# loaded 2-core test machine needs to run the sweep and the gateway.
WITHIN_SECONDS = CHECK_SECONDS + SCHEDULE_SECONDS + 6.0
PASSWORD = "Revoked-0perator!"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    env = {"HANDOVER_SCHEDULE_SECONDS": str(SCHEDULE_SECONDS), "HANDOVER_TOKEN_CHECK_SECONDS": str(CHECK_SECONDS),
           "HANDOVER_REAUTH_SECONDS": "30"}
    with running_runtime(tmp_path_factory.mktemp("revocation-runtime"), demo=False, env=env) as rt:
        yield rt


class Console:
    """What ops do in the Cognito console, against the runtime's moto server."""

    def __init__(self, runtime) -> None:
        self.idp = boto3.client("cognito-idp", endpoint_url=runtime.backends["moto_endpoint"], region_name="us-east-1",
                                aws_access_key_id="local", aws_secret_access_key="local")
        self.pool = self.idp.list_user_pools(MaxResults=10)["UserPools"][0]["Id"]

    def create(self) -> str:
        username = f"op-{uuid.uuid4().hex[:8]}"
        self.idp.admin_create_user(UserPoolId=self.pool, Username=username, MessageAction="SUPPRESS")
        self.idp.admin_set_user_password(UserPoolId=self.pool, Username=username, Password=PASSWORD, Permanent=True)
        return username

    def revoke(self, how: str, username: str) -> None:
        if how == "disable":
            self.idp.admin_disable_user(UserPoolId=self.pool, Username=username)
        elif how == "delete":
            self.idp.admin_delete_user(UserPoolId=self.pool, Username=username)
        else:
            self.idp.admin_user_global_sign_out(UserPoolId=self.pool, Username=username)


def sign_in(runtime, username: str) -> str:
    response = requests.post(f"{runtime.url}/api/auth/login", json={"username": username, "password": PASSWORD},
                             timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def me(runtime, token: str) -> requests.Response:
    return requests.get(f"{runtime.url}/api/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)


def ws_url(runtime, token: str) -> str:
    response = requests.post(f"{runtime.url}/api/ws-ticket", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    return f"{body['ws_url']}?ticket={body['ticket']}"


class Socket:
    """A websocket client that records every frame and when the server closed it;
    `reauth` makes it behave like the UI (a `reauth` frame every 0.5 s)."""

    def __init__(self, url: str, token: str, *, reauth: bool) -> None:
        self.url, self.token, self.reauth = url, token, reauth
        self.frames: list[dict[str, Any]] = []
        self.closed_at: float | None = None
        self.ws: Any = None

    async def open(self) -> None:
        self.ws = await connect(self.url, open_timeout=10)
        self.reader = asyncio.create_task(self._read())
        self.sender = asyncio.create_task(self._reauth()) if self.reauth else None

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                self.frames.append(json.loads(raw))
        except ConnectionClosed:
            pass
        self.closed_at = time.monotonic()

    async def _reauth(self) -> None:
        while self.closed_at is None:
            try:
                await self.ws.send(json.dumps({"action": "reauth", "access_token": self.token}))
            except ConnectionClosed:
                return
            await asyncio.sleep(0.5)

    async def still_open(self) -> bool:
        before = len(self.frames)
        await self.ws.send('{"action": "ping"}')
        for _ in range(50):
            if any(f.get("type") == "pong" for f in self.frames[before:]):
                return True
            await asyncio.sleep(0.1)
        return False

    async def close(self) -> None:
        if self.sender:
            self.sender.cancel()
        await self.ws.close()


async def _until(check, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if await check():
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {timeout} s")


@pytest.mark.parametrize("how", ["disable", "delete", "global sign-out"])
def test_a_revoked_operator_loses_the_api_and_the_websocket_within_the_period(runtime, how):
    console = Console(runtime)
    revoked, colleague = console.create(), console.create()
    token, colleague_token = sign_in(runtime, revoked), sign_in(runtime, colleague)
    assert me(runtime, token).status_code == 200

    async def scenario() -> dict[str, float]:
        ui = Socket(ws_url(runtime, token), token, reauth=True)  # what static_site/js/live.js does
        silent = Socket(ws_url(runtime, token), token, reauth=False)  # a client that never re-confirms
        other = Socket(ws_url(runtime, colleague_token), colleague_token, reauth=True)
        for socket in (ui, silent, other):
            await socket.open()
        # The first re-confirmation is answered before anything is revoked (on a loaded CI
        # machine the websocket function's first invocations can take seconds, so wait for it).
        await _until(lambda: asyncio.sleep(0, any(f.get("type") == "reauthed" for f in ui.frames)), 20)
        assert ui.closed_at is None and silent.closed_at is None

        revoked_at = time.monotonic()
        await asyncio.to_thread(console.revoke, how, revoked)

        async def api_refuses() -> bool:
            response = await asyncio.to_thread(me, runtime, token)
            return response.status_code == 401 and response.json()["error"]["code"] == "token_revoked"

        took = {"api": await _until(api_refuses, WITHIN_SECONDS)}
        await _until(lambda: asyncio.sleep(0, ui.closed_at is not None), WITHIN_SECONDS - took["api"])
        took["ui socket"] = ui.closed_at - revoked_at
        # The UI's client was told why before the close: it goes to the sign-in page.
        errors = [f["error"]["code"] for f in ui.frames if f.get("type") == "error"]
        assert errors in ([], ["token_revoked"]), errors  # [] when the sweep closed it first
        if how != "global sign-out":
            # Disabled or deleted: the sweep's AdminGetUser closes even a socket that never re-confirms.
            await _until(lambda: asyncio.sleep(0, silent.closed_at is not None), WITHIN_SECONDS)
            took["silent socket"] = silent.closed_at - revoked_at
        else:
            await silent.close()  # signed out: only missed re-confirmations close it (2 x 30 s; service tests)
        assert await other.still_open(), "a colleague's connection is not touched"
        assert (await asyncio.to_thread(me, runtime, colleague_token)).status_code == 200
        await other.close()
        return took

    took = run(scenario())
    print(f"{how}: {took}")
    assert max(took.values()) < WITHIN_SECONDS
