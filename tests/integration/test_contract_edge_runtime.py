"""Issue 18 through the real local runtime (the local gateway, DynamoDB Local, moto's Cognito):
JSON nested too deep is a 400 `json_too_deep` before authentication, on every way in; a string
(value or key) holding a lone UTF-16 surrogate is a 422 `validation_failed` naming the field,
on the bot, operator and admin APIs; over the websocket both are an `error` frame and the
connection stays. Each time nothing is stored, and the other operators' tabs, the bot list
and the lead's webhook queue keep working. (Records stored before the fix:
test_poisoned_records_runtime.py.)"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import requests
from websockets.asyncio.client import connect

from tests.integration.helpers import (
    demo_lead,
    others_still_work,
    reply_reaches_the_bot,
    run,
    sign_in,
    ticket_url,
)

TIMEOUT = 10
DEEP_ARRAY = b"[" * 1000 + b"]" * 1000  # 2 KB: what the issue found
DEEP_OBJECT = b'{"a":' * 999 + b"{}" + b"}" * 999
JSON = {"Content-Type": "application/json"}
UNICODE = "not valid Unicode: holds a lone UTF-16 surrogate (U+D800-U+DFFF)"


def _bot(runtime) -> dict[str, str]:
    return {"Authorization": f"Bearer {runtime.bot['api_key']}"}


def _send(runtime, method: str, path: str, body: bytes, headers: dict[str, str] | None) -> requests.Response:
    return requests.request(method, f"{runtime.url}{path}", data=body, headers={**JSON, **(headers or {})},
                            timeout=TIMEOUT)


def _is_error(answer: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, (answer.request.method, answer.request.url, answer.status_code, answer.text)
    assert answer.headers["Content-Type"].startswith("application/json")
    body = answer.json()
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def _state(runtime, ref: str, lead_id: str, operator: dict[str, str]) -> tuple[dict, list]:
    """What a refusal must leave as it was: the lead as its bot sees it, and its messages."""
    lead = requests.get(f"{runtime.url}/bot/v1/leads/{ref}", headers=_bot(runtime), timeout=TIMEOUT).json()
    messages = requests.get(f"{runtime.url}/api/dialogs/{lead_id}/messages?after=0&limit=100", headers=operator,
                            timeout=TIMEOUT).json()["items"]
    # A script message's delivery state moves on its own (its webhook); links are signed anew.
    return lead, [{k: v for k, v in m.items() if k not in ("delivery", "attachments")} for m in messages]


def _bots(runtime, admin: dict[str, str]) -> list[dict]:
    return requests.get(f"{runtime.url}/api/admin/bots", headers=admin, timeout=TIMEOUT).json()["items"]


def test_deep_json_is_a_400_before_authentication_on_every_way_in_and_stores_nothing(handover_runtime):
    runtime = handover_runtime
    ref, lead_id = demo_lead(runtime)
    operator, admin = sign_in(runtime), sign_in(runtime, "admin")
    before, bots_before = _state(runtime, ref, lead_id, operator), _bots(runtime, admin)
    offset = runtime.log_path.stat().st_size
    nobody: dict[str, str] = {}
    wrong_key = {"Authorization": "Bearer hbk.bot_aaaaaaaaaaaaaaaa.not-the-key"}
    calls = [
        # Bot routes authenticate before they read the body: without a key, with a wrong one, with
        # the right one, the answer is the same 400, so the parser never saw the body.
        ("PUT", f"/bot/v1/leads/{ref}", nobody), ("PUT", f"/bot/v1/leads/{ref}", wrong_key),
        ("PUT", f"/bot/v1/leads/{ref}", _bot(runtime)), ("POST", f"/bot/v1/leads/{ref}/messages", nobody),
        ("POST", f"/bot/v1/leads/{ref}/messages", _bot(runtime)), ("POST", f"/bot/v1/leads/{ref}/handoff", wrong_key),
        ("POST", "/bot/v1/uploads", _bot(runtime)),
        ("POST", "/api/auth/login", nobody), ("POST", "/api/auth/refresh", nobody),
        ("PATCH", f"/api/dialogs/{lead_id}/lead", nobody), ("PATCH", f"/api/dialogs/{lead_id}/lead", operator),
        ("POST", f"/api/dialogs/{lead_id}/messages", operator), ("POST", "/api/uploads", operator),
        ("POST", "/api/admin/bots", admin), ("POST", "/api/admin/webhooks/replay", admin),
    ]
    for method, path, headers in calls:
        for body in (DEEP_ARRAY, DEEP_OBJECT):
            error = _is_error(_send(runtime, method, path, body, headers), 400, "json_too_deep")
            assert error["details"] == {"max_depth": 32} and "32" in error["message"]

    assert _state(runtime, ref, lead_id, operator) == before
    assert _bots(runtime, admin) == bots_before
    log = runtime.log_text(offset)
    assert "RecursionError" not in log and "Traceback" not in log
    others_still_work(runtime)
    reply_reaches_the_bot(runtime, operator, ref, lead_id)


def test_the_depth_limit_is_32_levels_and_what_is_within_it_reaches_the_parsers(handover_runtime):
    runtime = handover_runtime
    ref = f"edge-{uuid.uuid4().hex[:10]}"

    def lead_body(depth: int) -> bytes:
        # {"attributes": {"x": [[...]]}}: two levels of objects, then depth - 2 of arrays.
        return b'{"attributes": {"x": ' + b"[" * (depth - 2) + b"]" * (depth - 2) + b"}}"

    within = _is_error(_send(runtime, "PUT", f"/bot/v1/leads/{ref}", lead_body(32), _bot(runtime)),
                       422, "validation_failed")
    assert set(within["details"]["fields"]) == {"attributes.x"}  # a list is no attribute value
    _is_error(_send(runtime, "PUT", f"/bot/v1/leads/{ref}", lead_body(33), _bot(runtime)), 400, "json_too_deep")
    # Brackets inside a string are text, not depth.
    stored = _send(runtime, "PUT", f"/bot/v1/leads/{ref}", json.dumps({"status": "[" * 40}).encode(), _bot(runtime))
    assert stored.status_code == 201 and stored.json()["status"] == "[" * 40


def test_a_lone_surrogate_is_a_422_naming_the_field_on_every_api_and_nothing_is_stored(handover_runtime):
    runtime = handover_runtime
    ref, lead_id = demo_lead(runtime)
    operator, admin = sign_in(runtime), sign_in(runtime, "admin")
    requests.post(f"{runtime.url}/api/dialogs/{lead_id}/start", headers=operator, timeout=TIMEOUT).raise_for_status()
    before, bots_before = _state(runtime, ref, lead_id, operator), _bots(runtime, admin)
    demo_bot_id = before[0]["bot"]
    fresh = f"edge-{uuid.uuid4().hex[:10]}"
    # Raw JSON text: `\ud83d` is what a JavaScript bot sends when .slice() cuts an emoji in two.
    cases = [
        (_bot(runtime), "PUT", f"/bot/v1/leads/{ref}",
         '{"name": "Ann \\ud83d", "status": "ok", "tags": ["vip", "\\udc00"], '
         '"attributes": {"plan": "gold\\ud800", "k\\udfff": 1, "fine": "yes"}}',
         {"name", "tags[1]", "attributes.plan", "attributes.k\ufffd"}),
        (_bot(runtime), "PUT", f"/bot/v1/leads/{fresh}", '{"channel": "\\ud800", "language": "en"}', {"channel"}),
        (_bot(runtime), "POST", f"/bot/v1/leads/{ref}/messages",
         '{"id": "edge-sur-1", "from": "lead", "text": "cut \\ud83d emoji"}', {"text"}),
        (_bot(runtime), "POST", f"/bot/v1/leads/{ref}/handoff", '{"reason": "\\udbff"}', {"reason"}),
        (_bot(runtime), "POST", "/bot/v1/uploads", '{"filename": "a\\ud800.png", "content_type": "image/png", '
         '"size": 3}', {"filename"}),
        (operator, "PATCH", f"/api/dialogs/{lead_id}/lead",
         '{"status": "fine", "variables": {"note": "\\ud800"}, "tags": ["ok", "\\udc00"]}', {"variables.note", "tags[1]"}),
        (operator, "POST", f"/api/dialogs/{lead_id}/messages", '{"client_id": "edge-c1", "text": "\\ud800"}', {"text"}),
        (admin, "POST", "/api/admin/bots", '{"name": "Bot \\ud800"}', {"name"}),
        (admin, "PATCH", f"/api/admin/bots/{demo_bot_id}", '{"scripts": {"return": ["Back, \\udc00"]}}',
         {"scripts.return[0]"}),
        ({}, "POST", "/api/auth/login", '{"username": "operator\\ud800", "password": "x"}', {"username"}),
    ]
    for headers, method, path, body, fields in cases:
        error = _is_error(_send(runtime, method, path, body.encode(), headers), 422, "validation_failed")
        assert error["details"]["fields"] == dict.fromkeys(fields, UNICODE), (path, error)

    # Nothing was stored: the lead, its messages and the bots are as they were, the fresh lead does
    # not exist, and the refused message id and client id are still free.
    assert _state(runtime, ref, lead_id, operator) == before
    assert _bots(runtime, admin) == bots_before
    assert requests.get(f"{runtime.url}/bot/v1/leads/{fresh}", headers=_bot(runtime), timeout=TIMEOUT).status_code == 404
    again = requests.post(f"{runtime.url}/bot/v1/leads/{ref}/messages", headers=_bot(runtime), timeout=TIMEOUT,
                          json={"id": "edge-sur-1", "from": "lead", "text": "whole emoji 😀"})
    assert again.status_code == 201, again.text
    # A surrogate PAIR is one valid character: accepted, stored and read back whole.
    paired = _send(runtime, "PUT", f"/bot/v1/leads/{ref}", b'{"status": "ok \\ud83d\\ude00"}', _bot(runtime))
    assert paired.status_code == 200 and paired.json()["status"] == "ok 😀"

    others_still_work(runtime)
    reply_reaches_the_bot(runtime, operator, ref, lead_id)


def test_a_lone_surrogate_cannot_come_in_through_a_path_or_a_query_parameter(handover_runtime):
    runtime = handover_runtime
    # API Gateway passes the path undecoded; lead_ref is percent-decoded with errors replaced
    # (U+FFFD), which its pattern refuses. Query strings are decoded the same way.
    answer = requests.get(f"{runtime.url}/bot/v1/leads/%ED%A0%80", headers=_bot(runtime), timeout=TIMEOUT)
    assert set(_is_error(answer, 422, "validation_failed")["details"]["fields"]) == {"lead_ref"}
    operator = sign_in(runtime)
    answer = requests.get(f"{runtime.url}/api/tabs/all?cursor=%ED%A0%80", headers=operator, timeout=TIMEOUT)
    assert "cursor" in _is_error(answer, 422, "validation_failed")["details"]["fields"]


def test_websocket_frames_too_deep_or_not_unicode_get_an_error_frame_and_the_connection_stays(handover_runtime):
    runtime = handover_runtime
    headers = sign_in(runtime, "operator2")
    offset = runtime.log_path.stat().st_size

    async def answer_to(ws, frame: str) -> dict[str, Any]:
        await ws.send(frame)
        return json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))

    async def scenario() -> list[dict[str, Any]]:
        answers = []
        async with await connect(ticket_url(runtime, headers), open_timeout=TIMEOUT) as ws:
            for frame in ("[" * 2000, '{"action": "view", "dialog_id": null, "x": ' + "[" * 1500 + "]" * 1500 + "}",
                          '{"action": "view", "dialog_id": "\\ud800", "tab": "all"}',
                          '{"action": "ping", "\\udc00": true}'):
                answers.append(await answer_to(ws, frame))
            answers.append(await answer_to(ws, json.dumps({"action": "ping"})))  # the same connection
        return answers

    deep_array, deep_object, bad_value, bad_key, pong = run(scenario())
    for deep in (deep_array, deep_object):
        assert deep["type"] == "error" and deep["error"]["code"] == "json_too_deep", deep
        assert deep["error"]["details"] == {"max_depth": 32}
    assert bad_value["error"]["code"] == "invalid_frame"
    assert bad_value["error"]["details"] == {"fields": {"dialog_id": "holds a lone UTF-16 surrogate (U+D800-U+DFFF)"}}
    assert bad_key["error"]["code"] == "invalid_frame" and set(bad_key["error"]["details"]["fields"]) == {"\ufffd"}
    assert pong == {"type": "pong"}
    log = runtime.log_text(offset)
    assert "RecursionError" not in log and "Traceback" not in log
    others_still_work(runtime)
