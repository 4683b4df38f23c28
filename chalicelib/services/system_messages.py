"""What a transition appends to the dialog's history, in the same transaction as the
transition itself: a system note per event (the UI shows them as notes, R6/R7/R10), and the
bot's system script when one is due (R7, R10) as bot messages, which the webhook outbox then
sends to the bot like any operator reply so that the bot relays them to the lead.
"""

from __future__ import annotations

from chalicelib.domain import dialog as machine
from chalicelib.domain import scripts
from chalicelib.domain.dialog import Transition
from chalicelib.domain.events import DialogWaiting, OperatorJoined, OperatorLeft, ReturnedToBot, SystemScriptDue
from chalicelib.storage.dialogs import lead_attributes
from chalicelib.storage.models import BotModel, LeadModel, MessageModel

# What the system messages of a transition say.
_EVENT_NOTES = {
    OperatorJoined.name: "{operator} joined the dialog",
    OperatorLeft.name: "{operator} left the dialog",
    DialogWaiting.name: "The dialog is waiting for an operator",
    ReturnedToBot.name: "{operator} marked the dialog resolved and returned it to the bot",
}


def transition_messages(lead: LeadModel, transition: Transition, bot: BotModel | None, now: str) -> list[MessageModel]:
    """System notes for the history, and the bot's system script if one is due, numbered
    from the lead's `seq` + 1 in the order of the transition's events."""
    messages: list[MessageModel] = []
    seq = int(lead.seq)
    attributes = lead_attributes(lead)
    for event in transition.events:
        if isinstance(event, SystemScriptDue):
            templates: list[str] = []
            if bot is not None:
                templates = {machine.RETURN_SCRIPT: bot.return_script,
                             machine.OPERATOR_TRANSFER_SCRIPT: bot.operator_transfer_script,
                             machine.UNANSWERED_SCRIPT: bot.unanswered_script}.get(event.script) or []
            for text in scripts.render_all(list(templates or []), attributes, lead.name):
                seq += 1
                messages.append(MessageModel(lead.id, seq, sender="bot", text=text, system_script=event.script,
                                             created_at=now, delivery="sent"))
            continue
        note = _EVENT_NOTES.get(event.name)
        if note is None:
            continue
        operator = getattr(event, "operator", "") or ""
        if isinstance(event, ReturnedToBot) and not operator:
            note = "Nobody answered in time: the dialog returned to the bot"
        if isinstance(event, DialogWaiting) and event.reason not in ("", "handoff", "operator_left"):
            note = note + f" ({event.reason})"
        seq += 1
        messages.append(MessageModel(lead.id, seq, sender="system", text=note.format(operator=operator),
                                     event=event.name, operator=operator or None, created_at=now))
    return messages
