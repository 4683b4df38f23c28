"""Edits and mark-read that race a change: they read again instead of failing or writing a
stale Mine-tab copy (found while building the operator API)."""

from __future__ import annotations

import json

from chalicelib.api.bodies import check_lead_changes, check_operator_lead_edit
from chalicelib.domain.commands import IncomingMessage
from chalicelib.domain.credentials import parse_api_key
from chalicelib.storage.models import LeadModel, OperatorDialogModel


def _dialog_with(services, bot, *operators):
    key = parse_api_key(bot.api_key)
    lead, _ = services.dialogs.upsert_lead(key, "tg:1", check_lead_changes({"name": "Anna"}))
    services.dialogs.post_bot_message(key, "tg:1", IncomingMessage("m1", "lead", "hi", (), None))
    services.dialogs.handoff(key, "tg:1", "")
    for operator in operators:
        services.dialogs.start(lead.id, operator)
    return key, lead.id


def _stale_once(services, monkeypatch, stale):
    """The first read answers `stale` (as if the change happened between read and write)."""
    real = services.store.get_lead
    answers = [stale]
    monkeypatch.setattr(services.store, "get_lead", lambda lead_id: answers.pop() if answers else real(lead_id))


def test_an_edit_racing_a_leave_reads_again(services, bot, monkeypatch):
    _, lead_id = _dialog_with(services, bot, "alice", "bob")
    stale = LeadModel.get(lead_id)
    services.dialogs.leave(lead_id, "bob")
    _stale_once(services, monkeypatch, stale)
    lead = services.dialogs.edit_lead(lead_id, "alice", check_operator_lead_edit({"status": "hot"}))
    assert lead.status == "hot" and lead.operators == ["alice"]
    assert LeadModel.get(lead_id).status == "hot"
    assert OperatorDialogModel.get("alice", lead_id).summary["operators"] == ["alice"]
    assert list(OperatorDialogModel.query("bob")) == []


def test_mark_read_racing_a_message_keeps_the_mine_copy_current(services, bot, monkeypatch):
    key, lead_id = _dialog_with(services, bot, "alice")
    services.dialogs.post_bot_message(key, "tg:1", IncomingMessage("m2", "lead", "first", (), None))
    stale = LeadModel.get(lead_id)
    services.dialogs.post_bot_message(key, "tg:1", IncomingMessage("m3", "lead", "second", (), None))
    _stale_once(services, monkeypatch, stale)
    lead = services.dialogs.mark_read(lead_id, "alice")
    assert lead.unread == 0 and LeadModel.get(lead_id).unread == 0
    copy = OperatorDialogModel.get("alice", lead_id).summary
    assert copy["last_message"]["text"] == "second" and int(copy["unread"]) == 0


def _race_after_first_load(services, monkeypatch, race):
    """`race()` commits right after the first `store.load`, i.e. between a write's read and
    its transaction (the window two Lambdas really have)."""
    real = services.store.load
    pending = [race]

    def load(**kwargs):
        loaded = real(**kwargs)
        if pending:
            pending.pop()()
        return loaded

    monkeypatch.setattr(services.store, "load", load)


def test_a_lead_message_racing_mark_read_counts_only_itself_as_unread(services, bot, monkeypatch):
    key, lead_id = _dialog_with(services, bot, "alice")
    assert LeadModel.get(lead_id).unread == 1
    _race_after_first_load(services, monkeypatch, lambda: services.dialogs.mark_read(lead_id, "alice"))
    services.dialogs.post_bot_message(key, "tg:1", IncomingMessage("m2", "lead", "again", (), None))
    # Not 2: the read of the first message must not come back with the second one.
    assert LeadModel.get(lead_id).unread == 1
    assert int(OperatorDialogModel.get("alice", lead_id).summary["unread"]) == 1


def test_a_message_racing_an_edit_keeps_the_mine_copy_current(services, bot, monkeypatch):
    key, lead_id = _dialog_with(services, bot, "alice")
    _race_after_first_load(services, monkeypatch, lambda: services.dialogs.edit_lead(
        lead_id, "alice", check_operator_lead_edit({"name": "Bea"})))
    services.dialogs.post_bot_message(key, "tg:1", IncomingMessage("m2", "lead", "again", (), None))
    copy = OperatorDialogModel.get("alice", lead_id).summary
    assert copy["name"] == "Bea" and copy["last_message"]["text"] == "again"


def test_two_edits_racing_both_land_in_the_answer_the_mine_copy_and_the_webhook(services, bot, monkeypatch):
    from chalicelib.storage.deliveries import DeliveryModel

    _, lead_id = _dialog_with(services, bot, "alice")
    stale = LeadModel.get(lead_id)
    services.dialogs.edit_lead(lead_id, "bob", check_operator_lead_edit({"name": "Bea", "variables": {"a": 1}}))
    _stale_once(services, monkeypatch, stale)
    lead = services.dialogs.edit_lead(lead_id, "alice", check_operator_lead_edit({"status": "hot",
                                                                                  "variables": {"b": 2}}))
    assert (lead.name, lead.status, lead.attributes.as_dict()) == ("Bea", "hot", {"a": 1, "b": 2})
    assert OperatorDialogModel.get("alice", lead_id).summary["name"] == "Bea"
    # The bot hears the lead as it is after both edits, last.
    updates = [json.loads(event.body)["data"]["lead"] for item in DeliveryModel.query(lead_id)
               for event in item.events if event.type == "lead.updated"]
    assert [(u["name"], u["status"]) for u in updates] == [("Bea", None), ("Bea", "hot")]
