"""The dialog state machine: the one place that decides who may do what to a dialog.

States and transitions (see docs/dialog-state-machine.md):

    bot       --handoff-->            waiting      (DialogWaiting)
    bot       --start(op)-->          operator     (OperatorJoined, SystemScriptDue operator_transfer)
    waiting   --start(op)-->          operator     (OperatorJoined, SystemScriptDue operator_transfer)
    operator  --start(other op)-->    operator     (OperatorJoined)
    operator  --leave(op), others-->  operator     (OperatorLeft)
    operator  --leave(last op)-->     waiting      (OperatorLeft, DialogWaiting)   no script runs
    waiting   --resolve(op)-->        bot          (ReturnedToBot, SystemScriptDue return)
    waiting   --give_back-->          bot          (ReturnedToBot, SystemScriptDue unanswered)
    operator  --give_back-->          bot          (ReturnedToBot, SystemScriptDue unanswered)
    operator  --resolve(participant)-> bot         (ReturnedToBot, SystemScriptDue return)
    bot       --leave(op)-->          bot          nothing (the operator stops following it)

No-ops that change nothing and yield no event: `handoff` in waiting or operator (the bot
may ask twice), `start` by an operator who is already in the dialog (a double click).
Everything else raises `InvalidTransition`.

Functions are pure: they take a `Dialog` and return a `Transition`; the service layer
writes the result with a condition on the state it read, so two operators clicking at
once never lose an update.
"""

from __future__ import annotations

import msgspec

from chalicelib.domain.dialog_state import DialogState
from chalicelib.domain.errors import Conflict, InvalidTransition, NotParticipant
from chalicelib.domain.events import (
    DialogEvent,
    DialogWaiting,
    OperatorJoined,
    OperatorLeft,
    ReturnedToBot,
    SystemScriptDue,
)

__all__ = ["Dialog", "DialogState", "Transition", "handoff", "start", "leave", "resolve", "give_back",
           "ensure_can_send", "ensure_bot_may_speak"]

OPERATOR_TRANSFER_SCRIPT = "operator_transfer"
RETURN_SCRIPT = "return"
# The escalation ladder's last rung gives an unanswered lead back to the bot (docs/notifications.md).
UNANSWERED_SCRIPT = "unanswered"


class Dialog(msgspec.Struct, frozen=True):
    state: DialogState = DialogState.BOT
    operators: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # The invariant that every transition keeps: operators are present exactly in `operator`.
        if (self.state is DialogState.OPERATOR) != bool(self.operators):
            raise ValueError(f"dialog in state {self.state} with operators {self.operators!r}")

    def has(self, operator: str) -> bool:
        return operator in self.operators


class Transition(msgspec.Struct, frozen=True):
    before: Dialog
    after: Dialog
    events: tuple[DialogEvent, ...] = msgspec.field(default_factory=tuple)

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _unchanged(dialog: Dialog) -> Transition:
    return Transition(dialog, dialog, ())


def _refuse(dialog: Dialog, action: str, why: str) -> InvalidTransition:
    return InvalidTransition(
        f"cannot {action} a dialog in state {dialog.state.value}: {why}",
        state=dialog.state.value,
        operators=list(dialog.operators),
    )


def handoff(dialog: Dialog, reason: str = "") -> Transition:
    """The bot asks for an operator."""
    if dialog.state is not DialogState.BOT:
        return _unchanged(dialog)
    after = Dialog(DialogState.WAITING, ())
    return Transition(dialog, after, (DialogWaiting(after.state, after.operators, reason=reason or "handoff"),))


def start(dialog: Dialog, operator: str) -> Transition:
    """Start conversation (R10): the operator joins the dialog."""
    if dialog.has(operator):
        return _unchanged(dialog)
    after = Dialog(DialogState.OPERATOR, (*dialog.operators, operator))
    joined = OperatorJoined(after.state, after.operators, operator=operator, previous_state=dialog.state)
    if dialog.state is DialogState.OPERATOR:
        return Transition(dialog, after, (joined,))
    script = SystemScriptDue(after.state, after.operators, script=OPERATOR_TRANSFER_SCRIPT)
    return Transition(dialog, after, (joined, script))


def leave(dialog: Dialog, operator: str) -> Transition:
    """Leave dialog (R6)."""
    if dialog.state is DialogState.BOT:
        # An operator following a resolved dialog only drops it from their view.
        return _unchanged(dialog)
    if not dialog.has(operator):
        raise _refuse(dialog, "leave", f"operator {operator} is not in it")
    remaining = tuple(op for op in dialog.operators if op != operator)
    if remaining:
        after = Dialog(DialogState.OPERATOR, remaining)
        return Transition(dialog, after, (OperatorLeft(after.state, after.operators, operator=operator),))
    after = Dialog(DialogState.WAITING, ())
    return Transition(
        dialog,
        after,
        (
            OperatorLeft(after.state, after.operators, operator=operator),
            DialogWaiting(after.state, after.operators, reason="operator_left"),
        ),
    )


def resolve(dialog: Dialog, operator: str) -> Transition:
    """Mark resolved and return to bot (R7): every operator leaves, the Return script runs."""
    if dialog.state is DialogState.BOT:
        raise _refuse(dialog, "return to bot", "the bot already has it")
    if dialog.state is DialogState.OPERATOR and not dialog.has(operator):
        raise _refuse(dialog, "return to bot", f"operator {operator} is not in it")
    after = Dialog(DialogState.BOT, ())
    return Transition(
        dialog,
        after,
        (
            ReturnedToBot(after.state, after.operators, operator=operator, previous_operators=dialog.operators),
            SystemScriptDue(after.state, after.operators, script=RETURN_SCRIPT),
        ),
    )


def give_back(dialog: Dialog) -> Transition:
    """Nobody answered the lead in time (the escalation ladder's last rung): the bot takes the
    dialog back from Waiting or from its operators, and its Unanswered script runs. Not an
    operator's action: the event names no operator. Already with the bot: nothing."""
    if dialog.state is DialogState.BOT:
        return _unchanged(dialog)
    after = Dialog(DialogState.BOT, ())
    return Transition(
        dialog,
        after,
        (
            ReturnedToBot(after.state, after.operators, operator="", previous_operators=dialog.operators),
            SystemScriptDue(after.state, after.operators, script=UNANSWERED_SCRIPT),
        ),
    )


def ensure_can_send(dialog: Dialog, operator: str) -> None:
    """Only an operator in the dialog may write to the lead (R11)."""
    if dialog.state is not DialogState.OPERATOR or not dialog.has(operator):
        raise NotParticipant(
            "only an operator in the dialog can send messages; press Start conversation first",
            state=dialog.state.value,
            operators=list(dialog.operators),
        )


def ensure_bot_may_speak(dialog: Dialog, *, allowed_with_operator: bool) -> None:
    """The bot does not talk over the operator: while operators are in the dialog its own
    messages (`from: "bot"`) are refused, unless its admin allowed them. The lead's messages
    always pass, and so do the bot's while the dialog waits for an operator (it may keep the
    lead company: "still looking for someone")."""
    if dialog.state is DialogState.OPERATOR and not allowed_with_operator:
        raise Conflict(
            "dialog_with_operator",
            "an operator is in this dialog: the bot's messages wait until it returns to the bot "
            "(follow dialog.operator_joined / dialog.returned_to_bot)",
            state=dialog.state.value,
        )
