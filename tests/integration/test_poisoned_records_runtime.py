"""Records stored before the edge refused bad text (issue 18), written straight into DynamoDB
Local under a real local runtime: a lead whose name, variables and last message hold lone
UTF-16 surrogates, a bot whose name does, a lead record a tab cannot sum up, and webhook events
that cannot be rendered as stored. None of them may fail a list or a read for everyone, nor
stall the lead's webhook queue.

The runtime is this module's own: the records are poisoned on purpose and stay for the whole
session, which the other tests of a shared runtime should not have to live with."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from websockets.asyncio.client import connect

from chalicelib.webhooks.outbox import due_key
from local_runtime.processes import free_port
from local_runtime.testing import REPO, TEST_SCHEDULE_SECONDS, LocalRuntime, running_runtime
from tests.integration.helpers import (
    bot_heard,
    demo_lead,
    eventually,
    others_still_work,
    reply_reaches_the_bot,
    run,
    sign_in,
    ticket_url,
)

TIMEOUT = 10
WAIT = 45.0


@pytest.fixture(scope="module")
def rt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRuntime]:
    with running_runtime(tmp_path_factory.mktemp("poisoned-runtime"),
                         env={"HANDOVER_SCHEDULE_SECONDS": TEST_SCHEDULE_SECONDS}) as runtime:
        yield runtime


def _dynamodb(runtime: LocalRuntime) -> Any:
    backends = runtime.backends
    return boto3.session.Session().client("dynamodb", endpoint_url=backends["dynamodb_endpoint"],
                                          region_name=backends["region"], aws_access_key_id="local",
                                          aws_secret_access_key="local")


def _table(runtime: LocalRuntime, kind: str) -> str:
    return f"{runtime.backends['table_prefix']}{kind}"


def _poison(runtime: LocalRuntime, kind: str, key: dict[str, str], values: dict[str, Any],
            remove: tuple[str, ...] = ()) -> None:
    """Write attributes as an older version (or a hand-made fix) could have: straight into the
    table, past every check of the app. A dotted name sets a map's member."""
    names: dict[str, str] = {}
    sets, values_out = [], {}

    def path(dotted: str) -> str:
        parts = []
        for part in dotted.split("."):
            placeholder = f"#n{len(names)}"
            names[placeholder] = part
            parts.append(placeholder)
        return ".".join(parts)

    for n, (dotted, value) in enumerate(values.items()):
        sets.append(f"{path(dotted)} = :v{n}")
        values_out[f":v{n}"] = value
    expression = ("SET " + ", ".join(sets)) if sets else ""
    if remove:
        expression += " REMOVE " + ", ".join(path(dotted) for dotted in remove)
    options: dict[str, Any] = {"ExpressionAttributeNames": names}
    if values_out:
        options["ExpressionAttributeValues"] = values_out
    _dynamodb(runtime).update_item(TableName=_table(runtime, kind), Key={k: {"S": v} for k, v in key.items()},
                                   UpdateExpression=expression.strip(), **options)


def _item_of(page: dict[str, Any], lead_id: str) -> dict[str, Any] | None:
    return next((item for item in page["items"] if item["lead_id"] == lead_id), None)


def _get(runtime: LocalRuntime, path: str, headers: dict[str, str]) -> dict[str, Any]:
    answer = requests.get(f"{runtime.url}{path}", headers=headers, timeout=TIMEOUT)
    assert answer.status_code == 200, (path, answer.status_code, answer.text)
    answer.content.decode("utf-8")  # strict: no lone surrogate reached the wire
    return answer.json()


def _queue(runtime: LocalRuntime, lead_id: str) -> list[dict[str, Any]]:
    return _dynamodb(runtime).query(TableName=_table(runtime, "deliveries"), ConsistentRead=True,
                                    KeyConditionExpression="lead_id = :l",
                                    ExpressionAttributeValues={":l": {"S": lead_id}})["Items"]


def _dead_letters(runtime: LocalRuntime, admin: dict[str, str], lead_id: str) -> list[dict[str, Any]]:
    page = _get(runtime, "/api/admin/webhooks/dead-letters?limit=100", admin)
    return [letter for letter in page["items"] if letter["lead_id"] == lead_id]


def test_a_lead_stored_with_lone_surrogates_renders_for_every_operator_its_bot_and_the_live_frames(rt):
    ref, lead_id = demo_lead(rt, name="Poison Test")
    _poison(rt, "leads", {"id": lead_id}, {
        "name": {"S": "Po\ud800ison"}, "status": {"S": "\udc00"},
        "tags": {"L": [{"S": "ok"}, {"S": "cut \ud83d"}]},
        "attributes.first_name": {"S": "Po\ud800"}, "last_message.text": {"S": "last \udfff words"},
    })

    for username in ("operator", "operator2"):
        headers = sign_in(rt, username)
        for tab in ("waiting", "all"):
            item = _item_of(_get(rt, f"/api/tabs/{tab}", headers), lead_id)
            assert item is not None, (username, tab)
            assert item["name"] == "Po\ufffdison" and item["last_message"]["text"] == "last \ufffd words"
        _get(rt, "/api/counts", headers)
    dialog = _get(rt, f"/api/dialogs/{lead_id}", sign_in(rt))["lead"]
    assert (dialog["name"], dialog["status"], dialog["tags"]) == ("Po\ufffdison", "\ufffd", ["ok", "cut \ufffd"])
    assert dialog["attributes"]["first_name"] == "Po\ufffd"
    lead = _get(rt, f"/bot/v1/leads/{ref}", {"Authorization": f"Bearer {rt.bot['api_key']}"})
    assert lead["name"] == "Po\ufffdison"

    # A live frame about the lead goes out too (a fan-out must not fail on one bad summary).
    async def scenario() -> dict[str, Any]:
        async with await connect(ticket_url(rt, sign_in(rt, "operator2")), open_timeout=TIMEOUT) as ws:
            await ws.send(json.dumps({"action": "view", "dialog_id": None, "tab": "waiting"}))
            requests.post(f"{rt.url}/demo-bot/leads/{ref}/messages", json={"text": "still waiting", "name": "x"},
                          timeout=30).raise_for_status()

            async def frame() -> dict[str, Any]:
                while True:
                    got = json.loads(await ws.recv())
                    if got.get("type", "").startswith("dialog.") and got.get("dialog", {}).get("lead_id") == lead_id:
                        return got

            return await asyncio.wait_for(frame(), TIMEOUT)

    assert run(scenario())["dialog"]["name"] == "Po\ufffdison"
    others_still_work(rt)


def test_a_lead_record_a_tab_cannot_sum_up_is_left_out_logged_and_the_tab_still_answers(rt):
    _, broken = demo_lead(rt, name="Broken Record")
    _, fine = demo_lead(rt, name="Fine Record")
    offset = rt.log_path.stat().st_size
    # A last message without its seq: no text to replace, nothing to render.
    _poison(rt, "leads", {"id": broken}, {}, remove=("last_message.seq",))
    for username in ("operator", "operator2"):
        for tab in ("waiting", "all"):
            page = _get(rt, f"/api/tabs/{tab}", sign_in(rt, username))
            assert _item_of(page, fine) is not None and _item_of(page, broken) is None, (username, tab)
    assert f"a stored lead could not be rendered; left out: id='{broken}'" in rt.log_text(offset)
    # The lead itself still opens (its panel does not show the tab's summary).
    assert _get(rt, f"/api/dialogs/{broken}", sign_in(rt))["lead"]["id"] == broken
    others_still_work(rt)


def test_a_bot_stored_with_a_lone_surrogate_keeps_the_bot_lists_and_ops_bots_list_working(rt):
    admin = sign_in(rt, "admin")
    created = requests.post(f"{rt.url}/api/admin/bots", headers=admin, json={"name": "To be poisoned"},
                            timeout=TIMEOUT)
    assert created.status_code == 201, created.text
    bot_id = created.json()["bot"]["id"]
    _poison(rt, "bots", {"id": bot_id}, {"name": {"S": "Bot \ud800"},
                                         "return_script": {"L": [{"S": "Back, \udc00"}]}})

    entries = _get(rt, "/api/bots", sign_in(rt, "operator2"))["items"]
    assert {"id": bot_id, "name": "Bot \ufffd", "enabled": True} in entries
    full = next(bot for bot in _get(rt, "/api/admin/bots", admin)["items"] if bot["id"] == bot_id)
    assert full["name"] == "Bot \ufffd" and full["scripts"]["return"] == ["Back, \ufffd"]
    assert _get(rt, f"/api/admin/bots/{bot_id}", admin)["name"] == "Bot \ufffd"

    backends = rt.backends
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("HANDOVER_", "AWS_"))},
           "HANDOVER_ENVIRONMENT": "local", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
    listed = subprocess.run(
        [sys.executable, "-m", "ops.bots", "--endpoint-url", backends["dynamodb_endpoint"], "--region",
         backends["region"], "--table-prefix", backends["table_prefix"], "list"],
        cwd=REPO, env=env, capture_output=True, timeout=120, check=False,
    )
    assert listed.returncode == 0, listed.stderr.decode(errors="replace")
    assert any(bot["id"] == bot_id and bot["name"] == "Bot \ufffd" for bot in json.loads(listed.stdout.decode("utf-8")))

    # Tolerated, and repairable through the API like any other bot.
    repaired = requests.patch(f"{rt.url}/api/admin/bots/{bot_id}", headers=admin, json={"name": "Repaired"},
                              timeout=TIMEOUT)
    assert repaired.status_code == 200 and repaired.json()["name"] == "Repaired"
    others_still_work(rt)


def test_the_webhook_queue_of_a_lead_stored_with_lone_surrogates_moves_on(rt):
    ref, lead_id = demo_lead(rt, name="Queue Test")
    _poison(rt, "leads", {"id": lead_id}, {"name": {"S": "Qu\ud800eue"}, "attributes.first_name": {"S": "Qu\ud800"}})
    operator, admin = sign_in(rt), sign_in(rt, "admin")
    # Joining runs the Transfer-to-operator script, whose {{first_name}} is the poisoned variable;
    # the edit sends lead.updated with the poisoned name. Both used to stall the queue for good.
    requests.post(f"{rt.url}/api/dialogs/{lead_id}/start", headers=operator, timeout=TIMEOUT).raise_for_status()
    edited = requests.patch(f"{rt.url}/api/dialogs/{lead_id}/lead", headers=operator, json={"status": "vip"},
                            timeout=TIMEOUT)
    assert edited.status_code == 200 and edited.json()["name"] == "Qu\ufffdeue"
    reply_reaches_the_bot(rt, operator, ref, lead_id, "the reply behind the poisoned events")

    heard = bot_heard(rt, ref)
    joined = "Hi Qu\ufffd, an operator joined the chat. They will answer you here."
    assert joined in heard
    assert heard.index("the reply behind the poisoned events") > heard.index(joined)
    script = next(m for m in _get(rt, f"/api/dialogs/{lead_id}", operator)["messages"]["items"]
                  if m.get("system_script"))
    assert script["delivery"] == "delivered"
    eventually(lambda: _queue(rt, lead_id) == [], timeout=WAIT)
    assert _dead_letters(rt, admin, lead_id) == []
    others_still_work(rt)


def test_a_stored_event_that_cannot_be_rendered_is_dead_lettered_and_the_queue_moves_on(rt):
    ref, lead_id = demo_lead(rt, name="Render Test")
    operator, admin = sign_in(rt), sign_in(rt, "admin")
    requests.post(f"{rt.url}/api/dialogs/{lead_id}/start", headers=operator, timeout=TIMEOUT).raise_for_status()
    eventually(lambda: _queue(rt, lead_id) == [], timeout=WAIT)  # the join is delivered; the queue is empty
    bot_id = _get(rt, f"/api/dialogs/{lead_id}", operator)["lead"]["bot"]
    offset = rt.log_path.stat().st_size
    unrenderable = f"evt_edge_unrenderable_{uuid.uuid4().hex[:8]}"
    with_surrogate = f"evt_edge_surrogate_{uuid.uuid4().hex[:8]}"
    payload = {"id": with_surrogate, "type": "message.created", "timestamp": "2026-01-01T00:00:00.000Z",
               "data": {"bot_id": bot_id, "lead": {"id": lead_id, "lead_ref": ref},
                        "dialog": {"state": "operator", "operators": ["operator"]},
                        "operator": {"username": "operator"},
                        "message": {"seq": 1, "from": "operator", "text": "cut \ud83d emoji", "attachments": [],
                                    "created_at": "2026-01-01T00:00:00.000Z"}}}
    # Two items at the head of the lead's queue (positions sort before every real one), as an
    # older version could have left them: a body that is not JSON, and one with a lone surrogate.
    for n, (event_id, body) in enumerate(((unrenderable, "{not json"),
                                          (with_surrogate, json.dumps(payload, ensure_ascii=False)))):
        now = "2026-01-01T00:00:00.000Z"
        _dynamodb(rt).put_item(TableName=_table(rt, "deliveries"), Item={
            "lead_id": {"S": lead_id}, "position": {"S": f"{0:012d}-edge-{n}"}, "bot_id": {"S": bot_id},
            "events": {"L": [{"M": {"id": {"S": event_id}, "type": {"S": "message.created"}, "body": {"S": body}}}]},
            "done": {"N": "0"}, "attempts": {"N": "0"}, "next_attempt_at": {"S": now},
            "due_key": {"S": due_key(lead_id)}, "created_at": {"S": now},
        })

    reply_reaches_the_bot(rt, operator, ref, lead_id, "the reply behind the unrenderable event")
    assert "cut \ufffd emoji" in bot_heard(rt, ref)
    letters = _dead_letters(rt, admin, lead_id)
    assert [(letter["id"], letter["reason"], letter["attempts"], letter["payload"]) for letter in letters] == [
        (unrenderable, "render_failed", 1, None)]
    assert "cannot be rendered" in letters[0]["last_error"]
    assert _get(rt, f"/api/admin/webhooks/dead-letters/{unrenderable}", admin)["reason"] == "render_failed"
    eventually(lambda: _queue(rt, lead_id) == [], timeout=WAIT)
    assert f"{unrenderable} to bot {bot_id} dead-lettered: render_failed" in rt.log_text(offset)
    others_still_work(rt)


def test_a_failed_webhook_attempt_is_logged_where_the_local_runtime_shows_it(rt):
    admin = sign_in(rt, "admin")
    closed = free_port()  # nothing listens there: every attempt fails
    created = requests.post(f"{rt.url}/api/admin/bots", headers=admin, timeout=TIMEOUT,
                            json={"name": "Unreachable bot", "webhook_url": f"http://127.0.0.1:{closed}/hook"})
    assert created.status_code == 201, created.text
    bot_id, key = created.json()["bot"]["id"], created.json()["api_key"]
    offset = rt.log_path.stat().st_size
    ref = f"edge-{uuid.uuid4().hex[:8]}"
    bot = {"Authorization": f"Bearer {key}"}
    requests.put(f"{rt.url}/bot/v1/leads/{ref}", headers=bot, json={"name": "Nobody home"},
                 timeout=TIMEOUT).raise_for_status()
    requests.post(f"{rt.url}/bot/v1/leads/{ref}/handoff", headers=bot, timeout=TIMEOUT).raise_for_status()
    eventually(lambda: f"webhook to bot {bot_id} failed" in rt.log_text(offset), timeout=WAIT)
    # Disabled again, so that its retries do not run for the rest of the module.
    requests.patch(f"{rt.url}/api/admin/bots/{bot_id}", headers=admin, json={"enabled": False},
                   timeout=TIMEOUT).raise_for_status()
