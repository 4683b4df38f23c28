"""The live pushes' metrics for the ops dashboard: the handover latency (a bot's request
arriving -> its first frame posted to an operator) and gone connections."""

from __future__ import annotations

import time

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


def test_a_bot_handoff_seen_by_an_operator_records_the_handover_latency_once(live):
    live.lead()
    live.connect("alice", "alice", view=None, tab="waiting")
    with observability.invocation({"request_id": "r1"}, bot_request_at=time.time() - 0.2):
        live.handoff()
        live.lead_says("are you there?")  # the same request's second change: still one measure
    assert "dialog.added:waiting" in live.types("alice")
    latency, = observability.recorded(observability.HANDOVER_LATENCY)
    assert latency.unit == "Milliseconds" and 200 <= latency.value < 10_000


def test_nothing_is_recorded_when_no_operator_got_a_frame(live):
    live.lead()
    with observability.invocation({"request_id": "r1"}, bot_request_at=time.time()):
        live.handoff()
    assert observability.recorded(observability.HANDOVER_LATENCY) == []


def test_an_operators_own_change_records_no_handover_latency(live):
    lead_id = live.lead()
    live.handoff()
    live.connect("alice", "alice", view=None, tab="waiting")
    with observability.invocation({"request_id": "r2"}):  # an operator's request: no bot arrival time
        live.services.dialogs.start(lead_id, "alice")
    assert live.frames("alice")
    assert observability.recorded(observability.HANDOVER_LATENCY) == []


def test_a_change_logs_under_its_lead_and_dialog_id(live):
    lead_id = live.lead()
    with observability.invocation({"request_id": "r3"}):
        live.handoff()
        assert observability.current_keys()["lead_id"] == lead_id
        assert observability.current_keys()["dialog_id"] == lead_id


def test_pushes_to_gone_connections_are_counted(live):
    live.lead()
    live.connect("alice", "alice", view=None, tab="waiting")
    live.connect("bob", "bob", view=None, tab="waiting")
    live.management.gone.add(live.ids["bob"])
    live.handoff()
    gone, = observability.recorded(observability.PUSHES_GONE)
    assert gone.value == 1.0
