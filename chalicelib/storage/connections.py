"""The websocket connections table: one item per open connection of the operator UI.

It answers, each with ONE Query (never a table scan), the audiences that live events go to
(docs/live-events.md):

- `by-operator`: the connections of an operator (the Mine tab's pushes, reminders);
- `viewing`: sparse, only connections with a dialog open in the panel (`message.created`,
  `lead.updated`); a hidden panel (R8) has no `viewing` attribute and so is not in it;
- `showing-tab`: sparse, only connections that show a tab (the All tab's pushes);
- `online`: every connection, under a small fixed set of partition keys
  (`online#0` … `online#{n-1}`), for what goes to every operator (Waiting, counts).

API Gateway cuts every websocket after 2 hours, and a dropped Lambda may miss
`$disconnect`, so each item carries a TTL a little beyond that. DynamoDB deletes expired
items lazily (up to days later), so readers also skip items whose TTL has passed.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

import msgspec
from pynamodb.attributes import BooleanAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.clock import iso
from chalicelib.storage.errors import condition_failed
from chalicelib.storage.models import _Meta

# API Gateway's maximum connection duration is 2 hours; keep the record a little longer so
# that a connection still open is never forgotten, and a leaked one goes away by itself.
CONNECTION_TTL = timedelta(hours=2, minutes=15)


class ConnectionsByOperator(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-operator"
        projection = AllProjection()

    operator = UnicodeAttribute(hash_key=True)
    connection_id = UnicodeAttribute(range_key=True)


class ConnectionsViewing(GlobalSecondaryIndex):
    """Sparse: only connections whose dialog panel shows a dialog."""

    class Meta:
        index_name = "viewing"
        projection = AllProjection()

    viewing = UnicodeAttribute(hash_key=True)
    connection_id = UnicodeAttribute(range_key=True)


class ConnectionsShowingTab(GlobalSecondaryIndex):
    """Sparse: only connections that told us which tab they show."""

    class Meta:
        index_name = "showing-tab"
        projection = AllProjection()

    tab = UnicodeAttribute(hash_key=True)
    connection_id = UnicodeAttribute(range_key=True)


class ConnectionsOnline(GlobalSecondaryIndex):
    """Every connection, spread over `online#0..n-1` (see docs/live-events.md)."""

    class Meta:
        index_name = "online"
        projection = AllProjection()

    online = UnicodeAttribute(hash_key=True)
    connection_id = UnicodeAttribute(range_key=True)


class ConnectionModel(Model):
    class Meta(_Meta):
        kind = "connections"

    connection_id = UnicodeAttribute(hash_key=True)
    operator = UnicodeAttribute()
    admin = BooleanAttribute(default=False)
    # document.visibilityState == "visible" in the browser tab of this connection.
    visible = BooleanAttribute(default=True)
    # The dialog open in the panel; absent (not null) while the panel is hidden (R8).
    viewing = UnicodeAttribute(null=True)
    tab = UnicodeAttribute(null=True)
    # The client's number of the view recorded above: API Gateway runs a connection's frames in
    # concurrent invocations, so an older `view` may arrive after a newer one and must not win.
    view_seq = NumberAttribute(null=True)
    online = UnicodeAttribute()
    connected_at = UnicodeAttribute()
    # When the operator's access token was last confirmed with Cognito on this connection
    # (`$connect`, then each `reauth` frame); the revocation sweep closes stale ones.
    confirmed_at = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()

    by_operator = ConnectionsByOperator()
    viewers = ConnectionsViewing()
    showing_tab = ConnectionsShowingTab()
    everyone = ConnectionsOnline()


class ViewOutdated(Exception):
    """A newer view of this connection was already recorded: this older one is dropped."""


class Connection(msgspec.Struct, frozen=True):
    """A connection as the live-event code sees it (plain data, no PynamoDB)."""

    connection_id: str
    operator: str
    admin: bool = False
    visible: bool = True
    viewing: str | None = None
    tab: str | None = None
    connected_at: str = ""
    confirmed_at: str | None = None

    @property
    def last_confirmed(self) -> str:
        """ISO time of the last confirmation (records from before `confirmed_at`: the connect)."""
        return self.confirmed_at or self.connected_at


def _connection(item: ConnectionModel) -> Connection:
    return Connection(
        connection_id=item.connection_id,
        operator=item.operator,
        admin=bool(item.admin),
        visible=bool(item.visible),
        viewing=item.viewing,
        tab=item.tab,
        connected_at=item.connected_at,
        confirmed_at=item.confirmed_at,
    )


class ConnectionStore:
    """Reads and writes of the connections table. `online_shards` spreads the `online`
    index over that many partition keys; a broadcast costs one Query per shard."""

    def __init__(self, online_shards: int = 1) -> None:
        self.online_shards = max(1, online_shards)

    def online_key(self, connection_id: str) -> str:
        shard = zlib.crc32(connection_id.encode("utf-8")) % self.online_shards
        return f"online#{shard}"

    # --- writes -------------------------------------------------------------------------
    def add(self, connection_id: str, operator: str, admin: bool, now: datetime) -> Connection:
        item = ConnectionModel(
            connection_id,
            operator=operator,
            admin=admin,
            visible=True,
            online=self.online_key(connection_id),
            connected_at=iso(now),
            confirmed_at=iso(now),
            expires_at=now + CONNECTION_TTL,
        )
        item.save()
        return _connection(item)

    def set_view(self, connection_id: str, dialog_id: str | None, tab: str | None,
                 view_seq: int | None = None) -> Connection | None:
        """Record what the connection shows; None if the connection is not known (any more).
        With `view_seq`, only if it is newer than the view recorded (else ViewOutdated)."""
        actions: list[Any] = [
            ConnectionModel.viewing.set(dialog_id) if dialog_id else ConnectionModel.viewing.remove(),
        ]
        if tab is not None:
            actions.append(ConnectionModel.tab.set(tab))
        if view_seq is None:
            return self._update(connection_id, actions)
        actions.append(ConnectionModel.view_seq.set(view_seq))
        newer = ConnectionModel.view_seq.does_not_exist() | (ConnectionModel.view_seq < view_seq)
        recorded = self._update(connection_id, actions, newer)
        if recorded is None and self.get(connection_id) is not None:
            raise ViewOutdated(connection_id)
        return recorded

    def set_visible(self, connection_id: str, visible: bool) -> Connection | None:
        return self._update(connection_id, [ConnectionModel.visible.set(visible)])

    def confirm(self, connection_id: str, operator: str, now: datetime) -> Connection | None:
        """`operator`'s token was confirmed again (a `reauth` frame); None if the connection
        is gone or is not `operator`'s."""
        return self._update(connection_id, [ConnectionModel.confirmed_at.set(iso(now))],
                            ConnectionModel.operator == operator)

    def _update(self, connection_id: str, actions: list[Any], condition: Any = None) -> Connection | None:
        """One UpdateItem; answers the connection as it is after it (ALL_NEW)."""
        item = ConnectionModel(connection_id)
        # Conditioned on existence: an update must not resurrect a connection that
        # `$disconnect` or a GoneException already deleted.
        exists = ConnectionModel.connection_id.exists()
        try:
            item.update(actions, condition=exists if condition is None else exists & condition)
        except UpdateError as error:
            if condition_failed(error):
                return None
            raise
        return _connection(item)

    def remove(self, connection_id: str) -> Connection | None:
        """Delete the record; answer what it was (None if it was already gone)."""
        connection = ConnectionModel._get_connection()
        response = connection.delete_item(connection_id, return_values="ALL_OLD")
        raw = response.get("Attributes")
        return _connection(ConnectionModel.from_raw_data(raw)) if raw else None

    def remove_many(self, connection_ids: Iterable[str]) -> None:
        """Delete gone connections: one BatchWriteItem per 25 (PynamoDB splits and retries)."""
        ids = sorted(set(connection_ids))
        if not ids:
            return
        with ConnectionModel.batch_write() as batch:
            for connection_id in ids:
                batch.delete(ConnectionModel(connection_id))

    # --- reads (each one Query, paged by PynamoDB if over 1 MB) --------------------------
    def get(self, connection_id: str) -> Connection | None:
        try:
            return _connection(ConnectionModel.get(connection_id))
        except DoesNotExist:
            return None

    def of_operator(self, operator: str, now: datetime) -> list[Connection]:
        return self._live(ConnectionModel.by_operator.query(operator), now)

    def viewing(self, dialog_id: str, now: datetime) -> list[Connection]:
        return self._live(ConnectionModel.viewers.query(dialog_id), now)

    def showing_tab(self, tab: str, now: datetime) -> list[Connection]:
        return self._live(ConnectionModel.showing_tab.query(tab), now)

    def everyone(self, now: datetime) -> list[Connection]:
        found: list[Connection] = []
        for shard in range(self.online_shards):
            found += self._live(ConnectionModel.everyone.query(f"online#{shard}"), now)
        return found

    @staticmethod
    def _live(items: Iterator[ConnectionModel], now: datetime) -> list[Connection]:
        # DynamoDB's TTL deletes lazily: an item past its TTL is a connection API Gateway
        # has already closed, so it is skipped rather than pushed to.
        return [_connection(item) for item in items if item.expires_at is None or item.expires_at > now]
