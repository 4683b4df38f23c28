"""The dialog's states (kept apart so that events and the machine can both import them)."""

from __future__ import annotations

from enum import StrEnum


class DialogState(StrEnum):
    BOT = "bot"  # the bot is talking to the lead
    WAITING = "waiting"  # handed to operators, no operator in it yet
    OPERATOR = "operator"  # one or more operators are in it

