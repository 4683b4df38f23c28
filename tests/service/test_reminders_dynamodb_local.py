"""The reminders and the escalation on AWS's own engine (DynamoDB Local), where moto's
emulation might differ: the sparse pending index, a string set emptied by DELETE (the
attribute disappears), the keys-only waiting-since index and its range condition."""

from __future__ import annotations

import pytest

from tests.service.reminders_support import build_reminders_harness, reminders_of
from tests.service.test_reminders import SETTINGS_ENV


@pytest.fixture
def room(monkeypatch, aws_env, real_dynamodb):
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    room = build_reminders_harness()
    room.lead_id = room.lead()
    room.connect("alice", "alice", tab="waiting")
    room.connect("carol", "carol", tab="waiting", visible=False)
    room.connect("carol2", "carol", tab="mine", visible=False)
    return room


def test_reminders_and_their_end_on_dynamodb_local(room, requests_log):
    store = room.services.notifications.store
    room.handoff()
    room.clock.advance(30)
    requests_log.clear()
    assert room.services.notifications.reminders.tick() == 0
    assert requests_log.dynamodb() == ["Query"]

    room.clock.advance(30)
    assert room.services.notifications.reminders.tick() == 2
    assert [f["unread"] for f in reminders_of(room, "carol") + reminders_of(room, "carol2")] == [1, 1]

    room.services.live.disconnect(room.ids["carol"])
    assert store.get("carol").connections == {room.ids["carol2"]}
    room.services.live.disconnect(room.ids["carol2"])  # the set empties: the state goes
    assert store.get("carol") is None
    room.everyone_quiet()
    room.clock.advance(60)
    assert room.services.notifications.reminders.tick() == 0


def test_escalation_once_per_crossing_on_dynamodb_local(room, requests_log):
    escalation = room.services.notifications.escalation
    room.handoff()
    room.clock.advance(299)
    assert escalation.tick() == 0
    room.clock.advance(2)
    requests_log.clear()
    assert escalation.tick() == 1
    # the index; the crossing's mark; its lead; every connection; the supervisor rung's Query
    assert requests_log.dynamodb() == ["Query", "PutItem", "BatchGetItem", "Query", "Query"]
    frames = [f for f in room.frames("alice") if f["type"] == "dialog.waiting_too_long"]
    assert [(f["dialog"]["lead_id"], f["waiting_seconds"]) for f in frames] == [(room.lead_id, 301)]
    room.clock.advance(60)
    assert escalation.tick() == 0
