"""What a committed change publishes: the seam between the service layer and the
listeners that turn changes into websocket pushes, webhook deliveries and reminders.

A service calls `publish(change)` only after its transaction committed; a publisher must
never raise into the caller (a push that fails does not undo a stored message).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from chalicelib.domain.events import DialogEvent
from chalicelib.storage.dialogs import DialogWrite
from chalicelib.storage.models import LeadModel, MessageModel


@dataclass(frozen=True)
class Change:
    """One committed change to a dialog."""

    lead: LeadModel  # the lead as it is after the change
    events: tuple[DialogEvent, ...] = ()
    messages: tuple[MessageModel, ...] = ()
    lead_updated: bool = False
    created: bool = False  # the lead was created by this change
    before_state: str | None = None  # the dialog's state before the change
    before_operators: tuple[str, ...] = ()
    actor: str | None = None  # the operator who acted, if any
    extra: dict[str, object] = field(default_factory=dict)


class Publisher(Protocol):
    def publish(self, change: Change) -> None: ...


class NullPublisher:
    def publish(self, change: Change) -> None:
        return None


class RecordingPublisher:
    """Keeps every change (tests)."""

    def __init__(self) -> None:
        self.changes: list[Change] = []

    def publish(self, change: Change) -> None:
        self.changes.append(change)


class Outbox(Protocol):
    """Adds items to a change's own transaction (e.g. webhook deliveries), so that what a
    change causes is recorded in the same write as the change: no dual write."""

    def stage(self, write: DialogWrite, change: Change) -> None: ...


class NoOutbox:
    def stage(self, write: DialogWrite, change: Change) -> None:
        return None


class Outboxes:
    """Several stagers in one: each adds its items to the same transaction, in order."""

    def __init__(self, stagers: list[Outbox]) -> None:
        self.stagers = list(stagers)

    def stage(self, write: DialogWrite, change: Change) -> None:
        for stager in self.stagers:
            stager.stage(write, change)
