"""The per-minute levels for the dashboard: open connections, waiting dialogs and the oldest wait."""

from __future__ import annotations

from chalicelib import observability
from chalicelib.handlers import report_levels
from tests.service.live_support import build_harness


def test_levels_count_open_connections_and_waiting_dialogs(aws, monkeypatch):
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    live = build_harness()
    observability.reset_recorded()
    assert report_levels(current=live.services) == {"waiting_dialogs": 0, "open_connections": 0,
                                                    "oldest_wait_seconds": 0}

    first = live.lead("tg:1")
    live.lead("tg:2")
    live.handoff("tg:1")
    live.clock.advance(30)
    live.handoff("tg:2")
    live.clock.advance(90)
    live.connect("alice", "alice", view=None, tab="waiting")
    live.connect("alice2", "alice", view=None, tab="mine")
    live.connect("bob", "bob", view=None, tab="all")
    aws.clear()

    # tg:1 has waited 120 s, tg:2 90 s: the oldest wait is tg:1's.
    assert report_levels(current=live.services) == {"waiting_dialogs": 2, "open_connections": 3,
                                                    "oldest_wait_seconds": 120}
    assert [(m.name, m.value, m.unit) for m in observability.recorded()][-3:] == [
        ("WaitingDialogs", 2.0, "Count"), ("OpenConnections", 3.0, "Count"), ("OldestWaitSeconds", 120.0, "Seconds")]
    # One counter read, one Query of the online index and one (single-item) Query of the
    # waiting-since index (the fixture fails on any Scan).
    assert sorted(aws.dynamodb()) == ["BatchGetItem", "Query", "Query"]

    live.services.dialogs.start(first, "alice")
    live.services.live.disconnect(live.ids["bob"])
    # tg:1 left Waiting: the oldest wait is now tg:2's.
    assert report_levels(current=live.services) == {"waiting_dialogs": 1, "open_connections": 2,
                                                    "oldest_wait_seconds": 90}
