"""Presence: what the team sees of each operator (docs/assignment.md).

Two inputs: whether the operator has a live connection (online / offline) and the status
they set in the top bar (available / away). An away operator is shown as away while online,
still receives their own dialogs, but is not offered for assignment.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """The status an operator sets."""

    AVAILABLE = "available"
    AWAY = "away"

    @staticmethod
    def of(value: str | None) -> Status:
        """A stored value; anything unknown or missing reads as available."""
        return Status.AWAY if value == Status.AWAY.value else Status.AVAILABLE


class Presence(StrEnum):
    """What the team sees, in the order pickers list it."""

    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


def presence_of(online: bool, status: Status) -> Presence:
    if not online:
        return Presence.OFFLINE
    return Presence.AWAY if status is Status.AWAY else Presence.ONLINE


# Pickers list who can take a dialog now first: online, then away, then offline.
PICKER_ORDER = {Presence.ONLINE: 0, Presence.AWAY: 1, Presence.OFFLINE: 2}


@dataclass(frozen=True)
class TeamMember:
    """An operator as pickers and a dialog's participants show them."""

    username: str
    presence: Presence
    status: Status
    open_dialogs: int = 0
