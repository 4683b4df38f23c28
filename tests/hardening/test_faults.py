"""Faults: DynamoDB throttling and errors injected into every REST write path (on moto, the
failure raised where botocore's own retries have given up). The caller gets a clean 503 with
Retry-After and the standard body, nothing is half written, and the same call succeeds once
DynamoDB is back (bots and the UI retry).

The k-th write request of a call fails, for k = 1, 2, ... until the call makes no more writes:
so a path with two separate writes whose second fails would be caught leaving the first.
"""

from __future__ import annotations

import json
import re
from typing import Any

import botocore.client
import pytest
from botocore.exceptions import ClientError

from tests.api.conftest import ADMIN
from tests.conftest import make_bot
from tests.hardening.test_authorization import RULES, _concrete

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}
FAULTS = ["ProvisionedThroughputExceededException", "ThrottlingException", "InternalServerError",
          "RequestLimitExceeded"]
# Not here: sign-in and TOTP (Cognito, no DynamoDB item), the dead-letter replays, which write only
# when there is a dead letter (their transaction is tested in tests/service/webhooks/test_dead_letters.py),
# and the admin's test delivery and script preview, which write nothing (the test delivery reads the bot
# once: tests/api/test_admin_screens_api.py; the preview reads no table); a canned reply's edit
# and delete, which write only when the reply exists (here they name none: 404; their
# transactions: tests/api/test_notes_and_canned_api.py).
NOT_HERE = ("/api/auth/login", "/api/auth/refresh", "/api/admin/webhooks/dead-letters/{letter_id}/replay",
            "/api/admin/webhooks/replay", "/api/auth/challenge", "/api/auth/totp-setup", "/api/auth/forgot-password",
            "/api/auth/reset-password", "/api/me/totp", "/api/me/totp/verify",
            "/api/admin/bots/{bot_id}/test-delivery", "/api/admin/scripts/preview",
            "/api/canned-replies/{shortcut}", "/api/admin/canned-replies/{shortcut}")
WRITE_ROUTES = sorted(route for route in RULES if route[0] != "GET" and route[1] not in NOT_HERE)


def snapshot() -> dict[str, list[str]]:
    """Every item of every table, read from moto's memory (no API call, so no Scan)."""
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends["123456789012"]["us-east-1"]
    return {name: sorted(json.dumps(item.to_json(), sort_keys=True) for item in table.all_items())
            for name, table in backend.tables.items()}


class FailingDynamoDB:
    """Raises `code` for the `fail_at`-th DynamoDB write request (1-based) of what follows."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, code: str) -> None:
        self.code = code
        self.fail_at = 0
        self.writes = 0
        original = botocore.client.BaseClient._make_api_call

        def call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            if client.meta.service_model.service_name == "dynamodb" and operation in WRITES:
                self.writes += 1
                if self.writes == self.fail_at:
                    raise ClientError({"Error": {"Code": self.code, "Message": "injected"},
                                       "ResponseMetadata": {"HTTPStatusCode": 400 if "Exceeded" in self.code
                                                            or "Throttl" in self.code else 500}}, operation)
            return original(client, operation, params)

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)

    def arm(self, fail_at: int) -> None:
        self.fail_at, self.writes = fail_at, 0


def _call(api: Any, bot: Any, route: tuple[str, str], params: dict[str, str]) -> Any:
    method, path = route
    rule = RULES[route]
    body = rule.body if rule.body is not None else {}
    if path.startswith("/bot/"):
        return api.call(method, _concrete(path, params), body, as_=None, token=bot.api_key)
    return api.call(method, _concrete(path, params), body, as_=ADMIN)


@pytest.mark.parametrize("route", WRITE_ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_a_failing_write_is_a_clean_503_and_leaves_nothing_half_written(api, leads, bot, monkeypatch, route):
    from chalicelib import bootstrap

    code = FAULTS[WRITE_ROUTES.index(route) % len(FAULTS)]
    faults = FailingDynamoDB(monkeypatch, code)
    managed = make_bot(bootstrap.services(), name="Managed bot")
    fail_at = 0
    while True:
        fail_at += 1
        assert fail_at < 20, "a call that never stops writing"
        ref = f"tg:fault-{fail_at}"
        lead_id = leads.make(ref, waiting=route[1].startswith("/api/"))
        if RULES[route].lead == "joined":
            api.post(f"/api/dialogs/{lead_id}/start", as_=ADMIN)
        params = {"tab": "waiting", "lead_id": lead_id, "bot_id": managed.id, "letter_id": "dl_missing",
                  "lead_ref": ref, "shortcut": "missing"}
        before = snapshot()
        faults.arm(fail_at)
        response = _call(api, bot, route, params)
        writes = faults.writes
        faults.arm(0)
        if writes < fail_at:
            break  # the call made fewer writes than fail_at: every write has been failed once
        assert response.status == 503, (route, fail_at, code, response.status, response.body)
        assert set(response.body) == {"error"} and response.body["error"]["code"] == "unavailable"
        assert re.fullmatch(r"\d+", response.headers.get("Retry-After", "")), response.headers
        assert snapshot() == before, f"{route}: write {fail_at} failed and left something written"
        # DynamoDB is back: the same call now succeeds.
        again = _call(api, bot, route, params)
        assert again.status < 300 or again.status == RULES[route].statuses["admin" if route[1].startswith("/api/")
                                                                             else "bot"], (route, again.body)
    assert fail_at > 1, f"{route} made no DynamoDB write: it does not belong in WRITE_ROUTES"


# --- websocket writes --------------------------------------------------------------------------

def _ws_event(connection_id: str, route: str, body: str | None = None, ticket: str | None = None) -> Any:
    from chalice.app import WebsocketEvent

    event = {"requestContext": {"routeKey": route, "connectionId": connection_id, "domainName": "ws.example",
                                "stage": "api", "apiId": "x", "eventType": "MESSAGE"},
             "queryStringParameters": {"ticket": ticket} if ticket else None, "body": body, "isBase64Encoded": False}
    return WebsocketEvent(event, None)


def test_websocket_writes_failing_give_a_clean_refusal_or_error_frame(aws, services, monkeypatch):
    from chalicelib import handlers
    from chalicelib.auth.tickets import issue_ticket

    live = services.live
    pushed: list[dict[str, Any]] = []
    monkeypatch.setattr(live.notifier, "push", lambda connection_id, frame: pushed.append(frame))
    faults = FailingDynamoDB(monkeypatch, "ProvisionedThroughputExceededException")
    ticket, _ = issue_ticket("alice", False, services.clock)

    # Redeeming the ticket (its delete) is throttled: refused with 503, the ticket still works.
    faults.arm(1)
    refused = handlers.ws_connect(_ws_event("c-1", "$connect", ticket=ticket))
    assert refused is not None and refused.status_code == 503
    assert live.connections.get("c-1") is None
    faults.arm(0)
    assert handlers.ws_connect(_ws_event("c-1", "$connect", ticket=ticket)) is None
    record = live.connections.get("c-1")
    assert record is not None

    # A view change throttled: an `unavailable` frame, the connection's view unchanged; then it works.
    lead_id = "ld_" + "a" * 26
    faults.arm(1)
    handlers.ws_message(_ws_event("c-1", "$default", json.dumps({"action": "view", "dialog_id": lead_id})))
    assert pushed[-1] == {"type": "error", "error": {"code": "unavailable",
                                                      "message": "the service is busy; send the frame again in a moment"}}
    assert live.connections.get("c-1") == record and record.viewing is None
    faults.arm(0)
    handlers.ws_message(_ws_event("c-1", "$default", json.dumps({"action": "view", "dialog_id": lead_id})))
    assert pushed[-1]["type"] == "viewing" and live.connections.get("c-1").viewing == lead_id

