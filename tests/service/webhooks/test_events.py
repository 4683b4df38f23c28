"""What each dialog change tells the bot (the payloads of docs/webhooks.md)."""

from __future__ import annotations

from tests.service.webhooks.flows import handoff, new_lead, operator_says


def data_of(hooks):
    return [(c.payload["type"], c.payload["data"]) for c in hooks.receiver.delivered()]


def test_operators_leaving_one_by_one(hooks):
    lead = new_lead(hooks)
    handoff(hooks)
    hooks.services.dialogs.start(lead, "alice")
    hooks.services.dialogs.start(lead, "bob")
    hooks.services.dialogs.leave(lead, "bob")
    hooks.services.dialogs.leave(lead, "alice")
    hooks.feed()
    events = data_of(hooks)
    assert [kind for kind, _ in events] == [
        "dialog.waiting",
        "dialog.operator_joined", "message.created",  # alice, with the Transfer-to-operator script
        "dialog.operator_joined",  # bob: the dialog was already with an operator, no script
        "dialog.operator_left",  # bob; alice stays
        "dialog.operator_left", "dialog.waiting",  # alice, the last one: back to Waiting
    ]
    waiting = events[0][1]
    assert waiting["operator"] is None and waiting["reason"] == "asked for a human"
    assert waiting["dialog"] == {"state": "waiting", "operators": []}
    bob_joined = events[3][1]
    assert bob_joined["operator"] == {"username": "bob"} and bob_joined["previous_state"] == "operator"
    assert bob_joined["dialog"] == {"state": "operator", "operators": ["alice", "bob"]}
    bob_left = events[4][1]
    assert bob_left["operator"] == {"username": "bob"} and bob_left["dialog"]["operators"] == ["alice"]
    last_left, back_waiting = events[5][1], events[6][1]
    assert last_left["operator"] == {"username": "alice"}
    assert back_waiting["reason"] == "operator_left" and back_waiting["operator"] == {"username": "alice"}
    for _, data in events:
        assert data["bot_id"] == hooks.bot_id and data["lead"] == {"id": lead, "lead_ref": "tg:1"}


def test_resolve_runs_the_return_script_after_the_event(hooks):
    lead = new_lead(hooks)
    hooks.services.dialogs.start(lead, "alice")
    operator_says(hooks, lead, "done here")
    hooks.services.dialogs.resolve(lead, "alice")
    hooks.feed()
    events = data_of(hooks)
    kinds = [kind for kind, _ in events]
    assert kinds[-2:] == ["dialog.returned_to_bot", "message.created"]
    returned, script = events[-2][1], events[-1][1]
    assert returned["previous_operators"] == ["alice"] and returned["dialog"] == {"state": "bot", "operators": []}
    assert script["message"]["from"] == "bot" and script["message"]["system_script"] == "return"
    assert script["message"]["text"] == "Bot is back, Anna."
    assert script["operator"] == {"username": "alice"}
    ids = [c.payload["id"] for c in hooks.receiver.delivered()]
    assert all(i.startswith("evt_") for i in ids) and len(set(ids)) == len(ids)


def test_a_change_adds_one_item_and_refuses_to_overflow_a_transaction(hooks):
    import pytest

    from chalicelib.services.changes import Change
    from chalicelib.storage.dialog_write import DialogWrite
    from chalicelib.storage.dialogs import dialog_of
    from chalicelib.storage.models import LeadModel
    from chalicelib.webhooks.outbox import TRANSACTION_LIMIT, WebhookOutbox

    lead = LeadModel.get(new_lead(hooks))
    change = Change(lead=lead, before=dialog_of(lead), after=dialog_of(lead), lead_updated=True, actor="alice")
    outbox = WebhookOutbox(hooks.clock)
    write = DialogWrite(hooks.services.store)
    outbox.stage(write, change)
    assert len(write) == 1
    full = DialogWrite(hooks.services.store)
    full.move_counters({f"counter-{n}": 1 for n in range(TRANSACTION_LIMIT)})
    with pytest.raises(RuntimeError, match="no room"):
        outbox.stage(full, change)
