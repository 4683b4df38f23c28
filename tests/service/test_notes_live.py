"""A note's live events (docs/live-events.md): its viewers see it, nobody's tab row moves, and
an @-mentioned operator who is not in the dialog is told on every connection, as a
sound-worthy event that the reminders hear of when none of their pages is visible (R13, R14)."""

from __future__ import annotations

import pytest

from tests.service.live_support import build_harness


@pytest.fixture
def room(aws):
    live = build_harness()
    live.lead_id = live.lead()
    live.handoff()
    live.services.dialogs.start(live.lead_id, "alice")
    live.connect("alice", "alice", view=live.lead_id, tab="mine")
    live.connect("bob", "bob", view=None, tab="all", visible=False)  # not in the dialog, page hidden
    live.connect("carol", "carol", view=None, tab="waiting")
    live.everyone_quiet()
    live.observer.hidden.clear()
    return live


def test_a_mention_reaches_a_hidden_operator_outside_the_dialog_and_makes_a_pending_notification(room):
    note, created = room.services.dialogs.add_note(room.lead_id, "alice", "n-1", "@bob a refund?", ("bob",))
    assert created

    assert room.types("alice") == ["message.created"]
    assert room.frames("alice")[0]["message"]["from"] == "note"
    # No tab frame for the All tab's bob: only the mention.
    assert room.types("bob") == ["dialog.mentioned"]
    mention = room.frames("bob")[0]
    assert mention["dialog_id"] == room.lead_id and mention["by"] == "alice"
    assert mention["message"] == {"seq": int(note.seq), "from": "note"}
    assert room.frames("carol") == []
    assert room.observer.hidden == [{"bob"}]


def test_a_note_without_mentions_moves_no_row_and_sounds_nowhere(room):
    room.services.dialogs.add_note(room.lead_id, "alice", "n-2", "just for the record")
    assert room.types("alice") == ["message.created"]
    assert room.frames("bob") == [] and room.frames("carol") == []
    assert room.observer.hidden == []
