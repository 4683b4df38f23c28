"""The waiting-room escalation (docs/notifications.md): a dialog on Waiting longer than the
threshold is pushed again to every operator as `dialog.waiting_too_long`, once per crossing,
and counted; with a fake clock."""

from __future__ import annotations

import pytest

from chalicelib import observability
from tests.service.reminders_support import build_reminders_harness
from tests.service.test_reminders import SETTINGS_ENV


@pytest.fixture
def live(monkeypatch, aws_env):
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    observability.reset_recorded()


@pytest.fixture
def room(live, aws):
    """Three operators: alice and bob look at the page, carol's is hidden; two leads."""
    room = build_reminders_harness()
    room.lead_id = room.lead()
    room.other_id = room.lead("tg:2", name="Boris")
    room.connect("alice", "alice", tab="waiting")
    room.connect("bob", "bob", tab="all")
    room.connect("carol", "carol", tab="mine", visible=False)
    return room


def escalate(room) -> int:
    room.everyone_quiet()
    return room.services.notifications.escalation.tick()


def escalations(room, name):
    return [frame for frame in room.frames(name) if frame["type"] == "dialog.waiting_too_long"]


def test_a_dialog_waiting_five_minutes_is_pushed_to_every_operator_once(room):
    room.handoff()  # 00:00 on Waiting
    room.clock.advance(299)
    assert escalate(room) == 0
    room.clock.advance(31)  # a tick at 05:30
    assert escalate(room) == 1
    for name in ("alice", "bob", "carol"):
        [frame] = escalations(room, name)
        assert frame["waiting_seconds"] == 330
        assert frame["dialog"]["lead_id"] == room.lead_id and frame["dialog"]["state"] == "waiting"
        assert frame["dialog"]["name"] == "Anna"
    assert [m.value for m in observability.recorded(observability.DIALOGS_WAITING_TOO_LONG)] == [1.0]

    for _ in range(4):  # later ticks see the same crossing in their look-back: never again
        room.clock.advance(60)
        assert escalate(room) == 0
        assert escalations(room, "alice") == []


def test_a_late_tick_still_escalates_and_the_next_does_not_repeat_it(room):
    room.handoff()
    room.clock.advance(300 + 100)  # the tick that should have come at 05:00-06:00 was lost
    assert escalate(room) == 1
    room.clock.advance(20)
    assert escalate(room) == 0


def test_a_dialog_that_left_waiting_is_not_escalated(room):
    room.handoff()
    room.clock.advance(200)
    room.services.dialogs.start(room.lead_id, "alice")
    room.clock.advance(130)
    assert escalate(room) == 0
    assert escalations(room, "bob") == []


def test_coming_back_to_waiting_is_a_new_crossing(room):
    room.handoff()
    room.clock.advance(310)
    assert escalate(room) == 1
    room.services.dialogs.start(room.lead_id, "alice")
    room.clock.advance(10)
    room.services.dialogs.leave(room.lead_id, "alice")  # the last operator leaves: Waiting again
    room.clock.advance(299)
    assert escalate(room) == 0
    room.clock.advance(2)
    assert escalate(room) == 1
    assert escalations(room, "alice")[0]["waiting_seconds"] == 301


def test_several_dialogs_go_out_longest_waiting_first(room):
    room.handoff("tg:2")
    room.clock.advance(20)
    room.handoff()
    room.clock.advance(300)
    assert escalate(room) == 2
    assert [f["dialog"]["lead_id"] for f in escalations(room, "carol")] == [room.other_id, room.lead_id]
    assert [f["waiting_seconds"] for f in escalations(room, "carol")] == [320, 300]


def test_the_threshold_is_a_setting(monkeypatch, live):
    from chalicelib.config import load_settings

    monkeypatch.setenv("HANDOVER_WAITING_TOO_LONG_SECONDS", "90")
    assert load_settings().waiting_too_long_seconds == 90
    monkeypatch.delenv("HANDOVER_WAITING_TOO_LONG_SECONDS")
    assert load_settings().waiting_too_long_seconds == 300


@pytest.mark.parametrize("leads", [10, 10_000])
def test_an_escalation_tick_reads_only_the_crossing_dialogs(room, aws, leads):
    from tests.service.test_reminders import _seed_waiting_leads

    _seed_waiting_leads(leads, "2025-12-31T23:00:00.000Z")
    room.clock.advance(60)
    aws.clear()
    assert escalate(room) == 0
    # nothing crossed: the wait-clock index, one shard, once per rung on by default (broadcast,
    # supervisor)
    assert aws.dynamodb() == ["Query", "Query"]

    room.handoff()
    room.clock.advance(301)
    aws.clear()
    assert escalate(room) == 1
    # the index; the crossing's mark; its lead; every connection (the online index); then the
    # supervisor rung's index Query (nothing crossed it)
    assert aws.dynamodb() == ["Query", "PutItem", "BatchGetItem", "Query", "Query"]
    assert sorted(room.management.attempts) == sorted(room.ids.values())


def test_a_leads_table_from_before_the_escalation_gains_its_index(aws):
    """`.data/` kept from an older checkout: the local runtime adds the missing GSI."""
    from chalicelib.storage.models import LeadModel
    from local_runtime.tables import add_missing_indexes

    client = LeadModel._get_connection().connection.client
    client.update_table(TableName=LeadModel.Meta.table_name,
                        GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "waiting-since"}}])

    def names() -> set[str]:
        table = client.describe_table(TableName=LeadModel.Meta.table_name)["Table"]
        return {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}

    assert "waiting-since" not in names()

    assert add_missing_indexes(LeadModel) == ["waiting-since"]
    assert names() == {"waiting", "all", "waiting-since", "wait-clock", "by-state", "by-bot", "by-bot-state"}
    assert add_missing_indexes(LeadModel) == []
