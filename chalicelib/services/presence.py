"""Presence of the team (docs/assignment.md): who is online, away or offline.

Online is having a live connection; the status (available / away) is the operator's own,
one item per operator (`storage/presence.py`). A change of either is pushed to every operator
online as an `operator.presence` frame, so the participants in an open dialog and the pickers
update without a reload. Reads are one Query of the `team` index plus the `online` index's
Query per shard (the same read a broadcast makes): never a Scan, never a Query per operator.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from chalicelib.clock import Clock
from chalicelib.domain.assignment import OperatorLoad
from chalicelib.domain.presence import PICKER_ORDER, Presence, Status, TeamMember, presence_of
from chalicelib.storage.connections import ConnectionStore
from chalicelib.storage.presence import PresenceStore

logger = logging.getLogger("handover.presence")


class Announcer(Protocol):
    """Tells every operator online that one's presence changed (`live/presence.py`)."""

    def announce(self, member: TeamMember, skip: str | None = None) -> None: ...


class TeamPresence:
    def __init__(self, store: PresenceStore, connections: ConnectionStore, clock: Clock,
                 announcer: Announcer | None = None,
                 on_available: Callable[[str], None] | None = None) -> None:
        self.store = store
        self.connections = connections
        self.clock = clock
        self.announcer = announcer
        # Fair assignment's "an operator gained room" (None when assignment is off).
        self.on_available = on_available

    # --- reads ---------------------------------------------------------------------------
    def team(self) -> list[TeamMember]:
        """Every operator who ever connected, with presence: online first, then away, then
        offline; by name within each."""
        online = self._online()
        members = [(presence_of(load.username in online, load.status), load) for load in self.store.team()]
        members.sort(key=lambda pair: (PICKER_ORDER[pair[0]], pair[1].username))
        return [_member(presence, load) for presence, load in members]

    def of(self, username: str) -> TeamMember:
        load = self.store.loads([username])[username]
        online = bool(self.connections.of_operator(username, self.clock.now()))
        return _member(presence_of(online, load.status), load)

    # --- the operator's status ---------------------------------------------------------
    def set_status(self, username: str, status: Status) -> TeamMember:
        """The operator sets available or away. Setting available again is how a client says
        "I am here" after its socket (re)opens: fair assignment then offers them the oldest
        waiting dialogs if they have room."""
        previous = self.store.set_status(username, status, self.clock.now())
        member = self.of(username)
        if previous is not status:
            self._broadcast(member)
        if status is Status.AVAILABLE and self.on_available is not None:
            self.on_available(username)
        return member

    # --- connections come and go -------------------------------------------------------
    def connected(self, username: str, connection_id: str) -> None:
        """After `$connect`: the operator's item exists (so they are in the team list), and if
        this is their first connection the team hears they are online. The frame does not go to
        the new connection: API Gateway opens it only after `$connect` answers."""
        self.store.seen(username)
        mine = self.connections.of_operator(username, self.clock.now())
        if [c.connection_id for c in mine] == [connection_id]:
            self._broadcast(self.of(username), skip=connection_id)

    def disconnected(self, username: str, connection_id: str | None = None) -> None:
        """After `$disconnect` (the `PresenceObserver` hook): the last connection gone is offline."""
        if not self.connections.of_operator(username, self.clock.now()):
            self._broadcast(self.of(username))

    # PresenceObserver's other hooks: visibility is not presence.
    def became_visible(self, operator: str) -> None:
        return None

    def became_hidden(self, operator: str, connection_id: str) -> None:
        return None

    def _online(self) -> set[str]:
        return {c.operator for c in self.connections.everyone(self.clock.now())}

    def _broadcast(self, member: TeamMember, skip: str | None = None) -> None:
        if self.announcer is not None:
            self.announcer.announce(member, skip)


def _member(presence: Presence, load: OperatorLoad) -> TeamMember:
    return TeamMember(load.username, presence, load.status, load.open_dialogs)


class Observers:
    """Several presence observers as one (`LiveConnections` takes one); each is told in
    order, and one failing does not keep the others from hearing."""

    def __init__(self, observers: Iterable[Any]) -> None:
        self.observers = tuple(observers)

    def _each(self, name: str, *args: Any) -> None:
        for observer in self.observers:
            try:
                getattr(observer, name)(*args)
            except Exception:
                logger.exception("%s.%s failed", type(observer).__name__, name)

    def became_visible(self, operator: str) -> None:
        self._each("became_visible", operator)

    def became_hidden(self, operator: str, connection_id: str) -> None:
        self._each("became_hidden", operator, connection_id)

    def disconnected(self, operator: str, connection_id: str | None = None) -> None:
        self._each("disconnected", operator, connection_id)
