"""The websocket side: $connect with a ticket, client frames, $disconnect, gone
connections, the connection record's TTL, and what a publish costs in DynamoDB."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace

import boto3
import pytest
from botocore.stub import Stubber

import app
from chalicelib import handlers
from chalicelib.adapters.notifier import Gone, ManagementApiNotifier
from chalicelib.auth.tickets import issue_ticket
from chalicelib.config import get_settings
from chalicelib.storage.connections import ConnectionModel
from tests.service.live_support import build_harness


@pytest.fixture
def live(aws):
    return build_harness()


# --- $connect -------------------------------------------------------------------------

def test_connect_needs_a_valid_ticket_and_a_ticket_works_once(live):
    assert live.services.live.connect("c-1", None) is None
    assert live.services.live.connect("c-1", "wst_not-a-real-ticket") is None
    ticket, _ = issue_ticket("alice", True, live.clock)
    operator = live.services.live.connect("c-1", ticket)
    assert operator is not None and operator.username == "alice"
    assert live.services.live.connect("c-2", ticket) is None

    record = ConnectionModel.get("c-1")
    assert (record.operator, record.admin, record.visible, record.viewing) == ("alice", True, True, None)
    assert record.connected_at == "2026-01-01T00:00:00.000Z"
    # API Gateway cuts a connection after 2 hours; the record outlives that a little.
    assert record.expires_at == live.clock.now() + timedelta(hours=2, minutes=15)
    assert ConnectionModel.count("c-2") == 0


def test_an_expired_ticket_is_refused(live):
    ticket, _ = issue_ticket("alice", False, live.clock)
    live.clock.advance(61)
    assert live.services.live.connect("c-1", ticket) is None


def test_connections_past_their_ttl_receive_nothing(live):
    lead_id = live.lead()
    live.connect("old", "alice", view=lead_id)
    live.clock.advance(3 * 3600)
    live.connect("new", "bob", view=lead_id)
    live.bot_says("hello")
    assert live.frames("old") == []
    assert live.types("new") == ["message.created"]


# --- client frames --------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "malformed_frame"),
        ("", "malformed_frame"),
        ("[1, 2]", "malformed_frame"),
        ('{"dialog_id": "ld_x"}', "malformed_frame"),
        ('{"action": 7}', "malformed_frame"),
        ('{"action": "subscribe"}', "unknown_action"),
        ('{"action": "view"}', "invalid_frame"),
        ('{"action": "view", "dialog_id": 12}', "invalid_frame"),
        ('{"action": "view", "dialog_id": "../../etc"}', "invalid_frame"),
        ('{"action": "view", "dialog_id": null, "tab": "archive"}', "invalid_frame"),
        ('{"action": "view", "dialog_id": null, "view_seq": -1}', "invalid_frame"),
        ('{"action": "view", "dialog_id": null, "view_seq": "7"}', "invalid_frame"),
        ('{"action": "view", "dialog_id": null, "view_seq": true}', "invalid_frame"),
        ('{"action": "view", "dialog_id": null, "view_seq": 9007199254740992}', "invalid_frame"),
        ('{"action": "visibility", "visible": "yes"}', "invalid_frame"),
        ('{"action": "visibility"}', "invalid_frame"),
        ('{"action": "ping", "pad": "' + "x" * 5000 + '"}', "frame_too_large"),
    ],
)
def test_bad_frames_are_answered_with_an_error_frame(live, raw, code):
    live.connect("alice", "alice")
    answer = live.send("alice", raw)
    assert answer["type"] == "error" and answer["error"]["code"] == code
    assert answer["error"]["message"]
    # The connection is untouched.
    record = ConnectionModel.get(live.ids["alice"])
    assert record.viewing is None and record.visible is True and record.tab == "waiting"


def test_ping_view_and_visibility(live):
    live.connect("alice", "alice")
    assert live.send("alice", {"action": "ping"}) == {"type": "pong"}
    assert live.send("alice", {"action": "view", "dialog_id": "ld_abc", "tab": "all"}) == {
        "type": "viewing", "dialog_id": "ld_abc", "tab": "all",
    }
    assert live.send("alice", {"action": "visibility", "visible": False}) == {"type": "visibility", "visible": False}
    record = ConnectionModel.get(live.ids["alice"])
    assert (record.viewing, record.tab, record.visible) == ("ld_abc", "all", False)

    # A view without `tab` keeps the tab; null hides the panel and drops the sparse key.
    live.send("alice", {"action": "view", "dialog_id": None})
    record = ConnectionModel.get(live.ids["alice"])
    assert (record.viewing, record.tab) == (None, "all")
    assert "viewing" not in record.serialize()
    assert list(ConnectionModel.viewers.query("ld_abc")) == []


def test_an_older_view_arriving_after_a_newer_one_is_dropped(live):
    """API Gateway may run a connection's frames out of order: the tab click's `view` (null)
    landing after the dialog's must not leave the connection viewing nothing."""
    live.connect("alice", "alice")
    assert live.send("alice", {"action": "view", "dialog_id": "ld_abc", "tab": "waiting", "view_seq": 2}) == {
        "type": "viewing", "dialog_id": "ld_abc", "tab": "waiting", "view_seq": 2,
    }
    assert live.send("alice", {"action": "view", "dialog_id": None, "tab": "all", "view_seq": 1}) is None
    record = ConnectionModel.get(live.ids["alice"])
    assert (record.viewing, record.tab, record.view_seq) == ("ld_abc", "waiting", 2)
    assert [c.connection_id for c in ConnectionModel.viewers.query("ld_abc")] == [live.ids["alice"]]
    # The same number again is not newer either; a larger one wins.
    assert live.send("alice", {"action": "view", "dialog_id": None, "view_seq": 2}) is None
    assert live.send("alice", {"action": "view", "dialog_id": None, "view_seq": 3})["view_seq"] == 3
    assert ConnectionModel.get(live.ids["alice"]).viewing is None


def test_a_numbered_view_of_an_unknown_connection_asks_it_to_reconnect(live):
    answer = live.services.live.receive("never-connected", '{"action": "view", "dialog_id": null, "view_seq": 1}')
    assert answer["error"]["code"] == "connection_unknown"
    assert ConnectionModel.count("never-connected") == 0


def test_frames_of_an_unknown_connection_ask_it_to_reconnect(live):
    answer = live.services.live.receive("never-connected", '{"action": "view", "dialog_id": null}')
    assert answer["error"]["code"] == "connection_unknown"
    # ... and do not create a record behind $connect's back.
    assert ConnectionModel.count("never-connected") == 0


def test_disconnect_deletes_the_record(live):
    live.connect("alice", "alice")
    live.services.live.disconnect(live.ids["alice"])
    assert ConnectionModel.count(live.ids["alice"]) == 0
    live.services.live.disconnect(live.ids["alice"])  # a second $disconnect is harmless


# --- the Chalice handlers in app.py -----------------------------------------------------

def _event(route: str, connection_id: str, *, body: str | None = None, query: dict | None = None) -> dict:
    """An event shaped like API Gateway's websocket events."""
    event_type = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route, "MESSAGE")
    return {
        "requestContext": {
            "routeKey": route, "eventType": event_type, "connectionId": connection_id,
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com", "stage": "api", "apiId": "abc123",
        },
        "queryStringParameters": query,
        "body": body,
        "isBase64Encoded": False,
    }


def test_the_app_handlers_connect_answer_and_disconnect(live, monkeypatch):
    monkeypatch.setattr(handlers, "bootstrap", SimpleNamespace(services=lambda: live.services))
    ticket, _ = issue_ticket("alice", False, live.clock)

    assert app.ws_connect(_event("$connect", "c-1"), None)["statusCode"] == 401
    assert app.ws_connect(_event("$connect", "c-1", query={"ticket": "wst_forged"}), None)["statusCode"] == 401
    assert app.ws_connect(_event("$connect", "c-1", query={"ticket": ticket}), None)["statusCode"] == 200
    assert ConnectionModel.get("c-1").operator == "alice"

    assert app.ws_message(_event("$default", "c-1", body='{"action":"ping"}'), None)["statusCode"] == 200
    assert app.ws_message(_event("$default", "c-1", body="{oops"), None)["statusCode"] == 200
    frames = live.management.frames["c-1"]
    assert frames[0] == {"type": "pong"}
    assert frames[1]["type"] == "error" and frames[1]["error"]["code"] == "malformed_frame"

    assert app.ws_disconnect(_event("$disconnect", "c-1"), None)["statusCode"] == 200
    assert ConnectionModel.count("c-1") == 0


def test_a_failing_store_answers_an_error_frame_not_a_crash(live, monkeypatch):
    monkeypatch.setattr(handlers, "bootstrap", SimpleNamespace(services=lambda: live.services))
    live.connect("alice", "alice")

    def broken(*args, **kwargs):
        raise RuntimeError("DynamoDB is down")

    monkeypatch.setattr(live.services.connections, "set_view", broken)
    answer = app.ws_message(_event("$default", live.ids["alice"], body='{"action":"view","dialog_id":null}'), None)
    assert answer["statusCode"] == 200
    assert live.frames("alice")[-1]["error"]["code"] == "internal_error"


# --- gone connections -------------------------------------------------------------------

def test_a_push_that_meets_gone_deletes_that_connection_only(live):
    lead_id = live.lead()
    live.connect("alive", "alice", view=lead_id)
    live.connect("dead", "bob", view=lead_id)
    live.management.gone.add(live.ids["dead"])

    live.bot_says("hello")

    assert live.types("alive") == ["message.created"]
    assert ConnectionModel.count(live.ids["dead"]) == 0
    assert ConnectionModel.count(live.ids["alive"]) == 1
    live.management.clear()
    live.bot_says("again")
    assert live.ids["dead"] not in live.management.attempts


def test_the_notifier_maps_api_gateways_410_to_gone():
    """With boto3's own client and response parsing (Stubber), as API Gateway answers it."""
    management = boto3.client("apigatewaymanagementapi", region_name="us-east-1",
                              endpoint_url="https://abc123.execute-api.us-east-1.amazonaws.com/api",
                              aws_access_key_id="x", aws_secret_access_key="x")
    notifier = ManagementApiNotifier(get_settings(), management)
    with Stubber(management) as stub:
        stub.add_client_error("post_to_connection", service_error_code="GoneException", http_status_code=410)
        stub.add_client_error("post_to_connection", service_error_code="LimitExceededException", http_status_code=429)
        stub.add_response("post_to_connection", {}, {"ConnectionId": "c-3", "Data": b'{"type":"pong"}'})
        with pytest.raises(Gone):
            notifier.push("c-1", {"type": "pong"})
        assert notifier.push("c-2", {"type": "pong"}) is False  # logged, not raised, not gone
        assert notifier.push("c-3", {"type": "pong"}) is True


def test_frames_over_api_gateways_limit_are_not_sent(live):
    live.connect("alice", "alice")
    notifier = live.services.live.notifier
    assert notifier.push(live.ids["alice"], {"type": "x", "pad": "y" * (130 * 1024)}) is False
    assert live.frames("alice") == []


# --- publishing is safe and cheap --------------------------------------------------------

def test_a_failing_push_never_fails_the_change(live, monkeypatch):
    lead_id = live.lead()
    live.connect("alice", "alice", view=lead_id)

    def broken(*args, **kwargs):
        raise RuntimeError("management API is down")

    monkeypatch.setattr(live.management, "post_to_connection", broken)
    live.bot_says("stored anyway")
    monkeypatch.setattr(live.connections, "viewing", broken)
    live.bot_says("stored too")
    from chalicelib.storage.models import MessageModel

    assert [m.text for m in MessageModel.query(lead_id)] == ["stored anyway", "stored too"]


def _push_requests(live, aws) -> list[list[str]]:
    """The DynamoDB requests of the live pushes of each change (not the dialog service's own)."""
    spans: list[list[str]] = []
    inner = live.pushes

    class Spy:
        def changed(self, change):
            start = len(aws.calls)
            inner.changed(change)
            spans.append([op for service, op in aws.calls[start:] if service == "dynamodb"])

    live.services.consequences.listeners = (Spy(),)
    return spans


def test_dynamodb_requests_of_the_pushes_of_a_change(live, aws):
    lead_id = live.lead()
    for i in range(5):
        live.connect(f"viewer{i}", f"op{i}", view=lead_id, tab="all" if i % 2 else "waiting")
    spans = _push_requests(live, aws)

    live.bot_says("bot state: viewers + All tab")
    assert spans[-1] == ["Query", "Query"]

    live.handoff()  # Waiting and its count move: one Query of every connection serves all audiences
    assert spans[-1] == ["Query", "BatchGetItem"]

    live.services.dialogs.start(lead_id, "op1")
    assert spans[-1] == ["Query", "BatchGetItem"]

    live.services.dialogs.send_operator_message(lead_id, "op1", "c-1", "hi", ())
    assert spans[-1] == ["Query", "Query", "Query"]  # All tab, op1, viewers

    live.services.dialogs.start(lead_id, "op2")  # only Mine moves: op1 and op2, All tab, viewers
    assert spans[-1] == ["Query", "Query", "Query", "Query", "BatchGetItem"]

    live.management.gone.update({live.ids["viewer3"], live.ids["viewer4"]})
    live.lead_says("two are gone")
    assert spans[-1] == ["Query", "Query", "Query", "Query", "BatchWriteItem"]
    assert ConnectionModel.count(live.ids["viewer3"]) == ConnectionModel.count(live.ids["viewer4"]) == 0

    live.lead("tg:2")  # a new dialog moves the All count for everyone
    assert spans[-1] == ["Query", "BatchGetItem"]


def test_the_cost_of_the_pushes_does_not_grow_with_the_audience(aws):
    live = build_harness()
    lead_id = live.lead()
    live.connect("one", "op0", view=lead_id, tab="all")
    spans = _push_requests(live, aws)
    live.handoff()
    few = spans[-1]
    for i in range(40):
        live.connect(f"c{i}", f"op{i % 15}", view=lead_id if i % 3 else None, tab="all")
    live.services.dialogs.resolve(lead_id, "op0")
    live.handoff()
    assert spans[-1] == few == ["Query", "BatchGetItem"]
    assert len(live.frames("c39")) >= 3


def test_pushes_go_out_in_parallel_and_in_order_per_connection(aws):
    live = build_harness(max_workers=4)
    lead_id = live.lead()
    for i in range(6):
        live.connect(f"c{i}", f"op{i}", view=lead_id, tab="all")
    live.handoff()
    for i in range(6):
        assert live.types(f"c{i}") == ["message.created", "lead.updated", "dialog.added:waiting", "dialog.updated:all"]


def test_frames_are_json_text(live):
    lead_id = live.lead()
    live.connect("alice", "alice", view=lead_id)
    live.bot_says("Привет")
    # The fake decoded the bytes as JSON; check the notifier sent UTF-8, not \\u escapes.
    from chalicelib.adapters.notifier import encode

    assert "Привет".encode() in encode(live.frames("alice")[0])
    assert json.loads(encode({"a": "é"})) == {"a": "é"}
