"""The tab counters stay exact while operators race (DynamoDB Local: real transactions).

The counters move in the same transaction as the change they count, so whatever the
interleaving, `GET /api/counts` equals the size of each tab."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from chalicelib.api.bodies import check_lead_changes
from chalicelib.domain.commands import IncomingMessage
from chalicelib.domain.credentials import parse_api_key
from chalicelib.domain.errors import InvalidTransition
from chalicelib.storage.counters import CounterStore
from chalicelib.storage.models import LeadModel, MessageModel, OperatorDialogModel
from tests.conftest import make_bot

OPERATORS = ["alice", "bob", "carol"]


def _waiting_dialogs(services, count):
    bot = make_bot(services, return_script=["Bot is back"], operator_transfer_script=["An operator joined"])
    key = parse_api_key(bot.api_key)
    lead_ids = []
    for n in range(count):
        lead, _ = services.dialogs.upsert_lead(key, f"tg:{n}", check_lead_changes({}))
        services.dialogs.post_bot_message(key, f"tg:{n}", IncomingMessage(f"m{n}", "lead", "hi", (), None))
        services.dialogs.handoff(key, f"tg:{n}", "")
        lead_ids.append(lead.id)
    return lead_ids


def _tab_sizes(lead_ids, username):
    leads = [LeadModel.get(lead_id) for lead_id in lead_ids]
    return {
        "waiting": sum(1 for lead in leads if lead.dialog_state == "waiting"),
        "mine": sum(1 for lead in leads if lead.dialog_state == "operator" and username in lead.operators),
        "all": len(leads),
    }


def test_two_operators_pressing_start_at_once_are_both_in_and_counted(real_dynamodb):
    services = real_dynamodb
    (lead_id,) = _waiting_dialogs(services, 1)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda op: services.dialogs.start(lead_id, op), ["alice", "bob"]))
    assert all(lead.dialog_state == "operator" for lead in results)
    stored = LeadModel.get(lead_id)
    assert sorted(stored.operators) == ["alice", "bob"]
    scripts = [m for m in MessageModel.query(lead_id) if m.system_script == "operator_transfer"]
    assert len(scripts) == 1
    assert CounterStore().of_operator("alice") == {"waiting": 0, "mine": 1, "all": 1}
    assert CounterStore().of_operator("bob") == {"waiting": 0, "mine": 1, "all": 1}


def test_resolve_racing_leave_keeps_counts_and_runs_return_once(real_dynamodb):
    services = real_dynamodb
    lead_ids = _waiting_dialogs(services, 3)
    for lead_id in lead_ids:
        services.dialogs.start(lead_id, "alice")
        services.dialogs.start(lead_id, "bob")
    for lead_id in lead_ids:
        with ThreadPoolExecutor(2) as pool:
            resolved = pool.submit(services.dialogs.resolve, lead_id, "alice")
            left = pool.submit(services.dialogs.leave, lead_id, "bob")
            resolved.result()
            left.result()
        stored = LeadModel.get(lead_id)
        assert (stored.dialog_state, stored.operators) == ("bot", [])
        assert [m.text for m in MessageModel.query(lead_id) if m.system_script == "return"] == ["Bot is back"]
    for operator in ("alice", "bob"):
        assert CounterStore().of_operator(operator) == {"waiting": 0, "mine": 0, "all": 3}
        assert list(OperatorDialogModel.query(operator)) == []


def test_counts_equal_the_tabs_after_a_storm_of_actions(real_dynamodb):
    services = real_dynamodb
    lead_ids = _waiting_dialogs(services, 4)
    rng = random.Random(7)
    plan = [(rng.choice(["start", "start", "leave", "resolve"]), rng.choice(lead_ids), rng.choice(OPERATORS))
            for _ in range(40)]

    def act(step):
        action, lead_id, operator = step
        try:
            getattr(services.dialogs, action)(lead_id, operator)
        except InvalidTransition:
            pass  # refused: e.g. leaving a dialog one is not in

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(act, plan))
    for operator in OPERATORS:
        assert CounterStore().of_operator(operator) == _tab_sizes(lead_ids, operator), operator
        mine = {item.lead_id for item in OperatorDialogModel.query(operator)}
        assert mine == {lead_id for lead_id in lead_ids
                        if operator in (LeadModel.get(lead_id).operators or [])}
