"""Hostile websocket clients against the local runtime: frames over the limit, malformed
JSON, unknown actions, a flood from one connection, a connection that never reads. Each
time the gateway and the app stay up and keep serving everyone else."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid
from typing import Any

import requests
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from local_runtime.testing import LocalRuntime


def _token(rt: LocalRuntime, username: str) -> str:
    operator = rt.operator(username)
    answer = requests.post(f"{rt.url}/api/auth/login", json={"username": username, "password": operator["password"]},
                           timeout=30)
    answer.raise_for_status()
    return answer.json()["access_token"]


def _ticket(rt: LocalRuntime, username: str) -> str:
    answer = requests.post(f"{rt.url}/api/ws-ticket", headers={"Authorization": f"Bearer {_token(rt, username)}"},
                           timeout=30)
    answer.raise_for_status()
    return answer.json()["ticket"]


async def _open(rt: LocalRuntime, username: str = "operator2", **options: Any) -> ClientConnection:
    return await connect(f"{rt.ws_url}?ticket={_ticket(rt, username)}", open_timeout=30, **options)


async def _frame(ws: ClientConnection, wanted: str, timeout: float = 15.0) -> dict[str, Any]:
    """The next frame of type `wanted` (live events of other tests may come in between)."""
    deadline = time.monotonic() + timeout
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), max(0.1, deadline - time.monotonic())))
        if frame.get("type") == wanted:
            return frame


async def _still_served(rt: LocalRuntime) -> None:
    """Another operator connects and is answered; REST answers too."""
    other = await _open(rt, "operator")
    try:
        await other.send(json.dumps({"action": "ping"}))
        assert (await _frame(other, "pong"))["type"] == "pong"
    finally:
        await other.close()
    assert requests.get(f"{rt.url}/bot/v1/openapi.json", timeout=30).status_code == 200


def _bot(rt: LocalRuntime) -> dict[str, str]:
    return {"Authorization": f"Bearer {rt.bot['api_key']}", "Content-Type": "application/json"}


def test_bad_frames_get_an_error_frame_and_the_connection_stays(handover_runtime):
    rt = handover_runtime

    async def scenario() -> None:
        ws = await _open(rt)
        try:
            for bad, code in [
                ("{not json", "malformed_frame"),
                ("[1, 2, 3]", "malformed_frame"),
                ('{"no_action": true}', "malformed_frame"),
                ('{"action": 42}', "malformed_frame"),
                ('{"action": "delete_everything"}', "unknown_action"),
                ('{"action": "view", "dialog_id": "../../etc/passwd"}', "invalid_frame"),
                ('{"action": "visibility", "visible": "yes"}', "invalid_frame"),
                ('{"action": "ping", "pad": "' + "x" * 5000 + '"}', "frame_too_large"),
                ("\u0000\u0001\u0002", "malformed_frame"),
            ]:
                await ws.send(bad)
                frame = await _frame(ws, "error")
                assert frame["error"]["code"] == code, (bad[:40], frame)
            await ws.send(b"\x00\xff binary")  # a binary frame: refused the same way
            assert (await _frame(ws, "error"))["error"]["code"] == "malformed_frame"
            await ws.send(json.dumps({"action": "ping"}))
            assert (await _frame(ws, "pong"))["type"] == "pong"
        finally:
            await ws.close()
        await _still_served(rt)

    asyncio.run(scenario())


def test_a_frame_over_the_gateway_limit_closes_only_that_connection(handover_runtime):
    rt = handover_runtime

    async def scenario() -> None:
        ws = await _open(rt, max_size=None)
        await ws.send("x" * (128 * 1024 + 1))
        try:
            await asyncio.wait_for(ws.recv(), 15)
            raise AssertionError("the connection should have been closed")
        except ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 1009
        await _still_served(rt)

    asyncio.run(scenario())


def test_a_flood_from_one_connection_does_not_starve_the_others(handover_runtime):
    rt = handover_runtime
    flood_size = 1500

    async def scenario() -> None:
        flooder = await _open(rt)
        calm = await _open(rt, "operator")
        try:
            # As fast as the socket takes them, never waiting for an answer.
            for i in range(flood_size):
                await flooder.send(json.dumps({"action": "ping", "n": i}))
            started = time.monotonic()
            await calm.send(json.dumps({"action": "ping"}))
            await _frame(calm, "pong", timeout=60)
            calm_wait = time.monotonic() - started
            assert requests.get(f"{rt.url}/bot/v1/openapi.json", timeout=60).status_code == 200
            # The flooder is answered too, in order (frames of a connection are handled in order).
            pongs = 0
            while pongs < flood_size:
                frame = json.loads(await asyncio.wait_for(flooder.recv(), 120))
                pongs += frame.get("type") == "pong"
            assert pongs == flood_size
            # Not a timing test: the calm operator's ping is not queued behind the flood.
            assert calm_wait < 30, calm_wait
        finally:
            await flooder.close()
            await calm.close()

    asyncio.run(scenario())


def test_a_connection_that_never_reads_does_not_hold_up_anyone(handover_runtime):
    rt = handover_runtime
    ref = f"never-reads-{uuid.uuid4().hex[:8]}"
    lead = requests.put(f"{rt.url}/bot/v1/leads/{ref}", headers=_bot(rt), json={"name": "Slow reader"}, timeout=30)
    dialog_id = lead.json()["id"]

    async def scenario() -> None:
        # A tiny receive buffer and a client queue of one frame: the socket fills and stays full.
        sock = socket.create_connection(("127.0.0.1", rt.port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck = await connect(f"{rt.ws_url}?ticket={_ticket(rt, 'operator')}", sock=sock, max_queue=1,
                              open_timeout=30)
        reader = await _open(rt)
        try:
            for ws in (stuck, reader):
                await ws.send(json.dumps({"action": "view", "dialog_id": dialog_id}))
            await _frame(reader, "viewing")
            text = "x" * 9000
            for i in range(120):  # about 1.1 MB of frames for the one that never reads
                answer = requests.post(f"{rt.url}/bot/v1/leads/{ref}/messages", headers=_bot(rt), timeout=60,
                                       json={"id": f"m{i}", "from": "lead", "text": text})
                assert answer.status_code == 201, answer.text
                frame = await _frame(reader, "message.created", timeout=30)
                assert frame["message"]["id"] == f"m{i}"
        finally:
            reader.close_timeout = stuck.close_timeout = 2
            await reader.close()
            stuck.transport.abort()
        await _still_served(rt)

    asyncio.run(scenario())
