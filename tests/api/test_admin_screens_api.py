"""The admin routes behind the admin screens (docs/operator-api.md): the test delivery to a bot's
webhook, the script preview and the operators with their presence. Each is admins-only, and
each real answer conforms to the OpenAPI document."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chalicelib.api.openapi_operator import operator_openapi
from tests.api.conftest import ADMIN, OPERATOR, SECOND_OPERATOR
from tests.api.openapi_checks import conforms


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]
    status = 204

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append({"headers": dict(self.headers.items()), "body": body})
        self.send_response(self.status)
        self.end_headers()
        if self.status != 204:
            self.wfile.write(b"refused by the test")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, type[_Hook]]]:
    """A webhook receiver on loopback (the tests run as the local environment, which allows it)."""
    handler = type("Hook", (_Hook,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", handler
    server.shutdown()
    server.server_close()


def _verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return expected in headers["webhook-signature"].split(" ")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_test_delivery_sends_a_signed_ping_and_answers_the_outcome(api, webhook, aws):
    url, hook = webhook
    created = api.post("/api/admin/bots", {"name": "Pinged", "webhook_url": url}, as_=ADMIN).body
    bot_id, secret = created["bot"]["id"], created["webhook_secret"]
    aws.clear()

    answer = api.post(f"/api/admin/bots/{bot_id}/test-delivery", as_=ADMIN)

    assert answer.status == 200, answer.body
    conforms(operator_openapi(), "/api/admin/bots/{bot_id}/test-delivery", "post", 200, answer.body)
    assert answer.body["ok"] is True and answer.body["status"] == 204 and answer.body["error"] is None
    assert answer.body["url"] == url and answer.body["latency_ms"] >= 0
    [call] = hook.received
    headers = {k.lower(): v for k, v in call["headers"].items()}
    assert headers["webhook-id"] == answer.body["event_id"]
    assert _verify(secret, headers, call["body"])
    event = json.loads(call["body"])
    assert event["type"] == "ping" and event["data"] == {"bot_id": bot_id, "test": True}
    # Nothing is queued or dead-lettered: one read of the bot, no write.
    assert aws.dynamodb() == ["GetItem"]


def test_test_delivery_signs_with_both_secrets_during_a_rotation(api, webhook):
    url, hook = webhook
    created = api.post("/api/admin/bots", {"name": "Rotating", "webhook_url": url}, as_=ADMIN).body
    bot_id = created["bot"]["id"]
    new = api.post(f"/api/admin/bots/{bot_id}/rotate-webhook-secret", as_=ADMIN).body["webhook_secret"]
    assert api.post(f"/api/admin/bots/{bot_id}/test-delivery", as_=ADMIN).body["ok"] is True
    headers = {k.lower(): v for k, v in hook.received[0]["headers"].items()}
    assert _verify(new, headers, hook.received[0]["body"])
    assert _verify(created["webhook_secret"], headers, hook.received[0]["body"])


def test_a_failing_webhook_is_an_answer_not_an_error(api, webhook):
    url, hook = webhook
    hook.status = 500
    bot_id = api.post("/api/admin/bots", {"name": "Broken", "webhook_url": url}, as_=ADMIN).body["bot"]["id"]
    refused = api.post(f"/api/admin/bots/{bot_id}/test-delivery", as_=ADMIN)
    assert refused.status == 200
    assert (refused.body["ok"], refused.body["status"], refused.body["answer"]) == (False, 500, "refused by the test")

    unreachable = f"http://127.0.0.1:{_closed_port()}/hook"
    api.patch(f"/api/admin/bots/{bot_id}", {"webhook_url": unreachable}, as_=ADMIN)
    down = api.post(f"/api/admin/bots/{bot_id}/test-delivery", as_=ADMIN).body
    assert down["ok"] is False and down["status"] is None and "connection failed" in down["error"]
    conforms(operator_openapi(), "/api/admin/bots/{bot_id}/test-delivery", "post", 200, down)


def test_test_delivery_refusals(api):
    bot_id = api.post("/api/admin/bots", {"name": "No hook"}, as_=ADMIN).body["bot"]["id"]
    no_url = api.post(f"/api/admin/bots/{bot_id}/test-delivery", as_=ADMIN)
    assert no_url.status == 409 and no_url.body["error"]["code"] == "no_webhook_url"
    assert api.post("/api/admin/bots/bot_nosuchbot/test-delivery", as_=ADMIN).status == 404
    forbidden = api.post(f"/api/admin/bots/{bot_id}/test-delivery", as_=OPERATOR)
    assert forbidden.status == 403 and forbidden.body["error"]["code"] == "forbidden"


def test_script_preview_renders_with_the_domain_rules(api):
    texts = ["An operator joined the chat, {{first_name}}.", "Your company: {{company|not given}}",
             "Hello {{nickname}}!", "{{nothing}}"]
    sample = api.post("/api/admin/scripts/preview", {"texts": texts}, as_=ADMIN)
    assert sample.status == 200, sample.body
    conforms(operator_openapi(), "/api/admin/scripts/preview", "post", 200, sample.body)
    # The built-in sample lead; an empty placeholder goes with its punctuation, a blank text goes.
    assert sample.body["messages"] == ["An operator joined the chat, Anna.", "Your company: not given", "Hello!"]
    assert sample.body["lead"]["name"] == "Anna Petrova"

    own = api.post("/api/admin/scripts/preview", {"texts": ["Hi {{name}}, {{vip}}"],
                                                   "lead": {"name": "Bo", "attributes": {"vip": True}}}, as_=ADMIN)
    assert own.body["messages"] == ["Hi Bo, true"]
    nameless = api.post("/api/admin/scripts/preview", {"texts": ["Hi {{name}}, welcome"], "lead": {}}, as_=ADMIN)
    assert nameless.body["messages"] == ["Hi, welcome"]


def test_script_preview_refusals(api):
    too_many = api.post("/api/admin/scripts/preview", {"texts": ["x"] * 11}, as_=ADMIN)
    assert too_many.status == 422 and too_many.body["error"]["code"] == "validation_failed"
    assert api.post("/api/admin/scripts/preview", {"texts": "x"}, as_=ADMIN).status == 422
    assert api.post("/api/admin/scripts/preview", {"texts": [], "extra": 1}, as_=ADMIN).status == 422
    assert api.post("/api/admin/scripts/preview", None, as_=ADMIN).status == 400
    assert api.post("/api/admin/scripts/preview", {"texts": ["x"]}, as_=OPERATOR).status == 403


def test_operators_with_their_presence(api, cognito, aws):
    from chalicelib import bootstrap

    connections = bootstrap.services().connections
    now = datetime.now(UTC)
    connections.add("conn-a1", OPERATOR, False, now)
    connections.add("conn-a2", OPERATOR, False, now)
    connections.set_visible("conn-a2", False)
    api.get("/api/me", as_=ADMIN)  # the admin's token first: only the listing is counted below
    aws.clear()

    answer = api.get("/api/admin/operators", as_=ADMIN)

    assert answer.status == 200, answer.body
    conforms(operator_openapi(), "/api/admin/operators", "get", 200, answer.body)
    by_name = {entry["username"]: entry for entry in answer.body["items"]}
    assert set(by_name) == {OPERATOR, SECOND_OPERATOR, ADMIN}
    alice, bob, root = by_name[OPERATOR], by_name[SECOND_OPERATOR], by_name[ADMIN]
    assert (alice["online"], alice["connections"], alice["visible"], alice["admin"]) == (True, 2, True, False)
    assert (bob["online"], bob["connections"], bob["connected_at"]) == (False, 0, None)
    assert root["admin"] is True and alice["enabled"] is True and alice["status"] == "CONFIRMED"
    assert answer.body["next_cursor"] is None
    assert answer.body["console_url"] == (
        f"https://us-east-1.console.aws.amazon.com/cognito/v2/idp/user-pools/{cognito.pool_id}/users"
        "?region=us-east-1")
    # Presence is one Query of the `online` index for the whole page, not one per operator.
    assert aws.dynamodb() == ["Query"]
    assert [op for service, op in aws.calls if service == "cognito-idp"] == ["ListUsers", "ListUsersInGroup"]


def test_operators_page_by_page(api):
    first = api.get("/api/admin/operators?limit=2", as_=ADMIN).body
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = api.get(f"/api/admin/operators?limit=2&cursor={first['next_cursor']}", as_=ADMIN).body
    names = [e["username"] for e in first["items"] + second["items"]]
    assert sorted(names) == sorted([OPERATOR, SECOND_OPERATOR, ADMIN]) and second["next_cursor"] is None


def test_operators_refusals(api):
    assert api.get("/api/admin/operators", as_=OPERATOR).status == 403
    assert api.get("/api/admin/operators?limit=61", as_=ADMIN).status == 422
    assert api.get("/api/admin/operators?limit=0", as_=ADMIN).status == 422
