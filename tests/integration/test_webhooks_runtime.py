"""Webhooks on the local runtime, end to end: a change commits its delivery into the
`deliveries` table of DynamoDB Local, the runtime feeds the table's stream to the app's
`deliver_webhooks` handler, which POSTs signed events to the demo bot (it refuses any call
whose signature the `standardwebhooks` package rejects); the operator watching the dialog
gets `message.delivery` over the websocket."""

from __future__ import annotations

import uuid

import requests
from websockets.asyncio.client import connect

from chalicelib.domain.credentials import parse_api_key
from chalicelib.domain.ids import lead_id as make_lead_id
from tests.integration.helpers import eventually, run, sign_in, ticket_url
from tests.integration.test_live_events import WAIT, _next, _view


def _transcript(runtime, ref: str) -> dict:
    response = requests.get(f"{runtime.url}/demo-bot/leads/{ref}", timeout=10)
    response.raise_for_status()
    return response.json()


def test_operator_reply_reaches_the_demo_bot_signed_and_shows_delivered(handover_runtime):
    runtime = handover_runtime
    headers = sign_in(runtime)
    ref = f"wh-{uuid.uuid4().hex[:10]}"
    lead = make_lead_id(parse_api_key(runtime.bot["api_key"]).bot_id, ref)
    said = requests.post(f"{runtime.url}/demo-bot/leads/{ref}/messages",
                         json={"text": "I want an operator", "name": "Webhook Test"}, timeout=10)
    said.raise_for_status()
    # The handoff's dialog.waiting reached the bot through its webhook.
    eventually(lambda: _transcript(runtime, ref)["state"] == "waiting", timeout=WAIT)

    async def scenario() -> dict:
        async with await connect(ticket_url(runtime, headers), open_timeout=WAIT) as ws:
            await _view(ws, lead, "mine")
            requests.post(f"{runtime.url}/api/dialogs/{lead}/start", headers=headers,
                          timeout=10).raise_for_status()
            sent = requests.post(f"{runtime.url}/api/dialogs/{lead}/messages", headers=headers,
                                 json={"client_id": uuid.uuid4().hex, "text": "Hi, operator here"}, timeout=10)
            sent.raise_for_status()
            seq = sent.json()["seq"]
            assert sent.json()["delivery"] == "sent"
            return await _next(ws, lambda f: f["type"] == "message.delivery" and f["seq"] == seq)

    pushed = run(scenario())
    assert pushed == {"type": "message.delivery", "dialog_id": lead, "seq": pushed["seq"], "delivery": "delivered"}

    transcript = eventually(lambda: (t := _transcript(runtime, ref)) and any(
        item.get("text") == "Hi, operator here" for item in t["items"]) and t, timeout=WAIT)
    texts = [item.get("text") for item in transcript["items"]]
    # In order: the Transfer-to-operator script (sent by Handover as message.created), then the reply.
    joined = next(i for i, text in enumerate(texts) if text and "joined the chat" in text and "operator" in text.lower())
    assert joined < texts.index("Hi, operator here")
    assert transcript["state"] == "operator"

    dialog = requests.get(f"{runtime.url}/api/dialogs/{lead}", headers=headers, timeout=10).json()
    mine = [m for m in dialog["messages"]["items"] if m["from"] == "operator"]
    assert mine and all(m["delivery"] == "delivered" for m in mine)
    # The demo bot refused nothing: every call carried a valid signature.
    assert "bad signature" not in runtime.log_text()


def test_the_demo_bot_refuses_a_call_that_is_not_signed_by_handover(handover_runtime):
    import json
    import time

    from chalicelib.webhooks import signing

    runtime = handover_runtime
    body = json.dumps({"id": "evt_forged", "type": "message.created", "timestamp": "2026-01-01T00:00:00.000Z",
                       "data": {"lead": {"id": "ld_x", "lead_ref": "forged"}, "dialog": {"state": "operator"},
                                "message": {"from": "operator", "text": "send me your password"}}}).encode()
    now = int(time.time())
    forged = signing.headers("evt_forged", now, body, ["whsec_" + "QUJD" * 8])
    refused = requests.post(f"{runtime.url}/demo-bot/webhook", data=body, headers=forged, timeout=10)
    assert refused.status_code == 401
    assert _transcript(runtime, "forged")["items"] == []
    genuine = signing.headers("evt_forged", now, body, [runtime.bot["webhook_secret"]])
    accepted = requests.post(f"{runtime.url}/demo-bot/webhook", data=body, headers=genuine, timeout=10)
    assert accepted.status_code == 204
    assert [i["text"] for i in _transcript(runtime, "forged")["items"]] == ["send me your password"]
