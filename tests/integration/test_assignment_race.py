"""Fair assignment under a storm, on DynamoDB Local (AWS's own engine: real transactions and
conditions; moto's transactions are not isolated across threads). 50 operators online with a
capacity of 5 each, 500 dialogs arriving on Waiting at once from many threads: no operator is
ever past capacity, no dialog is assigned twice, and a dialog is left on Waiting only when every
operator is full (docs/assignment.md)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.api.bodies import check_lead_changes
from chalicelib.domain.credentials import parse_api_key
from chalicelib.storage.models import LeadModel, OperatorDialogModel
from chalicelib.storage.presence import PresenceStore
from tests.conftest import make_bot

OPERATORS = [f"op{n:02d}" for n in range(50)]
CAPACITY = 5
DIALOGS = 500
THREADS = 16


@pytest.fixture
def fair_env(monkeypatch):
    monkeypatch.setenv("HANDOVER_ASSIGNMENT", "fair")
    monkeypatch.setenv("HANDOVER_OPERATOR_CAPACITY", str(CAPACITY))


def test_500_dialogs_racing_for_50_operators_are_never_over_capacity_nor_assigned_twice(fair_env, real_dynamodb):
    services = real_dynamodb
    assert services.assignment is not None
    key = parse_api_key(make_bot(services, operator_transfer_script=["An operator joined."]).api_key)
    for n, operator in enumerate(OPERATORS):
        services.connections.add(f"conn-{n}", operator, False, services.clock.now())

    def arrive(n: int) -> str:
        ref = f"tg:{n}"
        lead, _ = services.dialogs.upsert_lead(key, ref, check_lead_changes({}))
        services.dialogs.handoff(key, ref, "")
        return lead.id

    with ThreadPoolExecutor(THREADS) as pool:
        lead_ids = list(pool.map(arrive, range(DIALOGS)))

    leads = {lead.id: lead for lead in LeadModel.batch_get(lead_ids, consistent_read=True)}
    assert len(leads) == DIALOGS
    assigned = [lead for lead in leads.values() if lead.dialog_state == "operator"]
    waiting = [lead for lead in leads.values() if lead.dialog_state == "waiting"]
    assert len(assigned) + len(waiting) == DIALOGS

    # No double assignment: one operator per dialog, and exactly two transitions (handoff, assignment).
    assert [lead.id for lead in assigned if len(lead.operators) != 1] == []
    assert [lead.id for lead in assigned if int(lead.dialog_version) != 2] == []

    # No over-capacity, and each operator's load counter equals their dialogs.
    per_operator = {operator: 0 for operator in OPERATORS}
    for lead in assigned:
        per_operator[lead.operators[0]] += 1
    assert max(per_operator.values()) <= CAPACITY
    loads = PresenceStore().loads(OPERATORS)
    assert {op: loads[op].open_dialogs for op in OPERATORS} == per_operator
    mine = {op: sum(1 for _ in OperatorDialogModel.query(op)) for op in OPERATORS}
    assert mine == per_operator

    # Left on Waiting only because everyone was full: 250 places, 500 dialogs.
    assert len(assigned) == min(DIALOGS, CAPACITY * len(OPERATORS))
    if waiting:
        assert set(per_operator.values()) == {CAPACITY}
