"""Who receives which live event, for every transition and message (docs/live-events.md).

Connections are opened the way the UI opens them (ticket, $connect, `view` frame); the
pushes are recorded by a fake API Gateway management client."""

from __future__ import annotations

import pytest

from chalicelib.api.bodies import check_operator_lead_edit
from chalicelib.domain.commands import IncomingMessage, UploadRequest
from chalicelib.storage.models import UploadModel
from tests.service.live_support import build_harness


@pytest.fixture
def live(aws):
    return build_harness()


@pytest.fixture
def room(live):
    """A lead, and four connections: alice viewing the dialog on Waiting, alice's second
    tab on Mine, bob on the All tab with no dialog open, carol viewing another dialog."""
    live.lead_id = live.lead()
    live.other_id = live.lead("tg:2")
    live.connect("alice", "alice", view=live.lead_id, tab="waiting")
    live.connect("alice2", "alice", view=None, tab="mine")
    live.connect("bob", "bob", view=None, tab="all")
    live.connect("carol", "carol", view=live.other_id, tab="waiting")
    return live


def test_a_bot_message_reaches_viewers_and_the_all_tab_only(room):
    room.bot_says("Hello, how can I help?")

    assert room.types("alice") == ["message.created"]
    frame = room.frames("alice")[0]
    assert frame["dialog_id"] == room.lead_id
    assert frame["message"]["text"] == "Hello, how can I help?" and frame["message"]["from"] == "bot"
    assert frame["dialog"]["last_message"]["text"] == "Hello, how can I help?"
    assert room.types("bob") == ["dialog.updated:all"]
    bob = room.frames("bob")[0]
    assert bob["cause"] == "message" and bob["message"] == {"seq": frame["message"]["seq"], "from": "bot"}
    assert bob["dialog"]["lead_id"] == room.lead_id and bob["dialog"]["state"] == "bot"
    assert room.frames("alice2") == [] and room.frames("carol") == []


def test_handoff_adds_the_dialog_to_waiting_for_every_operator(room):
    room.handoff()

    for name in ("alice", "alice2", "bob", "carol"):
        added = [f for f in room.frames(name) if f["type"] == "dialog.added"]
        assert [(f["tab"], f["dialog"]["state"], f["cause"]) for f in added] == [("waiting", "waiting", "state")], name
    assert room.types("alice") == ["message.created", "lead.updated", "dialog.added:waiting"]
    assert room.frames("alice")[0]["message"]["from"] == "system"
    assert room.frames("alice")[1]["lead"]["dialog"] == {"state": "waiting", "operators": []}
    assert room.types("bob") == ["dialog.added:waiting", "dialog.updated:all"]
    assert room.types("carol") == ["dialog.added:waiting"]


def test_start_moves_the_dialog_from_waiting_to_the_operators_mine(room):
    room.handoff()
    room.everyone_quiet()

    room.services.dialogs.start(room.lead_id, "alice")

    # The joined note and the Transfer-to-operator script, then the lead's new state.
    assert room.types("alice") == [
        "message.created", "message.created", "lead.updated", "dialog.removed:waiting", "dialog.added:mine",
    ]
    texts = [f["message"]["text"] for f in room.frames("alice")[:2]]
    assert texts == ["alice joined the dialog", "An operator joined."]
    assert room.types("alice2") == ["dialog.removed:waiting", "dialog.added:mine"]
    mine = room.frames("alice2")[1]
    assert mine["dialog"]["operators"] == ["alice"] and mine["dialog"]["state"] == "operator"
    assert room.types("bob") == ["dialog.removed:waiting", "dialog.updated:all"]
    assert room.frames("bob")[0] == {"type": "dialog.removed", "tab": "waiting", "dialog_id": room.lead_id}
    assert room.types("carol") == ["dialog.removed:waiting"]


def test_start_from_bot_state_touches_no_waiting_tab(room):
    room.services.dialogs.start(room.lead_id, "bob")

    assert room.types("bob") == ["dialog.added:mine", "dialog.updated:all"]
    assert room.types("alice2") == []
    assert room.types("carol") == []


def test_a_second_operator_joins_and_leaves(room):
    room.services.dialogs.start(room.lead_id, "alice")
    room.everyone_quiet()

    room.services.dialogs.start(room.lead_id, "bob")
    assert room.types("bob") == ["dialog.added:mine", "dialog.updated:all"]
    assert room.types("alice2") == ["dialog.updated:mine"]
    assert room.frames("alice2")[0]["dialog"]["operators"] == ["alice", "bob"]
    assert room.types("carol") == []
    room.everyone_quiet()

    room.services.dialogs.leave(room.lead_id, "bob")
    assert room.types("bob") == ["dialog.removed:mine", "dialog.updated:all"]
    assert room.types("alice2") == ["dialog.updated:mine"]
    assert room.frames("alice2")[0]["dialog"]["operators"] == ["alice"]
    assert room.types("alice") == ["message.created", "lead.updated", "dialog.updated:mine"]
    assert room.types("carol") == []


def test_the_last_operator_leaving_puts_the_dialog_back_on_waiting(room):
    room.services.dialogs.start(room.lead_id, "alice")
    room.everyone_quiet()

    room.services.dialogs.leave(room.lead_id, "alice")

    assert room.types("alice2") == ["dialog.added:waiting", "dialog.removed:mine"]
    assert room.types("carol") == ["dialog.added:waiting"]
    assert room.types("bob") == ["dialog.added:waiting", "dialog.updated:all"]
    assert [f["message"]["text"] for f in room.frames("alice") if f["type"] == "message.created"] == [
        "alice left the dialog", "The dialog is waiting for an operator",
    ]


def test_resolve_removes_the_dialog_from_every_participants_mine(room):
    room.services.dialogs.start(room.lead_id, "alice")
    room.services.dialogs.start(room.lead_id, "bob")
    room.everyone_quiet()

    room.services.dialogs.resolve(room.lead_id, "bob")

    assert room.types("alice2") == ["dialog.removed:mine"]
    assert room.types("bob") == ["dialog.removed:mine", "dialog.updated:all"]
    assert room.types("carol") == []
    alice = room.frames("alice")
    assert [f["message"]["text"] for f in alice if f["type"] == "message.created"] == [
        "bob marked the dialog resolved and returned it to the bot", "The bot is back.",
    ]
    assert [f["lead"]["dialog"] for f in alice if f["type"] == "lead.updated"] == [{"state": "bot", "operators": []}]


def test_resolve_from_waiting_removes_it_from_waiting(room):
    room.handoff()
    room.everyone_quiet()

    room.services.dialogs.resolve(room.lead_id, "carol")

    assert room.types("carol") == ["dialog.removed:waiting"]
    assert room.types("bob") == ["dialog.removed:waiting", "dialog.updated:all"]


def test_a_lead_message_in_waiting_is_a_new_message_on_every_waiting_tab(room):
    room.handoff()
    room.everyone_quiet()

    room.lead_says("anyone there?")

    frames = [f for f in room.frames("carol")]
    assert [f["type"] for f in frames] == ["dialog.updated"]
    assert frames[0]["tab"] == "waiting" and frames[0]["cause"] == "message"
    assert frames[0]["message"]["from"] == "lead"
    assert frames[0]["dialog"]["unread"] == 1 and frames[0]["dialog"]["last_message"]["text"] == "anyone there?"
    assert room.types("alice") == ["message.created", "dialog.updated:waiting"]


def test_an_operator_message_reaches_viewers_and_the_participants(room):
    room.services.dialogs.start(room.lead_id, "alice")
    room.everyone_quiet()

    message, _, _ = room.services.dialogs.send_operator_message(room.lead_id, "alice", "c-1", "Hi Anna", ())

    assert room.types("alice") == ["message.created", "dialog.updated:mine"]
    assert room.frames("alice")[0]["message"]["operator"] == "alice"
    assert room.frames("alice")[0]["message"]["delivery"] == "sent"
    assert room.types("alice2") == ["dialog.updated:mine"]
    assert room.frames("alice2")[0]["message"] == {"seq": int(message.seq), "from": "operator"}
    assert room.types("bob") == ["dialog.updated:all"]
    assert room.types("carol") == []


def test_a_lead_edit_updates_viewers_and_tabs(room):
    room.services.dialogs.start(room.lead_id, "alice")
    room.everyone_quiet()

    room.services.dialogs.edit_lead(room.lead_id, "alice", check_operator_lead_edit({"name": "Anna K.", "phone": "+100"}))

    assert room.types("alice") == ["lead.updated", "dialog.updated:mine"]
    lead = room.frames("alice")[0]["lead"]
    assert lead["name"] == "Anna K." and lead["phone"] == "+100" and lead["unread"] == 0
    assert room.frames("alice2")[0]["cause"] == "lead"
    assert room.frames("alice2")[0]["dialog"]["name"] == "Anna K."
    assert room.types("bob") == ["dialog.updated:all"]
    assert room.types("carol") == []


def test_mark_read_updates_the_unread_badge(room):
    room.handoff()
    room.lead_says("hello?")
    room.everyone_quiet()

    room.services.dialogs.mark_read(room.lead_id, "carol")

    assert room.types("carol") == ["dialog.updated:waiting"]
    frame = room.frames("carol")[0]
    assert frame["cause"] == "read" and frame["dialog"]["unread"] == 0
    assert room.types("alice") == ["lead.updated", "dialog.updated:waiting"]
    assert room.frames("alice")[0]["lead"]["unread"] == 0


def test_a_new_lead_is_added_to_the_all_tab(room):
    room.everyone_quiet()
    room.lead("tg:3")
    assert room.types("bob") == ["dialog.added:all"]
    assert room.frames("bob")[0]["dialog"]["name"] == "Anna" and room.frames("bob")[0]["cause"] == "lead"
    assert room.types("alice") == [] and room.types("carol") == []


def test_a_hidden_panel_receives_no_more_message_events(room):
    room.bot_says("one")
    assert room.types("alice") == ["message.created"]
    room.everyone_quiet()

    assert room.send("alice", {"action": "view", "dialog_id": None, "tab": "waiting"}) == {
        "type": "viewing", "dialog_id": None, "tab": "waiting",
    }
    room.bot_says("two")
    room.lead_says("three")
    assert room.frames("alice") == []

    room.send("alice", {"action": "view", "dialog_id": room.lead_id})
    room.bot_says("four")
    assert [f["message"]["text"] for f in room.frames("alice")] == ["four"]


def test_switching_to_another_dialog_stops_the_first_ones_messages(room):
    room.send("alice", {"action": "view", "dialog_id": room.other_id, "tab": "waiting"})
    room.bot_says("for tg:1")
    room.bot_says("for tg:2", ref="tg:2")
    assert [f["message"]["text"] for f in room.frames("alice")] == ["for tg:2"]
    assert [f["message"]["text"] for f in room.frames("carol")] == ["for tg:2"]


def test_a_hidden_browser_tab_still_gets_events(room):
    # Visibility is for sounds and reminders (R13, R14), not a filter: the UI needs the events.
    room.send("alice", {"action": "visibility", "visible": False})
    room.bot_says("still here")
    assert room.types("alice") == ["message.created"]


def test_message_events_carry_presigned_attachment_urls(live):
    lead_id = live.lead()
    live.connect("alice", "alice", view=lead_id)
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    created = live.services.uploads.create(f"bot:{live.bot_id}", UploadRequest("cat.png", "image/png", len(png)))
    upload = UploadModel.get(created["upload_id"])
    live.services.attachments._s3().put_object(Bucket=live.services.settings.attachments_bucket, Key=upload.key, Body=png)

    live.services.dialogs.post_bot_message(
        live.bot_key, "tg:1", IncomingMessage("m-1", "lead", None, (upload.id,), None))

    attachment = live.frames("alice")[0]["message"]["attachments"][0]
    assert attachment["name"] == "cat.png" and attachment["preview"] is True
    assert upload.key in attachment["url"] and "Signature" in attachment["url"]


# --- counts -------------------------------------------------------------------------------

def test_counts_follow_the_tabs(room):
    # Two leads exist (room); a third one moves All for everyone.
    room.lead("tg:3")
    for name in ("alice", "alice2", "bob", "carol"):
        assert room.counts(name) == [{"waiting": 0, "all": 3}], name
    room.everyone_quiet()

    room.handoff()
    for name in ("alice", "alice2", "bob", "carol"):
        assert room.counts(name) == [{"waiting": 1, "all": 3}], name
    room.everyone_quiet()

    room.services.dialogs.start(room.lead_id, "alice")
    assert room.counts("alice") == room.counts("alice2") == [{"waiting": 0, "all": 3, "mine": 1}]
    assert room.counts("bob") == room.counts("carol") == [{"waiting": 0, "all": 3}]
    room.everyone_quiet()

    # Only Mine moves: only the operators concerned hear of it.
    room.services.dialogs.start(room.other_id, "bob")
    assert room.counts("bob") == [{"waiting": 0, "all": 3, "mine": 1}]
    assert room.counts("alice") == room.counts("carol") == []
    room.everyone_quiet()

    room.lead_says("no count moves")  # (the bot's own message would be refused: operators are in)
    assert all(room.counts(name) == [] for name in ("alice", "alice2", "bob", "carol"))


# --- the reminders' seam -----------------------------------------------------------------

def test_operators_with_no_visible_connection_are_reported_for_sound_worthy_events(room):
    room.send("carol", {"action": "visibility", "visible": False})
    room.send("alice2", {"action": "visibility", "visible": False})

    room.bot_says("not sound-worthy")
    assert room.observer.hidden == []

    room.handoff()  # appears on everyone's Waiting: carol has no visible connection
    assert room.observer.hidden == [{"carol"}]

    room.lead_says("hello?")  # a lead's message on Waiting
    assert room.observer.hidden[-1] == {"carol"}

    room.services.dialogs.start(room.lead_id, "alice")  # alice's first connection is visible
    assert room.observer.hidden[-1] == {"carol"} and len(room.observer.hidden) == 2
    room.send("alice", {"action": "visibility", "visible": False})
    room.lead_says("are you there?")  # on alice's Mine, both of her tabs hidden
    assert room.observer.hidden[-1] == {"alice"}
