"""The local gateway's websocket API against a small app of the tests' own
(tests/integration/gateway_app.py): handshake, events, the management API, quotas."""

from __future__ import annotations

import asyncio
import json

import pytest
import requests
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.integration.conftest import GATEWAY_IDLE_SECONDS
from tests.integration.helpers import eventually, recorded, run

TICKET = "let-me-in"


def events_of(runtime, connection_id: str) -> list[dict]:
    return [e for e in recorded(runtime, "ws") if e["requestContext"]["connectionId"] == connection_id]


async def _open(runtime, query: str = f"?ticket={TICKET}"):
    return await connect(runtime.ws_url + query, open_timeout=10)


def _connection_id(runtime, ws) -> str:
    # The app learns the id from its $connect event; the newest accepted one is ours.
    accepted = [e for e in recorded(runtime, "ws")
                if e["requestContext"]["routeKey"] == "$connect"
                and (e.get("queryStringParameters") or {}).get("ticket") == TICKET]
    return accepted[-1]["requestContext"]["connectionId"]


def test_connect_refused_when_the_connect_handler_says_no(gateway_runtime):
    async def scenario():
        with pytest.raises(InvalidStatus) as refused:
            await connect(gateway_runtime.ws_url + "?ticket=wrong", open_timeout=10)
        return refused.value.response.status_code

    assert run(scenario()) == 401
    last = [e for e in recorded(gateway_runtime, "ws") if e["requestContext"]["routeKey"] == "$connect"][-1]
    assert last["queryStringParameters"] == {"ticket": "wrong"}
    # A refused handshake opens nothing, so the app never hears a $disconnect for it.
    connection_id = last["requestContext"]["connectionId"]
    assert [e["requestContext"]["routeKey"] for e in events_of(gateway_runtime, connection_id)] == ["$connect"]


def test_messages_become_default_events_and_the_app_answers_through_the_management_api(gateway_runtime):
    async def scenario():
        async with await _open(gateway_runtime) as ws:
            connection_id = _connection_id(gateway_runtime, ws)
            await ws.send('{"action": "ping", "n": 1}')
            echo = await asyncio.wait_for(ws.recv(), 10)
            pushed = requests.post(f"{gateway_runtime.url}/test/push/{connection_id}", data=b'{"type": "hello"}',
                                   timeout=10).json()
            received = await asyncio.wait_for(ws.recv(), 10)
            info = requests.get(f"{gateway_runtime.url}/test/connections/{connection_id}", timeout=10).json()
            return connection_id, echo, pushed, received, info

    connection_id, echo, pushed, received, info = run(scenario())
    assert echo == 'echo:{"action": "ping", "n": 1}'
    assert pushed == {"result": "sent"}
    assert received == '{"type": "hello"}'
    assert info == {"result": "open", "source_ip": "127.0.0.1"}
    routes = [e["requestContext"]["routeKey"] for e in events_of(gateway_runtime, connection_id)]
    assert routes[:2] == ["$connect", "$default"]
    message = events_of(gateway_runtime, connection_id)[1]
    assert message["body"] == '{"action": "ping", "n": 1}'
    assert message["requestContext"]["eventType"] == "MESSAGE"


def test_a_closed_connection_is_gone_and_its_disconnect_event_runs(gateway_runtime):
    async def scenario():
        ws = await _open(gateway_runtime)
        connection_id = _connection_id(gateway_runtime, ws)
        await ws.close()
        return connection_id

    connection_id = run(scenario())
    disconnect = eventually(lambda: [e for e in events_of(gateway_runtime, connection_id)
                                     if e["requestContext"]["routeKey"] == "$disconnect"])[0]
    assert disconnect["requestContext"]["eventType"] == "DISCONNECT"
    assert disconnect["requestContext"]["disconnectStatusCode"] == 1000
    # boto3 raises GoneException only because the gateway sets x-amzn-ErrorType.
    assert requests.post(f"{gateway_runtime.url}/test/push/{connection_id}", data=b"x", timeout=10).json() == {
        "result": "gone"}
    raw = requests.post(f"{gateway_runtime.url}/@connections/{connection_id}", data=b"x", timeout=10)
    assert raw.status_code == 410
    assert raw.headers["x-amzn-ErrorType"] == "GoneException"
    assert requests.get(f"{gateway_runtime.url}/test/connections/{connection_id}", timeout=10).json() == {
        "result": "gone"}


def test_delete_connection_closes_it_from_the_server_side(gateway_runtime):
    async def scenario():
        async with await _open(gateway_runtime) as ws:
            connection_id = _connection_id(gateway_runtime, ws)
            deleted = requests.delete(f"{gateway_runtime.url}/test/connections/{connection_id}", timeout=10).json()
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            return connection_id, deleted

    connection_id, deleted = run(scenario())
    assert deleted == {"result": "deleted"}
    eventually(lambda: any(e["requestContext"]["routeKey"] == "$disconnect" for e in events_of(gateway_runtime, connection_id)))


def test_a_failing_handler_sends_api_gateways_internal_error_frame(gateway_runtime):
    async def scenario():
        async with await _open(gateway_runtime) as ws:
            await ws.send("boom")
            return json.loads(await asyncio.wait_for(ws.recv(), 10))

    frame = run(scenario())
    assert frame["message"] == "Internal server error"
    assert set(frame) == {"message", "connectionId", "requestId"}
    assert "Traceback" in gateway_runtime.log_text()  # a server error is logged with its stack


def test_payloads_over_128_kb_are_refused(gateway_runtime):
    big = b"x" * (128 * 1024 + 1)

    async def scenario():
        async with await _open(gateway_runtime) as ws:
            connection_id = _connection_id(gateway_runtime, ws)
            push = requests.post(f"{gateway_runtime.url}/test/push/{connection_id}", data=big, timeout=10).json()
            await ws.send(big.decode())
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 10)
            return push, closed.value.rcvd.code if closed.value.rcvd else None

    push, close_code = run(scenario())
    assert push == {"result": "too_large"}
    assert close_code == 1009


def test_idle_connections_are_closed_after_the_idle_timeout(gateway_runtime):
    async def scenario():
        async with await _open(gateway_runtime) as ws:
            connection_id = _connection_id(gateway_runtime, ws)
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), GATEWAY_IDLE_SECONDS + 10)
            return connection_id, closed.value.rcvd.code

    connection_id, code = run(scenario())
    assert code == 1001
    disconnect = eventually(lambda: [e for e in events_of(gateway_runtime, connection_id)
                                     if e["requestContext"]["routeKey"] == "$disconnect"])[0]
    assert disconnect["requestContext"]["disconnectStatusCode"] == 1001


def test_a_plain_get_of_the_websocket_url_is_not_a_connection(gateway_runtime):
    before = len(recorded(gateway_runtime, "ws"))
    answer = requests.get(gateway_runtime.ws_url.replace("ws://", "http://"), timeout=10)
    assert answer.status_code == 426
    assert len(recorded(gateway_runtime, "ws")) == before  # no $connect for it
