"""Domain events: what happened, as data. One module (the event listeners) turns
them into websocket pushes, webhook deliveries and system-script messages.

Each event's `name` is the name bots see on their webhook, so the words stay the
same from the state machine to the wire.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from chalicelib.domain.dialog_state import DialogState


@dataclass(frozen=True)
class DialogEvent:
    name: ClassVar[str] = "dialog.event"
    state: DialogState
    operators: tuple[str, ...]


@dataclass(frozen=True)
class DialogWaiting(DialogEvent):
    """The dialog entered Waiting: the bot asked for an operator, or the last one left."""

    name: ClassVar[str] = "dialog.waiting"
    reason: str = ""


@dataclass(frozen=True)
class OperatorJoined(DialogEvent):
    name: ClassVar[str] = "dialog.operator_joined"
    operator: str = ""
    previous_state: DialogState = DialogState.OPERATOR


@dataclass(frozen=True)
class OperatorLeft(DialogEvent):
    name: ClassVar[str] = "dialog.operator_left"
    operator: str = ""


@dataclass(frozen=True)
class ReturnedToBot(DialogEvent):
    name: ClassVar[str] = "dialog.returned_to_bot"
    operator: str = ""
    previous_operators: tuple[str, ...] = ()


@dataclass(frozen=True)
class SystemScriptDue(DialogEvent):
    """The bot's system script `script` ("operator_transfer" or "return") must run once."""

    name: ClassVar[str] = "dialog.system_script_due"
    script: str = ""
