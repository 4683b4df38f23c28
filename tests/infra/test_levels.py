"""The per-minute levels for the dashboard: open connections and waiting dialogs."""

from __future__ import annotations

from chalicelib import observability
from chalicelib.handlers import report_levels
from tests.service.live_support import build_harness


def test_levels_count_open_connections_and_waiting_dialogs(aws, monkeypatch):
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    live = build_harness()
    observability.reset_recorded()
    assert report_levels(current=live.services) == {"waiting_dialogs": 0, "open_connections": 0}

    first = live.lead("tg:1")
    live.lead("tg:2")
    live.handoff("tg:1")
    live.handoff("tg:2")
    live.connect("alice", "alice", view=None, tab="waiting")
    live.connect("alice2", "alice", view=None, tab="mine")
    live.connect("bob", "bob", view=None, tab="all")
    aws.clear()

    assert report_levels(current=live.services) == {"waiting_dialogs": 2, "open_connections": 3}
    assert [(m.name, m.value) for m in observability.recorded()][-2:] == [("WaitingDialogs", 2.0), ("OpenConnections", 3.0)]
    # One counter read and one Query of the online index (the fixture fails on any Scan).
    assert sorted(aws.dynamodb()) == ["BatchGetItem", "Query"]

    live.services.dialogs.start(first, "alice")
    live.services.live.disconnect(live.ids["bob"])
    assert report_levels(current=live.services) == {"waiting_dialogs": 1, "open_connections": 2}
