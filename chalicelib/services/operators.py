"""The operators admins see (the admin screens' Operators page): a page of the Cognito user
pool's users, which of them are admins, and whether each is online now.

Presence comes from the websocket connections table's `online` index: one Query per online
shard (`ConnectionStore.everyone`, the same read a broadcast makes) answers every open
connection, whatever the number of operators on the page, where a Query per operator
(`by-operator`) would cost up to 60. A contact center has tens to hundreds of connections
open, so the read stays small; never a Scan.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from chalicelib.clock import Clock
from chalicelib.domain.operators import OperatorAccount, OperatorPresence
from chalicelib.storage.connections import Connection, ConnectionStore


class Directory(Protocol):
    def users(self, limit: int = ..., cursor: str | None = None) -> tuple[list[OperatorAccount], str | None]: ...

    def members(self, group: str) -> set[str]: ...


class OperatorRoster:
    def __init__(self, directory: Directory, connections: ConnectionStore, clock: Clock, admins_group: str) -> None:
        self.directory = directory
        self.connections = connections
        self.clock = clock
        self.admins_group = admins_group

    def page(self, limit: int, cursor: str | None = None) -> tuple[list[OperatorPresence], str | None]:
        users, next_cursor = self.directory.users(limit, cursor)
        admins = self.directory.members(self.admins_group) if users else set()
        by_operator = _by_operator(self.connections.everyone(self.clock.now())) if users else {}
        entries = []
        for user in users:
            open_ = by_operator.get(user.username, [])
            entries.append(OperatorPresence(
                account=user,
                admin=user.username in admins,
                connections=len(open_),
                visible=any(c.visible for c in open_),
                connected_at=max((c.connected_at for c in open_), default=None),
            ))
        return entries, next_cursor


def _by_operator(connections: Iterable[Connection]) -> dict[str, list[Connection]]:
    grouped: dict[str, list[Connection]] = {}
    for connection in connections:
        grouped.setdefault(connection.operator, []).append(connection)
    return grouped
