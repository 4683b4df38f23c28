"""Races against DynamoDB Local (real transaction isolation): parallel retries of one
message, messages racing each other, operators racing each other."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from chalicelib.api.bodies import check_lead_changes
from chalicelib.domain.commands import IncomingMessage
from chalicelib.domain.credentials import parse_api_key
from chalicelib.domain.ids import lead_id
from chalicelib.storage.models import LeadModel, MessageModel, OperatorDialogModel
from tests.conftest import make_bot


def test_the_same_message_posted_ten_times_in_parallel_is_stored_once(real_dynamodb):
    services = real_dynamodb
    bot = make_bot(services)
    key = parse_api_key(bot.api_key)
    services.dialogs.upsert_lead(key, "tg:1", check_lead_changes({}))
    incoming = IncomingMessage("m-1", "lead", "hello", (), None)

    def post(_):
        message, created, _lead = services.dialogs.post_bot_message(key, "tg:1", incoming)
        return int(message.seq), created

    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(post, range(10)))
    assert {seq for seq, _ in results} == {1}
    assert sum(created for _, created in results) == 1
    stored = list(MessageModel.query(lead_id(bot.id, "tg:1")))
    assert [(m.seq, m.text) for m in stored] == [(1, "hello")]
    assert LeadModel.get(lead_id(bot.id, "tg:1")).seq == 1


def test_different_messages_in_parallel_get_distinct_gapless_seqs(real_dynamodb):
    services = real_dynamodb
    bot = make_bot(services)
    key = parse_api_key(bot.api_key)
    services.dialogs.upsert_lead(key, "tg:1", check_lead_changes({}))

    def post(i):
        message, created, _ = services.dialogs.post_bot_message(
            key, "tg:1", IncomingMessage(f"m-{i}", "lead", f"text {i}", (), None))
        return int(message.seq)

    with ThreadPoolExecutor(8) as pool:
        seqs = list(pool.map(post, range(16)))
    assert sorted(seqs) == list(range(1, 17))
    stored = list(MessageModel.query(lead_id(bot.id, "tg:1")))
    assert sorted(m.text for m in stored) == sorted(f"text {i}" for i in range(16))
    lead = LeadModel.get(lead_id(bot.id, "tg:1"))
    assert lead.seq == 16 and lead.unread == 16


def _waiting_dialog(services):
    bot = make_bot(services, return_script=["Bot is back"], operator_transfer_script=["An operator joined"])
    key = parse_api_key(bot.api_key)
    services.dialogs.upsert_lead(key, "tg:1", check_lead_changes({}))
    services.dialogs.handoff(key, "tg:1", "")
    return lead_id(bot.id, "tg:1")


def test_operators_pressing_start_at_once_all_join_and_the_script_runs_once(real_dynamodb):
    services = real_dynamodb
    lead = _waiting_dialog(services)
    operators = [f"op{i}" for i in range(5)]
    with ThreadPoolExecutor(5) as pool:
        list(pool.map(lambda op: services.dialogs.start(lead, op), operators))
    stored = LeadModel.get(lead)
    assert stored.dialog_state == "operator" and sorted(stored.operators) == operators
    messages = list(MessageModel.query(lead))
    assert [m.text for m in messages if m.system_script == "operator_transfer"] == ["An operator joined"]
    assert sorted(m.operator for m in messages if m.event == "dialog.operator_joined") == operators
    assert [m.seq for m in messages] == list(range(1, len(messages) + 1))
    mine = {op: list(OperatorDialogModel.query(op)) for op in operators}
    assert all(len(items) == 1 and items[0].summary["state"] == "operator" for items in mine.values())


def test_resolve_racing_leave_ends_in_one_consistent_state(real_dynamodb):
    services = real_dynamodb
    for _ in range(3):
        lead = _waiting_dialog(services)
        services.dialogs.start(lead, "alice")
        services.dialogs.start(lead, "bob")
        with ThreadPoolExecutor(2) as pool:
            resolved = pool.submit(services.dialogs.resolve, lead, "alice")
            left = pool.submit(services.dialogs.leave, lead, "bob")
            resolved.result()
            left.result()
        stored = LeadModel.get(lead)
        assert stored.dialog_state == "bot" and stored.operators == []
        messages = list(MessageModel.query(lead))
        assert [m.text for m in messages if m.system_script == "return"] == ["Bot is back"]
        assert list(OperatorDialogModel.query("alice")) == [] or all(
            item.lead_id != lead for item in OperatorDialogModel.query("alice"))
        assert all(item.lead_id != lead for item in OperatorDialogModel.query("bob"))
