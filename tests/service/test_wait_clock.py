"""The waiting clock (docs/notifications.md, "Waiting clocks"): each dialog carries when its
lead's wait for an operator began, in the tab rows (and the Mine-tab copies) and the lead;
written inside the update each change makes anyway."""

from __future__ import annotations

import pytest

from chalicelib.clock import iso
from chalicelib.storage.models import LeadModel, OperatorDialogModel
from chalicelib.views import operator_lead_view
from tests.service.reminders_support import build_reminders_harness
from tests.service.test_reminders import SETTINGS_ENV


@pytest.fixture
def room(monkeypatch, aws_env, aws):
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    room = build_reminders_harness()
    room.lead_id = room.lead()
    return room


def lead(room) -> LeadModel:
    return LeadModel.get(room.lead_id, consistent_read=True)


def clock_of(room) -> str | None:
    item = lead(room)
    assert (item.clock_key is None) == (item.wait_started_at is None)
    return item.wait_started_at


def at(room) -> str:
    return iso(room.clock.now())


def test_with_the_bot_nobody_waits(room):
    room.lead_says("hello")
    room.bot_says("hi, I am the bot")
    room.lead_says("and again")
    assert clock_of(room) is None
    assert operator_lead_view(lead(room))["wait_started_at"] is None


def test_the_handoff_starts_the_clock_and_lead_messages_on_waiting_do_not_move_it(room):
    room.clock.advance(5)
    handoff = at(room)
    room.handoff()
    assert clock_of(room) == handoff
    room.clock.advance(30)
    room.lead_says("anyone?")
    assert clock_of(room) == handoff
    assert operator_lead_view(lead(room))["wait_started_at"] == handoff


def test_joining_keeps_the_clock_from_the_first_lead_message_nobody_answered(room):
    room.handoff()
    room.clock.advance(10)
    first = at(room)
    room.lead_says("anyone?")
    room.clock.advance(10)
    room.lead_says("hello??")
    room.clock.advance(10)
    room.services.dialogs.start(room.lead_id, "alice")  # the transfer script is a bot message
    assert clock_of(room) == first
    copy = OperatorDialogModel.get("alice", room.lead_id, consistent_read=True)
    assert copy.summary["wait_started_at"] == first


def test_joining_with_nothing_unanswered_stops_the_clock(room):
    room.handoff()
    room.clock.advance(10)
    room.services.dialogs.start(room.lead_id, "alice")
    assert clock_of(room) is None


def test_an_operator_reply_clears_it_and_the_next_lead_message_starts_it_again(room):
    room.handoff()
    room.services.dialogs.start(room.lead_id, "alice")
    room.clock.advance(10)
    asked = at(room)
    room.lead_says("a question")
    assert clock_of(room) == asked
    room.clock.advance(10)
    room.lead_says("a second one")
    assert clock_of(room) == asked  # the first unanswered message
    room.services.dialogs.send_operator_message(room.lead_id, "alice", "c-1", "an answer", ())
    assert clock_of(room) is None
    copy = OperatorDialogModel.get("alice", room.lead_id, consistent_read=True)
    assert copy.summary["wait_started_at"] is None
    room.clock.advance(10)
    again = at(room)
    room.lead_says("thanks, one more")
    assert clock_of(room) == again


def test_the_last_operator_leaving_starts_a_waiting_clock_and_a_return_to_the_bot_ends_it(room):
    room.handoff()
    room.services.dialogs.start(room.lead_id, "alice")
    room.clock.advance(10)
    left = at(room)
    room.services.dialogs.leave(room.lead_id, "alice")
    assert clock_of(room) == left
    room.lead_says("hm")
    room.services.dialogs.start(room.lead_id, "bob")
    room.services.dialogs.resolve(room.lead_id, "bob")
    assert clock_of(room) is None
    assert lead(room).unanswered_since is None


def test_a_lead_message_costs_the_same_requests_with_the_clock(room, aws):
    room.handoff()
    room.services.dialogs.start(room.lead_id, "alice")
    room.services.dialogs.send_operator_message(room.lead_id, "alice", "c-1", "hi", ())
    aws.clear()
    room.lead_says("starts the clock")
    starting = aws.dynamodb()
    aws.clear()
    room.lead_says("the clock runs on")
    assert aws.dynamodb() == starting
    assert "TransactWriteItems" in starting
