"""Nothing accepted is lost when the whole runtime dies: the gateway (REST and websockets),
the delivery function and DynamoDB Local's process are killed with SIGKILL right after an
operator's messages were accepted, then started again on the same data.

- every accepted message is still in the dialog, in order, without gaps;
- every operator message still reaches the bot's webhook (the stream position is kept, the
  deliveries are retried): each ends `delivered`;
- an operator who was connected reconnects and backfills with `after=<last seq seen>`, and
  gets exactly what was added while they were away.

The delivery function killed mid-batch and the webhook receiver down are tested on moto in
tests/service/webhooks/test_crash.py and tests/service/webhooks/test_delivery.py.
"""

from __future__ import annotations

import json
import time
import uuid

import requests
from websockets.asyncio.client import connect

from local_runtime.testing import LocalRuntime, running_runtime
from tests.integration.helpers import eventually, run

TIMEOUT = 30


def _operator(rt: LocalRuntime) -> dict[str, str]:
    operator = rt.operator("operator")
    answer = requests.post(f"{rt.url}/api/auth/login", timeout=TIMEOUT,
                           json={"username": operator["username"], "password": operator["password"]})
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _bot(rt: LocalRuntime) -> dict[str, str]:
    return {"Authorization": f"Bearer {rt.bot['api_key']}"}


def _messages(rt: LocalRuntime, headers: dict[str, str], dialog_id: str) -> list[dict]:
    answer = requests.get(f"{rt.url}/api/dialogs/{dialog_id}/messages?after=0&limit=100", headers=headers,
                          timeout=TIMEOUT)
    answer.raise_for_status()
    return answer.json()["items"]


def test_a_killed_runtime_loses_no_accepted_message_or_webhook(tmp_path):
    with running_runtime(tmp_path / "data") as rt:
        ref = f"kill-{uuid.uuid4().hex[:8]}"
        lead = requests.put(f"{rt.url}/bot/v1/leads/{ref}", headers=_bot(rt), json={"name": "Kill test"},
                            timeout=TIMEOUT).json()
        dialog_id = lead["id"]
        requests.post(f"{rt.url}/bot/v1/leads/{ref}/messages", headers=_bot(rt), timeout=TIMEOUT,
                      json={"id": "l1", "from": "lead", "text": "I need a human"}).raise_for_status()
        requests.post(f"{rt.url}/bot/v1/leads/{ref}/handoff", headers=_bot(rt), json={},
                      timeout=TIMEOUT).raise_for_status()
        headers = _operator(rt)
        requests.post(f"{rt.url}/api/dialogs/{dialog_id}/start", headers=headers,
                      timeout=TIMEOUT).raise_for_status()
        texts = [f"operator reply {i}" for i in range(15)]
        for text in texts:
            sent = requests.post(f"{rt.url}/api/dialogs/{dialog_id}/messages", headers=headers, timeout=TIMEOUT,
                                 json={"client_id": uuid.uuid4().hex, "text": text})
            assert sent.status_code == 201, sent.text
        seen = _messages(rt, headers, dialog_id)
        last_seen = seen[-1]["seq"]

        # Dead at once: no Ctrl+C, no $disconnect, deliveries possibly mid-flight.
        rt.process.kill()
        rt.process.wait(10)
        rt.process = None
        time.sleep(0.5)
        rt.start()

        headers = _operator(rt)  # Cognito is new at every start
        after = _messages(rt, headers, dialog_id)
        assert [m["seq"] for m in after[:len(seen)]] == [m["seq"] for m in seen]
        assert [m["seq"] for m in after] == list(range(1, len(after) + 1)), "a gap in the dialog"
        assert [m["text"] for m in after if m["from"] == "operator"] == texts

        def all_delivered() -> bool:
            mine = [m for m in _messages(rt, headers, dialog_id) if m["from"] == "operator"]
            return len(mine) == len(texts) and all(m.get("delivery") == "delivered" for m in mine)

        eventually(all_delivered, timeout=90, interval=1)

        # The lead wrote while the operator was away; the reconnect backfills exactly that.
        requests.post(f"{rt.url}/bot/v1/leads/{ref}/messages", headers=_bot(rt), timeout=TIMEOUT,
                      json={"id": "l2", "from": "lead", "text": "are you there?"}).raise_for_status()
        ticket = requests.post(f"{rt.url}/api/ws-ticket", headers=headers, timeout=TIMEOUT).json()

        async def reconnect() -> list[dict]:
            async with await connect(f"{ticket['ws_url']}?ticket={ticket['ticket']}", open_timeout=TIMEOUT) as ws:
                await ws.send(json.dumps({"action": "view", "dialog_id": dialog_id}))
                missed = requests.get(f"{rt.url}/api/dialogs/{dialog_id}/messages?after={last_seen}",
                                      headers=headers, timeout=TIMEOUT).json()["items"]
                return missed

        missed = run(reconnect())
        assert [m["seq"] for m in missed] == list(range(last_seen + 1, last_seen + 1 + len(missed)))
        assert missed[-1]["text"] == "are you there?"
        assert rt.stop() == 0
