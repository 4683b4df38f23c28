"""Every state x action pair of the dialog state machine (design.md)."""

from __future__ import annotations

import pytest

from chalicelib.domain import dialog as machine
from chalicelib.domain.dialog import Dialog
from chalicelib.domain.dialog_state import DialogState
from chalicelib.domain.errors import InvalidTransition, NotParticipant
from chalicelib.domain.events import DialogWaiting, OperatorJoined, OperatorLeft, ReturnedToBot, SystemScriptDue

BOT = Dialog(DialogState.BOT)
WAITING = Dialog(DialogState.WAITING)
ALICE = Dialog(DialogState.OPERATOR, ("alice",))
ALICE_BOB = Dialog(DialogState.OPERATOR, ("alice", "bob"))


def names(transition):
    return [type(event).__name__ for event in transition.events]


def test_a_dialog_has_operators_exactly_in_state_operator():
    with pytest.raises(ValueError):
        Dialog(DialogState.OPERATOR, ())
    with pytest.raises(ValueError):
        Dialog(DialogState.WAITING, ("alice",))
    with pytest.raises(ValueError):
        Dialog(DialogState.BOT, ("alice",))


# --- handoff -------------------------------------------------------------------------------

def test_handoff_from_bot_goes_to_waiting():
    t = machine.handoff(BOT, "asked for a human")
    assert t.after == WAITING
    assert names(t) == ["DialogWaiting"]
    assert t.events[0].reason == "asked for a human"
    assert t.events[0].name == "dialog.waiting"


@pytest.mark.parametrize("dialog", [WAITING, ALICE, ALICE_BOB])
def test_handoff_elsewhere_changes_nothing(dialog):
    t = machine.handoff(dialog)
    assert t.after == dialog and t.events == () and not t.changed


# --- start (R10) ---------------------------------------------------------------------------

@pytest.mark.parametrize("dialog", [BOT, WAITING])
def test_start_from_bot_or_waiting_hands_over_and_runs_transfer_script(dialog):
    t = machine.start(dialog, "alice")
    assert t.after == ALICE
    assert names(t) == ["OperatorJoined", "SystemScriptDue"]
    joined, script = t.events
    assert isinstance(joined, OperatorJoined) and joined.operator == "alice"
    assert joined.previous_state is dialog.state
    assert isinstance(script, SystemScriptDue) and script.script == "operator_transfer"


def test_a_second_operator_joins_without_the_script():
    t = machine.start(ALICE, "bob")
    assert t.after == ALICE_BOB
    assert names(t) == ["OperatorJoined"]


@pytest.mark.parametrize("dialog", [ALICE, ALICE_BOB])
def test_start_by_an_operator_already_in_is_a_no_op(dialog):
    t = machine.start(dialog, "alice")
    assert t.after == dialog and t.events == ()


# --- leave (R6) ----------------------------------------------------------------------------

def test_leave_while_others_stay_keeps_operator_state():
    t = machine.leave(ALICE_BOB, "alice")
    assert t.after == Dialog(DialogState.OPERATOR, ("bob",))
    assert names(t) == ["OperatorLeft"]
    assert t.events[0].operator == "alice"


def test_last_operator_leaving_sends_the_dialog_to_waiting_without_a_script():
    t = machine.leave(ALICE, "alice")
    assert t.after == WAITING
    assert names(t) == ["OperatorLeft", "DialogWaiting"]
    assert not any(isinstance(e, SystemScriptDue) for e in t.events)
    assert t.events[1].reason == "operator_left"


def test_leaving_a_dialog_the_bot_has_only_drops_it_from_view():
    t = machine.leave(BOT, "alice")
    assert t.after == BOT and t.events == ()


@pytest.mark.parametrize("dialog", [WAITING, ALICE])
def test_leaving_a_dialog_one_is_not_in_is_refused(dialog):
    with pytest.raises(InvalidTransition) as refused:
        machine.leave(dialog, "carol")
    assert refused.value.code == "invalid_transition"
    assert refused.value.details["state"] == dialog.state.value


# --- resolve (R7) --------------------------------------------------------------------------

@pytest.mark.parametrize("dialog,operator", [(WAITING, "carol"), (ALICE, "alice"), (ALICE_BOB, "bob")])
def test_resolve_returns_to_bot_and_runs_the_return_script(dialog, operator):
    t = machine.resolve(dialog, operator)
    assert t.after == BOT
    assert names(t) == ["ReturnedToBot", "SystemScriptDue"]
    returned, script = t.events
    assert isinstance(returned, ReturnedToBot) and returned.previous_operators == dialog.operators
    assert returned.operator == operator
    assert script.script == "return"


def test_resolve_of_a_dialog_the_bot_has_is_refused():
    with pytest.raises(InvalidTransition):
        machine.resolve(BOT, "alice")


def test_resolve_by_an_operator_not_in_the_dialog_is_refused():
    with pytest.raises(InvalidTransition):
        machine.resolve(ALICE, "carol")


# --- sending (R11) -------------------------------------------------------------------------

def test_only_a_participant_may_send():
    machine.ensure_can_send(ALICE_BOB, "bob")
    for dialog, operator in [(BOT, "alice"), (WAITING, "alice"), (ALICE, "bob")]:
        with pytest.raises(NotParticipant):
            machine.ensure_can_send(dialog, operator)


def test_event_names_are_the_webhook_names():
    assert DialogWaiting.name == "dialog.waiting"
    assert OperatorJoined.name == "dialog.operator_joined"
    assert OperatorLeft.name == "dialog.operator_left"
    assert ReturnedToBot.name == "dialog.returned_to_bot"


STATES = {"bot": BOT, "waiting": WAITING, "operator": ALICE}
ACTIONS = {
    "handoff": lambda d: machine.handoff(d),
    "start": lambda d: machine.start(d, "zoe"),
    "leave": lambda d: machine.leave(d, "zoe"),
    "resolve": lambda d: machine.resolve(d, "zoe"),
}
# The whole table for an operator "zoe" who is not in the dialog: the resulting state, or "refused".
EXPECTED = {
    ("bot", "handoff"): "waiting",
    ("bot", "start"): "operator",
    ("bot", "leave"): "bot",
    ("bot", "resolve"): "refused",
    ("waiting", "handoff"): "waiting",
    ("waiting", "start"): "operator",
    ("waiting", "leave"): "refused",
    ("waiting", "resolve"): "bot",
    ("operator", "handoff"): "operator",
    ("operator", "start"): "operator",
    ("operator", "leave"): "refused",
    ("operator", "resolve"): "refused",
}


@pytest.mark.parametrize("state,action", sorted(EXPECTED))
def test_state_action_table(state, action):
    try:
        result = ACTIONS[action](STATES[state]).after.state.value
    except InvalidTransition:
        result = "refused"
    assert result == EXPECTED[(state, action)]
