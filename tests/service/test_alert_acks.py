"""Alerts and their acknowledgements (issue 19 item 1, docs/notifications.md): every notifiable
frame carries an `alert` id; each operator it reached counts +1 for it; the page
that delivered it sends `{"action": "ack", "alert": id}`, counted as -1 for the connection's
operator. One metric, `UnacknowledgedAlerts`, whose Sum per operator is raised - acknowledged;
no DynamoDB write."""

from __future__ import annotations

import pytest

from chalicelib import observability
from tests.service.live_support import build_harness


@pytest.fixture
def live(aws, monkeypatch):
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    harness = build_harness()
    observability.reset_recorded()
    yield harness
    observability.reset_recorded()


def _per_operator(sign: int) -> dict[str, float]:
    """Raised (+1) or acknowledged (-1) alerts per operator."""
    totals: dict[str, float] = {}
    for metric in observability.recorded(observability.UNACKNOWLEDGED_ALERTS):
        assert metric.operator is not None and metric.value in (1, -1)
        if metric.value == sign:
            totals[metric.operator] = totals.get(metric.operator, 0) + 1
    return totals


def _unacknowledged() -> dict[str, float]:
    """What the dashboard shows per operator: the metric's Sum."""
    totals: dict[str, float] = {}
    for metric in observability.recorded(observability.UNACKNOWLEDGED_ALERTS):
        totals[metric.operator] = totals.get(metric.operator, 0) + metric.value
    return totals


def _alerts(frames: list[dict]) -> list[str]:
    return [frame["alert"] for frame in frames if "alert" in frame]


def test_a_handoff_raises_one_alert_per_operator_reached_with_one_id(live):
    live.lead()
    live.connect("alice", "alice", tab="waiting")
    live.connect("alice-2", "alice", tab="mine", visible=False)
    live.connect("bob", "bob", tab="all", visible=False)
    live.handoff()
    ids = {*_alerts(live.frames("alice")), *_alerts(live.frames("alice-2")), *_alerts(live.frames("bob"))}
    assert len(ids) == 1  # the same event: the same id in every tab of every operator
    assert _per_operator(1) == {"alice": 1.0, "bob": 1.0}


def test_only_notifiable_frames_carry_an_alert(live):
    lead_id = live.lead()
    live.connect("alice", "alice", tab="all")
    live.bot_says("hello")  # with the bot: no sound, no alert
    assert _alerts(live.frames("alice")) == []
    live.handoff()
    live.services.dialogs.start(lead_id, "alice")
    live.management.clear()
    observability.reset_recorded()
    live.lead_says("but the lead writing is one")
    added = [f for f in live.frames("alice") if f["type"] == "dialog.updated" and f["tab"] == "mine"]
    assert [bool(f.get("alert")) for f in added] == [True]
    assert _per_operator(1) == {"alice": 1.0}


def test_each_lead_message_is_a_new_alert(live):
    lead_id = live.lead()
    live.handoff()
    live.services.dialogs.start(lead_id, "alice")
    live.connect("alice", "alice", tab="mine", visible=False)
    live.lead_says("one")
    live.lead_says("two")
    first, second = _alerts(live.frames("alice"))
    assert first != second and first.startswith(f"{lead_id}:")
    assert _per_operator(1) == {"alice": 2.0}


def test_no_alert_is_raised_for_an_operator_whose_only_connection_is_gone(live):
    live.lead()
    live.connect("alice", "alice", tab="waiting")
    live.connect("bob", "bob", tab="waiting")
    live.management.gone.add(live.ids["bob"])
    live.handoff()
    assert _per_operator(1) == {"alice": 1.0}


def test_an_ack_counts_for_the_connections_operator_and_has_no_answer(live):
    live.lead()
    live.connect("alice", "alice", tab="waiting", visible=False)
    live.handoff()
    alert, = _alerts(live.frames("alice"))
    # The operator comes from the connection's record, not from anything in the frame.
    assert live.send("alice", {"action": "ack", "alert": alert, "operator": "mallory"}) is None
    assert _per_operator(-1) == {"alice": 1.0}
    assert _unacknowledged() == {"alice": 0}


def test_an_alert_not_acknowledged_stays_in_the_difference(live):
    live.lead()
    live.connect("alice", "alice", tab="waiting", visible=False)
    live.connect("bob", "bob", tab="waiting", visible=False)
    live.handoff()
    alert, = _alerts(live.frames("alice"))
    live.send("alice", {"action": "ack", "alert": alert})
    assert _unacknowledged() == {"alice": 0, "bob": 1.0}


@pytest.mark.parametrize("frame", [
    {"action": "ack"},
    {"action": "ack", "alert": 7},
    {"action": "ack", "alert": ""},
    {"action": "ack", "alert": "x" * 200},
    {"action": "ack", "alert": "lead:1"},
    {"action": "ack", "alert": "le ad:1:2"},
])
def test_a_malformed_ack_is_answered_with_an_error_and_counts_nothing(live, frame):
    live.connect("alice", "alice")
    answer = live.send("alice", frame)
    assert answer["type"] == "error" and answer["error"]["code"] == "invalid_frame"
    assert _per_operator(-1) == {}


def test_an_ack_from_an_unknown_connection_asks_to_reconnect(live):
    live.connect("alice", "alice")
    live.services.live.disconnect(live.ids["alice"])
    answer = live.send("alice", {"action": "ack", "alert": "abc:1:2"})
    assert answer["error"]["code"] == "connection_unknown"
    assert _per_operator(-1) == {}
