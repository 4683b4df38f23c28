"""Domain events: what happened, as data. One module (the event listeners) turns
them into websocket pushes, webhook deliveries and system-script messages.

Each event's `name` is the name bots see on their webhook, so the words stay the
same from the state machine to the wire.
"""

from __future__ import annotations

from typing import ClassVar

import msgspec

from chalicelib.domain.dialog_state import DialogState


# Frozen msgspec Structs rather than dataclasses: the same values, a fraction of the import time
# (a dataclass's methods are generated with exec when the class is made; this is cold start).
class DialogEvent(msgspec.Struct, frozen=True):
    name: ClassVar[str] = "dialog.event"
    state: DialogState
    operators: tuple[str, ...]


class DialogWaiting(DialogEvent, frozen=True):
    """The dialog entered Waiting: the bot asked for an operator, or the last one left."""

    name: ClassVar[str] = "dialog.waiting"
    reason: str = ""


class OperatorJoined(DialogEvent, frozen=True):
    name: ClassVar[str] = "dialog.operator_joined"
    operator: str = ""
    previous_state: DialogState = DialogState.OPERATOR


class OperatorLeft(DialogEvent, frozen=True):
    name: ClassVar[str] = "dialog.operator_left"
    operator: str = ""


class ReturnedToBot(DialogEvent, frozen=True):
    name: ClassVar[str] = "dialog.returned_to_bot"
    operator: str = ""
    previous_operators: tuple[str, ...] = ()


class SystemScriptDue(DialogEvent, frozen=True):
    """The bot's system script `script` ("operator_transfer" or "return") must run once."""

    name: ClassVar[str] = "dialog.system_script_due"
    script: str = ""
