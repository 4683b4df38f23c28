"""A committed change to a dialog, and its two kinds of consequence.

- A *stager* adds writes to the change's own transaction (the tab counters, the webhook
  outbox): what a change causes is recorded in the same write as the change, so there is no
  dual write and nothing to reconcile after a crash.
- A *listener* acts after the commit (the live pushes to operators). It must not fail the
  change: the change is stored, and every listener's work can be redone by a reader (the UI
  resyncs by `seq`), so a failing listener is logged and the others still run.

`Consequences` is the one list of both, built in `chalicelib/bootstrap.py`, where it can be read
in one place (Chatwoot's dispatcher and listeners are the model).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

import msgspec

from chalicelib import observability
from chalicelib.domain.dialog import Dialog
from chalicelib.domain.events import DialogEvent
from chalicelib.storage.dialog_write import DialogWrite
from chalicelib.storage.models import LeadModel, MessageModel

logger = logging.getLogger("handover.changes")


class Change(msgspec.Struct, frozen=True):
    """One committed change to a dialog. `before` and `after` are the dialog's domain values
    (state and operators), which every rule about tabs and audiences reads; `lead` and
    `messages` are the records as stored, which the views render."""

    lead: LeadModel  # the lead as it is after the change
    before: Dialog | None  # None: the change created the lead
    after: Dialog
    events: tuple[DialogEvent, ...] = ()
    messages: tuple[MessageModel, ...] = ()
    lead_updated: bool = False
    actor: str | None = None  # the operator who acted, if any
    # Fair assignment made this change (docs/assignment.md): the joining operator's load is
    # conditioned on their capacity, and the assigner does not react to its own change.
    assigned: bool = False
    # Operators @-mentioned by a note in `messages` (pushed `dialog.mentioned`, docs/live-events.md).
    mentions: tuple[str, ...] = ()

    @property
    def created(self) -> bool:
        return self.before is None


class Stager(Protocol):
    def stage(self, write: DialogWrite, change: Change) -> None: ...


class Listener(Protocol):
    def changed(self, change: Change) -> None: ...


class Consequences:
    """What every change causes: its stagers, in order, inside the transaction; then its
    listeners, in order, after the commit."""

    def __init__(self, stagers: Sequence[Stager] = (), listeners: Sequence[Listener] = ()) -> None:
        self.stagers = tuple(stagers)
        self.listeners = tuple(listeners)

    def stage(self, write: DialogWrite, change: Change) -> None:
        for stager in self.stagers:
            stager.stage(write, change)

    def committed(self, change: Change) -> None:
        # From here on this invocation's log lines name the dialog (a bot's new lead had no id before).
        observability.bind(lead_id=change.lead.id, dialog_id=change.lead.id)
        for listener in self.listeners:
            try:
                listener.changed(change)
            except Exception:
                # The change is committed; a listener must not turn it into an error answer.
                logger.exception("%s failed for dialog %s", type(listener).__name__, change.lead.id)
