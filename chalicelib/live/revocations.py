"""The per-minute revocation sweep: close the websockets of operators who may no longer work.

A connection is closed (API Gateway's DeleteConnection) when
- its operator is disabled or deleted in Cognito (AdminGetUser, once per operator online), or
- its client has not re-confirmed its token (`reauth` frame) for twice the reauth period:
  a signed-out operator's client is refused at its next `reauth` and closed at once; a client
  that stops re-confirming is cut here.

Cost per run: one Query per `online` shard, one AdminGetUser per distinct operator online,
one DeleteConnection (and one DeleteItem) per closed connection. docs/security.md.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Protocol

from chalicelib.clock import Clock, iso
from chalicelib.storage.connections import Connection, ConnectionStore

logger = logging.getLogger("handover.live")


class Directory(Protocol):
    def may_work(self, username: str) -> bool | None: ...


class ConnectionCloser(Protocol):
    def close(self, connection_id: str) -> None: ...


class RevocationSweep:
    def __init__(self, connections: ConnectionStore, live: ConnectionCloser, directory: Directory, clock: Clock,
                 reauth_seconds: float) -> None:
        self.connections = connections
        self.live = live
        self.directory = directory
        self.clock = clock
        self.reauth_seconds = reauth_seconds

    def tick(self) -> int:
        """Close what must be closed; answer how many connections were closed."""
        now = self.clock.now()
        # Two periods: one lost or late `reauth` frame does not cut a working operator.
        stale_before = iso(now - timedelta(seconds=2 * self.reauth_seconds))
        closing: dict[str, Connection] = {}
        by_operator: dict[str, list[Connection]] = {}
        for connection in self.connections.everyone(now):
            if connection.last_confirmed < stale_before:
                closing[connection.connection_id] = connection
            else:
                by_operator.setdefault(connection.operator, []).append(connection)
        for operator in sorted(by_operator):
            if self.directory.may_work(operator) is False:
                for connection in by_operator[operator]:
                    closing[connection.connection_id] = connection
        for connection in closing.values():
            logger.info("closing connection %s of %s (revoked or not re-confirmed)",
                        connection.connection_id, connection.operator)
            self.live.close(connection.connection_id)
        return len(closing)
