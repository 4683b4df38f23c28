"""Live events end to end on the local runtime: a real websocket through the local
gateway, tickets from the operator API, a bot posting through the bot API."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
import requests
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from tests.integration.helpers import run, sign_in, ticket_url

WAIT = 10.0


def _bot(runtime) -> dict[str, str]:
    return {"Authorization": f"Bearer {runtime.bot['api_key']}"}


def _new_lead(runtime) -> tuple[str, str]:
    ref = f"it-{uuid.uuid4().hex[:10]}"
    response = requests.put(f"{runtime.url}/bot/v1/leads/{ref}", json={"name": "Live test"},
                            headers=_bot(runtime), timeout=10)
    response.raise_for_status()
    return ref, response.json()["id"]


def _bot_posts(runtime, ref: str, text: str) -> int:
    response = requests.post(f"{runtime.url}/bot/v1/leads/{ref}/messages",
                             json={"id": uuid.uuid4().hex, "from": "bot", "text": text},
                             headers=_bot(runtime), timeout=10)
    response.raise_for_status()
    return response.json()["seq"]


async def _next(ws: ClientConnection, wanted: Any) -> dict[str, Any]:
    """The next frame for which `wanted(frame)` holds; the frames before it are skipped."""
    async def wait() -> dict[str, Any]:
        while True:
            frame = json.loads(await ws.recv())
            if wanted(frame):
                return frame

    return await asyncio.wait_for(wait(), WAIT)


async def _view(ws: ClientConnection, dialog_id: str | None, tab: str) -> None:
    await ws.send(json.dumps({"action": "view", "dialog_id": dialog_id, "tab": tab}))
    await _next(ws, lambda f: f["type"] == "viewing" and f["dialog_id"] == dialog_id)


def test_a_viewing_operator_receives_the_bots_message_and_a_hidden_panel_does_not(handover_runtime):
    runtime = handover_runtime
    headers = sign_in(runtime)
    ref, lead_id = _new_lead(runtime)

    async def scenario() -> tuple[dict, list[dict], dict]:
        async with await connect(ticket_url(runtime, headers), open_timeout=WAIT) as ws:
            await _view(ws, lead_id, "all")
            seq = _bot_posts(runtime, ref, "hello from the bot")
            created = await _next(ws, lambda f: f["type"] == "message.created" and f["message"]["seq"] == seq)

            # R8: the panel is hidden; the All tab still shows the dialog's activity, which
            # is the sign that this message's events have been pushed.
            await _view(ws, None, "all")
            hidden_seq = _bot_posts(runtime, ref, "nobody is watching")
            seen: list[dict] = []

            def until_all_tab(frame: dict) -> bool:
                seen.append(frame)
                return (frame["type"] == "dialog.updated" and frame["tab"] == "all"
                        and frame.get("message", {}).get("seq") == hidden_seq)

            updated = await _next(ws, until_all_tab)
            return created, seen, updated

    created, seen, updated = run(scenario())
    assert created["dialog_id"] == lead_id
    assert created["message"]["text"] == "hello from the bot" and created["message"]["from"] == "bot"
    assert created["dialog"]["lead_id"] == lead_id and created["dialog"]["name"] == "Live test"
    assert not [f for f in seen if f["type"] == "message.created"]
    assert updated["dialog"]["last_message"]["text"] == "nobody is watching"


def test_two_operators_see_a_handoff_and_a_start(handover_runtime):
    runtime = handover_runtime
    alice, bob = sign_in(runtime, "operator"), sign_in(runtime, "operator2")
    ref, lead_id = _new_lead(runtime)

    async def scenario() -> tuple[dict, dict, dict, dict]:
        async with await connect(ticket_url(runtime, alice), open_timeout=WAIT) as a, \
                await connect(ticket_url(runtime, bob), open_timeout=WAIT) as b:
            await _view(a, lead_id, "waiting")
            await _view(b, None, "waiting")
            requests.post(f"{runtime.url}/bot/v1/leads/{ref}/handoff", json={"reason": "asked"},
                          headers=_bot(runtime), timeout=10).raise_for_status()
            bob_added = await _next(b, lambda f: f["type"] == "dialog.added" and f["dialog"]["lead_id"] == lead_id)
            alice_lead = await _next(a, lambda f: f["type"] == "lead.updated")

            requests.post(f"{runtime.url}/api/dialogs/{lead_id}/start", headers=alice, timeout=10).raise_for_status()
            alice_mine = await _next(a, lambda f: f["type"] == "dialog.added" and f["tab"] == "mine")
            bob_removed = await _next(b, lambda f: f["type"] == "dialog.removed")
            return bob_added, alice_lead, alice_mine, bob_removed

    bob_added, alice_lead, alice_mine, bob_removed = run(scenario())
    assert bob_added["tab"] == "waiting" and bob_added["dialog"]["state"] == "waiting"
    assert alice_lead["lead"]["dialog"] == {"state": "waiting", "operators": []}
    assert alice_mine["dialog"]["operators"] == ["operator"]
    assert bob_removed == {"type": "dialog.removed", "tab": "waiting", "dialog_id": lead_id}


def test_connect_without_a_valid_ticket_is_refused_and_bad_frames_get_errors(handover_runtime):
    runtime = handover_runtime
    headers = sign_in(runtime)

    async def scenario() -> tuple[int, dict, dict]:
        with pytest.raises(InvalidStatus) as refused:
            await connect(f"{runtime.ws_url}?ticket=wst_made-up", open_timeout=WAIT)
        async with await connect(ticket_url(runtime, headers), open_timeout=WAIT) as ws:
            await ws.send("this is not json")
            error = await _next(ws, lambda f: True)
            await ws.send('{"action": "ping"}')
            pong = await _next(ws, lambda f: True)
        return refused.value.response.status_code, error, pong

    status, error, pong = run(scenario())
    assert status == 401
    assert error["type"] == "error" and error["error"]["code"] == "malformed_frame"
    assert pong == {"type": "pong"}


# Frames that other features push on their own schedule (webhook delivery states,
# reminders); the lifecycle below is about the dialog's own events.
_ASYNC_TYPES = {"message.delivery", "reminder", "dialog.waiting_too_long"}


async def _drain(ws: ClientConnection) -> list[str]:
    """Every frame pushed so far, as `type` or `type:tab`. A REST call answers after its
    pushes were posted to the gateway, and the gateway writes a push to the socket before it
    answers, so a ping sent now is answered after all of them."""
    await ws.send('{"action": "ping"}')
    seen: list[str] = []

    def until_pong(frame: dict) -> bool:
        if frame["type"] == "pong":
            return True
        if frame["type"] not in _ASYNC_TYPES:
            seen.append(f"{frame['type']}:{frame['tab']}" if "tab" in frame else frame["type"])
        return False

    await _next(ws, until_pong)
    return seen


def test_who_receives_what_through_a_dialogs_life(handover_runtime):
    """A views the dialog (Mine tab), B has no dialog open (Waiting tab), C shows the All tab."""
    runtime = handover_runtime
    alice, bob, admin = sign_in(runtime, "operator"), sign_in(runtime, "operator2"), sign_in(runtime, "admin")
    ref, lead_id = _new_lead(runtime)
    api = f"{runtime.url}/api/dialogs/{lead_id}"

    def call(method: str, url: str, headers: dict[str, str], body: dict | None = None) -> None:
        requests.request(method, url, json=body, headers=headers, timeout=10).raise_for_status()

    steps = [
        ("bot message", lambda: _bot_posts(runtime, ref, "hi"),
         ["message.created"], [], ["dialog.updated:all"]),
        ("handoff", lambda: call("POST", f"{runtime.url}/bot/v1/leads/{ref}/handoff", _bot(runtime), {}),
         ["message.created", "lead.updated", "dialog.added:waiting", "counts"],
         ["dialog.added:waiting", "counts"], ["dialog.added:waiting", "dialog.updated:all", "counts"]),
        ("A starts", lambda: call("POST", f"{api}/start", alice),
         ["message.created", "message.created", "lead.updated", "dialog.removed:waiting", "dialog.added:mine", "counts"],
         ["dialog.removed:waiting", "counts"], ["dialog.removed:waiting", "dialog.updated:all", "counts"]),
        ("B joins", lambda: call("POST", f"{api}/start", bob),
         ["message.created", "lead.updated", "dialog.updated:mine"],
         ["dialog.added:mine", "counts"], ["dialog.updated:all"]),
        ("A writes", lambda: call("POST", f"{api}/messages", alice, {"client_id": uuid.uuid4().hex, "text": "hello"}),
         ["message.created", "dialog.updated:mine"], ["dialog.updated:mine"], ["dialog.updated:all"]),
        ("B leaves", lambda: call("POST", f"{api}/leave", bob),
         ["message.created", "lead.updated", "dialog.updated:mine"],
         ["dialog.removed:mine", "counts"], ["dialog.updated:all"]),
        ("A edits the lead", lambda: call("PATCH", f"{api}/lead", alice, {"status": "vip"}),
         ["lead.updated", "dialog.updated:mine"], [], ["dialog.updated:all"]),
        ("A leaves last", lambda: call("POST", f"{api}/leave", alice),
         ["message.created", "message.created", "lead.updated", "dialog.added:waiting", "dialog.removed:mine", "counts"],
         ["dialog.added:waiting", "counts"], ["dialog.added:waiting", "dialog.updated:all", "counts"]),
        ("the lead writes", lambda: requests.post(
            f"{runtime.url}/bot/v1/leads/{ref}/messages", json={"id": uuid.uuid4().hex, "from": "lead", "text": "?"},
            headers=_bot(runtime), timeout=10).raise_for_status(),
         ["message.created", "dialog.updated:waiting"], ["dialog.updated:waiting"],
         ["dialog.updated:waiting", "dialog.updated:all"]),
        ("B marks read", lambda: call("POST", f"{api}/read", bob),
         ["lead.updated", "dialog.updated:waiting"], ["dialog.updated:waiting"],
         ["dialog.updated:waiting", "dialog.updated:all"]),
        ("B resolves", lambda: call("POST", f"{api}/resolve", bob),
         ["message.created", "message.created", "lead.updated", "dialog.removed:waiting", "counts"],
         ["dialog.removed:waiting", "counts"], ["dialog.removed:waiting", "dialog.updated:all", "counts"]),
    ]

    async def scenario() -> list[tuple[str, list[str], list[str], list[str]]]:
        got = []
        async with await connect(ticket_url(runtime, alice), open_timeout=WAIT) as a, \
                await connect(ticket_url(runtime, bob), open_timeout=WAIT) as b, \
                await connect(ticket_url(runtime, admin), open_timeout=WAIT) as c:
            await _view(a, lead_id, "mine")
            await _view(b, None, "waiting")
            await _view(c, None, "all")
            for ws in (a, b, c):
                await _drain(ws)
            for name, action, *_ in steps:
                await asyncio.to_thread(action)
                got.append((name, await _drain(a), await _drain(b), await _drain(c)))
        return got

    received = run(scenario())
    expected = [(name, a, b, c) for name, _, a, b, c in steps]
    for step_got, step_expected in zip(received, expected, strict=True):
        assert step_got == step_expected
