"""Notification state and the per-minute reminder (R14, docs/notifications.md), with a fake
clock: when a notification becomes pending and when it clears, which operators a tick
reminds, and what a tick costs in DynamoDB requests."""

from __future__ import annotations

import pytest

from chalicelib import handlers, observability
from chalicelib.clock import iso
from chalicelib.storage.notifications import NotificationModel
from tests.service.reminders_support import build_reminders_harness, reminders_of

SETTINGS_ENV = ("HANDOVER_SCHEDULE_SECONDS", "HANDOVER_REMINDER_AFTER_SECONDS", "HANDOVER_WAITING_TOO_LONG_SECONDS",
                "HANDOVER_TAB_SHARDS")


@pytest.fixture
def defaults(monkeypatch):
    """AWS's defaults: a 60 s period, reminders after 60 s, escalation after 300 s."""
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def live(defaults, aws):
    observability.reset_recorded()
    return build_reminders_harness()


def state(live, operator):
    return live.services.notifications.store.get(operator)


def tick(live):
    return live.services.notifications.reminders.tick()


@pytest.fixture
def room(live):
    """One lead with the bot; alice's page is visible, carol's is hidden."""
    live.lead_id = live.lead()
    live.connect("alice", "alice", tab="waiting")
    live.connect("carol", "carol", tab="waiting", visible=False)
    return live


# --- pending starts ------------------------------------------------------------------------

def test_a_dialog_appearing_on_waiting_makes_hidden_operators_pending(room):
    started = room.clock.now()
    room.handoff()

    carol = state(room, "carol")
    assert carol is not None
    assert carol.unread == 1
    assert carol.pending_since == iso(started) == "2026-01-01T00:00:00.000Z"
    assert carol.connections == {room.ids["carol"]}
    assert state(room, "alice") is None  # her page is visible


def test_each_lead_message_on_waiting_adds_to_unread_but_keeps_the_start(room):
    room.handoff()
    room.clock.advance(20)
    room.lead_says("hello?")
    room.clock.advance(20)
    room.lead_says("anyone?")

    carol = state(room, "carol")
    assert carol.unread == 3
    assert carol.pending_since == "2026-01-01T00:00:00.000Z"


def test_events_without_a_sound_leave_the_state_alone(room):
    room.lead_says("to the bot")  # a lead's message while the bot has the dialog: All only
    room.bot_says("the bot answers")
    assert state(room, "carol") is None

    room.handoff()
    room.bot_says("a bot message on Waiting has no sound")
    assert state(room, "carol").unread == 1


def test_a_dialog_on_mine_and_its_lead_messages_notify_only_its_operator(room):
    room.connect("dave", "dave", tab="mine", visible=False)
    room.services.dialogs.start(room.lead_id, "dave")  # bot -> operator: Mine of dave only
    assert state(room, "dave").unread == 1
    assert state(room, "carol") is None

    room.lead_says("hi dave")
    room.lead_says("still there?")
    assert state(room, "dave").unread == 3
    assert state(room, "carol") is None  # not on Waiting, not on carol's Mine


def test_an_operator_with_any_visible_connection_is_not_pending(room):
    room.connect("carol-visible", "carol", tab="all")
    room.handoff()
    assert state(room, "carol") is None


def test_an_operator_with_no_connection_has_nothing_to_be_reminded_on(room):
    room.handoff()
    assert state(room, "erin") is None


# --- pending clears ------------------------------------------------------------------------

def test_reporting_visible_clears_it(room):
    room.handoff()
    assert state(room, "carol") is not None
    room.send("carol", {"action": "visibility", "visible": True})
    assert state(room, "carol") is None

    room.send("carol", {"action": "visibility", "visible": False})
    assert state(room, "carol") is None  # hiding again is no event
    room.lead_says("hello?")
    assert state(room, "carol").unread == 1  # counted afresh


def test_visible_on_another_connection_clears_it(room):
    room.connect("carol2", "carol", tab="mine", visible=False)
    room.handoff()
    assert state(room, "carol").connections == {room.ids["carol"], room.ids["carol2"]}
    room.send("carol2", {"action": "visibility", "visible": True})
    assert state(room, "carol") is None


def test_a_connection_opened_hidden_while_pending_is_reminded_too(room):
    room.handoff()
    room.connect("carol2", "carol", tab="waiting", visible=False)
    assert state(room, "carol").connections == {room.ids["carol"], room.ids["carol2"]}


def test_it_clears_when_the_last_connection_goes_away(room):
    room.connect("carol2", "carol", tab="mine", visible=False)
    room.handoff()
    room.services.live.disconnect(room.ids["carol"])
    assert state(room, "carol").connections == {room.ids["carol2"]}
    room.services.live.disconnect(room.ids["carol2"])  # signing out closes the page's socket
    assert state(room, "carol") is None


def test_signing_out_clears_it(room):
    # There is no server-side sign-out: the UI forgets its tokens and closes its socket
    # (its other tabs follow), so API Gateway sends $disconnect for each.
    room.handoff()
    room.services.live.disconnect(room.ids["carol"])
    assert state(room, "carol") is None


# --- the tick ------------------------------------------------------------------------------

def test_the_tick_reminds_exactly_the_operators_pending_for_a_minute(room):
    room.connect("dave", "dave", tab="waiting", visible=False)
    room.connect("dave2", "dave", tab="mine", visible=False)
    room.handoff()  # carol and dave pending at 00:00
    room.clock.advance(30)
    room.connect("erin", "erin", tab="waiting", visible=False)
    room.lead_says("hello?")  # erin pending at 00:30; carol and dave: unread 2
    room.everyone_quiet()

    room.clock.advance(29)  # 00:59: nobody is due
    assert tick(room) == 0
    assert all(reminders_of(room, name) == [] for name in ("alice", "carol", "dave", "dave2", "erin"))

    room.clock.advance(1)  # 01:00: carol and dave, on each of their connections
    assert tick(room) == 3
    at = "2026-01-01T00:01:00.000Z"
    for name in ("carol", "dave", "dave2"):
        assert reminders_of(room, name) == [{"type": "reminder", "unread": 2, "at": at}], name
    assert reminders_of(room, "erin") == [] and reminders_of(room, "alice") == []
    assert observability.recorded(observability.REMINDERS_SENT)[-1].value == 3

    room.everyone_quiet()
    room.clock.advance(60)  # 02:00: again, and erin's minute is up too
    assert tick(room) == 4
    assert [f["unread"] for f in reminders_of(room, "erin")] == [1]
    assert len(reminders_of(room, "carol")) == 1

    room.send("dave2", {"action": "visibility", "visible": True})
    room.everyone_quiet()
    room.clock.advance(60)
    assert tick(room) == 2
    assert reminders_of(room, "dave") == [] and reminders_of(room, "dave2") == []
    assert len(reminders_of(room, "carol")) == len(reminders_of(room, "erin")) == 1


def test_a_gone_connection_met_by_the_tick_is_deleted_and_the_state_with_its_last(room):
    room.connect("carol2", "carol", tab="mine", visible=False)
    room.handoff()
    room.clock.advance(60)
    room.management.gone.add(room.ids["carol"])  # its $disconnect was lost

    assert tick(room) == 1
    assert room.connections.get(room.ids["carol"]) is None
    assert state(room, "carol").connections == {room.ids["carol2"]}
    assert len(reminders_of(room, "carol2")) == 1

    room.management.gone.add(room.ids["carol2"])
    room.clock.advance(60)
    assert tick(room) == 0
    assert room.connections.get(room.ids["carol2"]) is None
    assert state(room, "carol") is None


def test_a_tick_forgetting_a_stale_state_keeps_a_notification_that_arrived_meanwhile(room, monkeypatch):
    store = room.services.notifications.store
    store.notify("carol", (), room.clock.now())  # pending, but every connection went away
    room.clock.advance(60)
    real_due = store.due

    def due_then_a_new_event(before):
        found = real_due(before)
        # Between the tick's Query and its clean-up, carol is notified on a fresh connection.
        store.notify("carol", [room.ids["carol"]], room.clock.now())
        return found

    monkeypatch.setattr(store, "due", due_then_a_new_event)
    tick(room)
    assert state(room, "carol").connections == {room.ids["carol"]}


def scheduled_tick(live) -> dict[str, int]:
    """The scheduled function's body, on the harness's services."""
    from chalicelib import bootstrap

    original = bootstrap.services
    bootstrap.services = lambda: live.services
    try:
        return handlers.send_reminders(None)
    finally:
        bootstrap.services = original


def test_the_scheduled_handler_runs_the_tick(room):
    room.handoff()
    room.clock.advance(60)
    assert scheduled_tick(room) == {"reminders": 1, "escalated": 0}
    assert len(reminders_of(room, "carol")) == 1


# --- DynamoDB requests ---------------------------------------------------------------------

def _seed_waiting_leads(count: int, since: str) -> None:
    """Leads on Waiting for an hour already (their escalation is long past): they are what a
    busy center's tables hold, and no tick may read them."""
    from chalicelib.storage.models import LeadModel

    with LeadModel.batch_write() as batch:
        for n in range(count):
            batch.save(LeadModel(
                f"ld_seed{n:05d}", bot_id="bt_seed", lead_ref=f"seed:{n}", created_at=since, last_activity_at=since,
                dialog_state="waiting", waiting_since=since, waiting_key="waiting#0", all_key="all#0",
                wait_started_at=since, clock_key="clock#0",
            ))


@pytest.mark.parametrize("leads", [10, 10_000])
def test_a_tick_is_one_query_plus_one_push_per_due_connection(room, aws, leads):
    _seed_waiting_leads(leads, "2025-12-31T23:00:00.000Z")
    room.connect("carol2", "carol", tab="mine", visible=False)
    room.connect("dave", "dave", tab="waiting", visible=False)
    room.handoff()
    room.clock.advance(60)
    room.connect("erin", "erin", tab="waiting", visible=False)
    room.lead_says("hello?")  # erin is pending, not yet due
    room.everyone_quiet()
    aws.clear()

    assert tick(room) == 3
    assert aws.dynamodb() == ["Query"]
    assert sorted(room.management.attempts) == sorted([room.ids["carol"], room.ids["carol2"], room.ids["dave"]])

    # The whole scheduled function: + one Query of the wait-clock index per ladder rung (the
    # broadcast and the supervisor rungs are on by default; one tab shard).
    room.clock.advance(60)
    room.everyone_quiet()
    aws.clear()
    assert scheduled_tick(room) == {"reminders": 4, "escalated": 0}
    assert aws.dynamodb() == ["Query", "Query", "Query"]
    assert len(room.management.attempts) == 4
    assert NotificationModel.count() == 3


def test_the_message_hot_path_costs_one_update_per_hidden_operator_and_no_read(room, aws):
    from collections import Counter

    room.connect("dave", "dave", tab="waiting", visible=False)
    room.handoff()
    aws.clear()
    room.lead_says("carol and dave are hidden")
    hidden = Counter(aws.dynamodb())

    room.send("carol", {"action": "visibility", "visible": True})
    room.send("dave", {"action": "visibility", "visible": True})
    aws.clear()
    room.lead_says("everyone looks")
    visible = Counter(aws.dynamodb())

    assert hidden - visible == Counter({"UpdateItem": 2})
    assert visible - hidden == Counter()


def test_app_declares_the_per_minute_schedule_and_it_reads_three_queries(defaults, client, aws):
    from chalice.app import Rate, ScheduledEventConfig

    from app import app

    [source] = [s for s in app.event_sources if isinstance(s, ScheduledEventConfig) and s.name == "send_reminders"]
    assert isinstance(source.schedule_expression, Rate)
    assert (source.schedule_expression.value, source.schedule_expression.unit) == (1, Rate.MINUTES)
    aws.clear()
    client.lambda_.invoke("send_reminders", client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
    # the pending index; the wait-clock index for each of the two rungs on by default
    assert aws.dynamodb() == ["Query", "Query", "Query"]
