"""Edits and mark-read that race a change: they read again instead of failing or writing a
stale Mine-tab copy (found while building the operator API)."""

from __future__ import annotations

from chalicelib.domain.credentials import parse_api_key
from chalicelib.domain.validation import IncomingMessage, check_lead_changes, check_operator_lead_edit
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
