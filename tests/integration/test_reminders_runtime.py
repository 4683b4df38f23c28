"""Reminders end to end on the local runtime (R14, docs/notifications.md): the scheduled
function runs every HANDOVER_SCHEDULE_SECONDS (2 s in the session's runtime) and reminds
after one period; a hidden page gets `reminder` every period until it reports visible."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import requests
from websockets.asyncio.client import ClientConnection, connect

from local_runtime.testing import TEST_SCHEDULE_SECONDS
from tests.integration.helpers import run, sign_in, ticket_url

PERIOD = float(TEST_SCHEDULE_SECONDS)
WAIT = 10.0
# operator2 is used by no other test of the session, so nothing else changes its state.
OPERATOR = "operator2"


def _waiting_lead(runtime) -> None:
    """A new lead handed to operators: it appears on every operator's Waiting tab."""
    bot = {"Authorization": f"Bearer {runtime.bot['api_key']}"}
    ref = f"rem-{uuid.uuid4().hex[:10]}"
    response = requests.put(f"{runtime.url}/bot/v1/leads/{ref}", json={"name": "Reminder test"}, headers=bot, timeout=10)
    response.raise_for_status()
    response = requests.post(f"{runtime.url}/bot/v1/leads/{ref}/handoff", json={"reason": "test"}, headers=bot,
                             timeout=10)
    response.raise_for_status()


async def _ack(ws: ClientConnection, frame: dict[str, Any], answer: str) -> None:
    await ws.send(json.dumps(frame))

    async def wait() -> None:
        while json.loads(await ws.recv())["type"] != answer:
            pass

    await asyncio.wait_for(wait(), WAIT)


async def _frames_for(ws: ClientConnection, seconds: float) -> list[tuple[float, dict[str, Any]]]:
    """Every frame received in the next `seconds`, with its arrival time."""
    frames: list[tuple[float, dict[str, Any]]] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            raw = await asyncio.wait_for(ws.recv(), left)
        except TimeoutError:
            break
        frames.append((time.monotonic(), json.loads(raw)))
    return frames


def test_a_hidden_page_is_reminded_every_period_until_it_reports_visible(handover_runtime):
    runtime = handover_runtime
    headers = sign_in(runtime, OPERATOR)

    async def scenario() -> tuple[list, list]:
        async with await connect(ticket_url(runtime, headers), open_timeout=WAIT) as ws:
            await _ack(ws, {"action": "view", "dialog_id": None, "tab": "waiting"}, "viewing")
            await _ack(ws, {"action": "visibility", "visible": False}, "visibility")
            _waiting_lead(runtime)  # dialog.added on Waiting, while the page is hidden
            hidden = await _frames_for(ws, 5 * PERIOD + 1)
            await _ack(ws, {"action": "visibility", "visible": True}, "visibility")
            # A tick that read the pending notification just before the report may still
            # push one reminder; after a period none can be in flight any more.
            await _frames_for(ws, PERIOD)
            visible = await _frames_for(ws, 3 * PERIOD + 1)
            return hidden, visible

    hidden, visible = run(scenario())
    assert any(f["type"] == "dialog.added" and f["tab"] == "waiting" for _, f in hidden)
    reminders = [(at, f) for at, f in hidden if f["type"] == "reminder"]
    # Due one period after the dialog arrived, then one per period: 4 or 5 in 5 periods + 1 s
    # (a slow tick on a busy machine may skip a period, as EventBridge's would not pile up).
    assert len(reminders) >= 3, [f for _, f in hidden]
    assert all(f["unread"] >= 1 and isinstance(f["at"], str) for _, f in reminders)
    gaps = [later - earlier for (earlier, _), (later, _) in zip(reminders, reminders[1:], strict=False)]
    # No burst (two reminders for one tick); a late tick followed by an on-time one may be close.
    assert all(PERIOD * 0.2 < gap < PERIOD * 2.5 for gap in gaps), gaps
    assert [f for _, f in visible if f["type"] == "reminder"] == []
