"""Fair assignment (docs/assignment.md): optional, off unless HANDOVER_ASSIGNMENT=fair.

Two parts, both listed in `chalicelib/bootstrap.py`:

- `OperatorLoads`, a stager (always on): every change that adds or removes an operator moves
  that operator's open-dialog count in the change's own transaction, so the count is exact
  whatever races or retries happen; an assignment's `+1` is conditioned on `open < capacity`.
- `FairAssignment`, a listener (only when on), run synchronously after the commit in the
  Lambda that made the change: when a dialog enters Waiting it is offered to the online,
  available operator with the fewest open dialogs under capacity; when an operator gains room
  (leaves, resolves, sets available) the oldest waiting dialogs are offered to them.

Race safety is in the writes, not here: an assignment is ONE transaction with the dialog's
transition (conditioned on the dialog as read: a second assigner's fails, so no dialog is
assigned twice) and the operator's `+1` (conditioned on `open < capacity`: no one is assigned
past capacity). A lost race re-reads and re-decides.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Collection
from typing import Protocol

from chalicelib.clock import Clock, iso
from chalicelib.domain.assignment import OperatorLoad, eligible, has_room, ranked
from chalicelib.domain.dialog_state import DialogState
from chalicelib.domain.presence import Status
from chalicelib.services.changes import Change
from chalicelib.storage.connections import ConnectionStore
from chalicelib.storage.dialog_write import DialogWrite
from chalicelib.storage.errors import WriteConflict
from chalicelib.storage.models import LeadModel
from chalicelib.storage.presence import PresenceStore, oldest_waiting

logger = logging.getLogger("handover.assignment")


class OperatorLoads:
    """The stager that keeps each operator's open-dialog count with their dialogs."""

    def __init__(self, clock: Clock, capacity: int) -> None:
        self.clock = clock
        self.capacity = capacity

    def stage(self, write: DialogWrite, change: Change) -> None:
        before = change.before.operators if change.before is not None else ()
        after = change.after.operators
        now = iso(self.clock.now())
        for operator in after:
            if operator not in before:
                write.move_operator_load(operator, 1, capacity=self.capacity if change.assigned else None,
                                         now=now if change.assigned else None)
        for operator in before:
            if operator not in after:
                write.move_operator_load(operator, -1)


class Assigner(Protocol):
    def assign(self, lead_id: str, operator: str) -> LeadModel | None: ...


class FairAssignment:
    """The listener that assigns. It must never fail the change it reacts to: every failure
    leaves the dialog on Waiting, where any operator can still Start it."""

    def __init__(self, dialogs: Assigner, presence: PresenceStore, connections: ConnectionStore, clock: Clock, *,
                 capacity: int, tab_shards: int = 1, max_attempts: int = 40) -> None:
        self.dialogs = dialogs
        self.presence = presence
        self.connections = connections
        self.clock = clock
        self.capacity = capacity
        self.tab_shards = tab_shards
        self.max_attempts = max_attempts

    def changed(self, change: Change) -> None:
        if change.assigned:
            return
        before = change.before.operators if change.before is not None else ()
        left = tuple(operator for operator in before if operator not in change.after.operators)
        entered_waiting = change.after.state is DialogState.WAITING and (
            change.before is None or change.before.state is not DialogState.WAITING)
        if entered_waiting:
            # Not back to the operator who just left it.
            self.offer(change.lead.id, exclude=left)
        for operator in left:
            self.fill(operator, skip=(change.lead.id,))

    # --- a dialog looks for an operator ---------------------------------------------------
    def offer(self, lead_id: str, exclude: Collection[str] = ()) -> str | None:
        """Assign the waiting dialog to the best operator; answer who (None: it stays waiting,
        because nobody online and available is under capacity, or it is no longer waiting)."""
        for attempt in range(self.max_attempts):
            online = self._online()
            loads = self.presence.loads(online)
            candidates = ranked(eligible(loads.values(), online, self.capacity, exclude))
            if not candidates:
                return None
            chosen = candidates[0].username
            try:
                return chosen if self.dialogs.assign(lead_id, chosen) is not None else None
            except WriteConflict:
                # The dialog changed or the operator filled up meanwhile: read both again.
                _pause(attempt)
        logger.warning("dialog %s stays on Waiting: %d assignment attempts lost their races", lead_id,
                       self.max_attempts)
        return None

    # --- an operator has room -------------------------------------------------------------
    def fill(self, operator: str, skip: Collection[str] = ()) -> list[str]:
        """Give `operator` the oldest waiting dialogs while they are online, available and
        under capacity; answer the ids assigned."""
        assigned: list[str] = []
        for attempt in range(self.max_attempts):
            load = self._eligible(operator)
            if load is None:
                return assigned
            room = self.capacity - load.open_dialogs
            # A few more than the room: some may be taken by other assigners meanwhile.
            waiting = [lead_id for lead_id in oldest_waiting(self.tab_shards, room + 5) if lead_id not in skip]
            if not waiting:
                return assigned
            conflicted = False
            for lead_id in waiting:
                try:
                    if self.dialogs.assign(lead_id, operator) is not None:
                        assigned.append(lead_id)
                        room -= 1
                except WriteConflict:
                    conflicted = True
                    break
                if room <= 0:
                    return assigned
            if not conflicted:
                # Every dialog listed was tried (the index may lag a write: the next trigger sees it).
                return assigned
            _pause(attempt)
        return assigned

    def _eligible(self, operator: str) -> OperatorLoad | None:
        load = self.presence.loads([operator])[operator]
        if load.status is not Status.AVAILABLE or not has_room(load, self.capacity):
            return None
        if not self.connections.of_operator(operator, self.clock.now()):
            return None
        return load

    def _online(self) -> set[str]:
        return {connection.operator for connection in self.connections.everyone(self.clock.now())}


def _pause(attempt: int) -> None:
    # Full jitter: a burst of assigners that lost to each other does not retry in lockstep.
    time.sleep(random.uniform(0, min(0.2, 0.005 * (2 ** min(attempt, 6)))))
