"""Which webhook events a committed change causes and what they say (webhooks/events.py):
pure, on records built in memory (no DynamoDB, no moto). The end-to-end payloads a bot
receives are checked in tests/service/webhooks."""

from __future__ import annotations

import itertools
import json

from chalicelib.domain import dialog as machine
from chalicelib.domain.dialog import Dialog
from chalicelib.domain.dialog_state import DialogState
from chalicelib.services.changes import Change
from chalicelib.storage.models import Attachment, LeadModel, MessageModel
from chalicelib.webhooks.events import events_of, render_body

WITH_ANNA = Dialog(DialogState.OPERATOR, ("anna",))


def _lead(dialog: Dialog) -> LeadModel:
    return LeadModel("ld_1", bot_id="bot_1", lead_ref="tg:1", name="Anna", dialog_state=dialog.state.value,
                     operators=list(dialog.operators), seq=2, created_at="t0", last_activity_at="t1", all_key="all#0")


def _ids():
    counter = itertools.count(1)
    return lambda: f"evt_{next(counter)}"


def _payloads(change: Change) -> list[dict]:
    return [json.loads(event.body) for event in events_of(change, "2026-01-01T00:00:00.000Z", _ids())]


def test_a_start_sends_the_transition_then_the_scripts_message():
    transition = machine.start(Dialog(DialogState.WAITING), "anna")
    script = MessageModel("ld_1", 2, sender="bot", text="An operator joined.", system_script="operator_transfer",
                          created_at="t1", delivery="sent")
    note = MessageModel("ld_1", 1, sender="system", text="anna joined the dialog", event="dialog.operator_joined",
                        created_at="t1")
    change = Change(lead=_lead(transition.after), before=transition.before, after=transition.after,
                    events=transition.events, messages=(note, script), actor="anna")
    events = events_of(change, "t", _ids())
    assert [(e.type, e.message_seq) for e in events] == [("dialog.operator_joined", None), ("message.created", 2)]
    joined, message = (json.loads(e.body) for e in events)
    assert joined["data"]["previous_state"] == "waiting"
    assert joined["data"]["operator"] == {"username": "anna"}
    assert joined["data"]["dialog"] == {"state": "operator", "operators": ["anna"]}
    assert message["data"]["message"] == {"seq": 2, "from": "bot", "text": "An operator joined.", "attachments": [],
                                          "created_at": "t1", "system_script": "operator_transfer"}


def test_the_bots_own_and_the_leads_messages_and_system_notes_are_not_sent_back():
    for sender in ("lead", "bot", "system"):
        message = MessageModel("ld_1", 3, sender=sender, text="x", created_at="t1")
        assert _payloads(Change(lead=_lead(WITH_ANNA), before=WITH_ANNA, after=WITH_ANNA, messages=(message,))) == []


def test_an_operator_reply_carries_the_attachment_key_until_it_is_rendered():
    attachment = Attachment(upload_id="up_1", key="uploads/operator/up_1", name="a.png", content_type="image/png",
                            size=10, preview=True)
    reply = MessageModel("ld_1", 3, sender="operator", operator="anna", text=None, attachments=[attachment],
                         created_at="t1", delivery="sent")
    [event] = events_of(Change(lead=_lead(WITH_ANNA), before=WITH_ANNA, after=WITH_ANNA, messages=(reply,),
                               actor="anna"), "t", _ids())
    assert json.loads(event.body)["data"]["message"]["attachments"] == [
        {"name": "a.png", "content_type": "image/png", "size": 10, "key": "uploads/operator/up_1"}]
    sent = json.loads(render_body(event.body, lambda key, name, inline: f"https://s3/{key}?{name}", 600))
    assert sent["data"]["message"]["attachments"] == [
        {"name": "a.png", "content_type": "image/png", "size": 10, "url": "https://s3/uploads/operator/up_1?a.png",
         "url_expires_in": 600}]


def test_only_an_operators_lead_edit_is_sent_and_never_the_creation():
    lead = _lead(WITH_ANNA)
    assert _payloads(Change(lead=lead, before=None, after=WITH_ANNA, lead_updated=True, actor="anna")) == []
    assert _payloads(Change(lead=lead, before=WITH_ANNA, after=WITH_ANNA, lead_updated=True)) == []
    [edit] = _payloads(Change(lead=lead, before=WITH_ANNA, after=WITH_ANNA, lead_updated=True, actor="anna"))
    assert edit["type"] == "lead.updated" and edit["data"]["lead"]["name"] == "Anna"


def test_the_last_operator_leaving_sends_left_then_waiting_with_its_reason():
    transition = machine.leave(WITH_ANNA, "anna")
    change = Change(lead=_lead(transition.after), before=transition.before, after=transition.after,
                    events=transition.events, actor="anna")
    left, waiting = _payloads(change)
    assert (left["type"], left["data"]["operator"]) == ("dialog.operator_left", {"username": "anna"})
    assert (waiting["type"], waiting["data"]["reason"]) == ("dialog.waiting", "operator_left")
