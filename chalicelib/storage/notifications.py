"""Notification state per operator (R14's reminders) and the marks of waiting-room
escalations (docs/notifications.md).

`notifications`: one item per operator with a pending notification, deleted when it clears.
- `operator` (key), `pending_since` (ISO, the first unanswered notifiable event), `unread`
  (notifiable events since then), `connections` (the operator's connection ids, all hidden,
  as the last notifiable event found them: the tick pushes to them without a Query each),
  `pending` (the constant `PENDING`, the sparse index's partition key).
- Index `pending` (sparse: only items with `pending`, i.e. every item of this table):
  `pending` = "pending", sorted by `pending_since`. The tick's ONE Query is
  `pending = "pending" AND pending_since <= now - delay`.

`escalations`: one item per wait that climbed the escalation ladder (`crossing` =
`<lead id>#<wait_started_at>`), with the highest `rung` it reached, kept a day past its last
rung by TTL, so a late, repeated or overlapping tick never fires a rung twice, nor a lower
rung after a higher one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import msgspec
from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.clock import iso
from chalicelib.storage.errors import condition_failed
from chalicelib.storage.models import _Meta

# The partition key of every pending item in the `pending` index. One key is enough: see
# "The pending index is one partition" in docs/notifications.md.
PENDING = "pending"
ESCALATION_TTL = timedelta(days=1)


class PendingIndex(GlobalSecondaryIndex):
    """Sparse: only operators with a pending notification, oldest first."""

    class Meta:
        index_name = "pending"
        # ALL: the tick needs `unread` and `connections` from the index itself (no GetItem
        # per operator). Items are small (an operator name, two numbers, a few ids).
        projection = AllProjection()

    pending = UnicodeAttribute(hash_key=True)
    pending_since = UnicodeAttribute(range_key=True)


class NotificationModel(Model):
    class Meta(_Meta):
        kind = "notifications"

    operator = UnicodeAttribute(hash_key=True)
    pending = UnicodeAttribute(null=True)
    pending_since = UnicodeAttribute(null=True)
    unread = NumberAttribute(default=0)
    connections = UnicodeSetAttribute(null=True)

    pending_index = PendingIndex()


class EscalationModel(Model):
    class Meta(_Meta):
        kind = "escalations"

    crossing = UnicodeAttribute(hash_key=True)
    escalated_at = UnicodeAttribute()
    expires_at = TTLAttribute()
    # The highest rung fired for this wait (absent on marks written before the ladder: rung 1).
    rung = NumberAttribute(null=True)


class Pending(msgspec.Struct, frozen=True):
    operator: str
    pending_since: str
    unread: int
    connections: frozenset[str]


def _pending(item: NotificationModel) -> Pending:
    return Pending(item.operator, item.pending_since or "", int(item.unread or 0), frozenset(item.connections or ()))


class NotificationStore:
    # --- writes -------------------------------------------------------------------------
    def notify(self, operator: str, connection_ids: Iterable[str], now: datetime) -> None:
        """A notifiable event reached `operator` while all of `connection_ids` (every one
        of theirs) were hidden: ONE UpdateItem. The first one starts the pending time;
        each adds one to `unread`; the ids replace the known ones (they are fresh)."""
        ids = set(connection_ids)
        actions: list[Any] = [
            NotificationModel.pending.set(PENDING),
            NotificationModel.pending_since.set(NotificationModel.pending_since | iso(now)),
            NotificationModel.unread.add(1),
        ]
        actions.append(NotificationModel.connections.set(ids) if ids else NotificationModel.connections.remove())
        NotificationModel(operator).update(actions)

    def clear(self, operator: str) -> None:
        """Visible again, or signed out: ONE DeleteItem (nothing if there was nothing)."""
        NotificationModel(operator).delete()

    def forget_unreachable(self, operator: str) -> bool:
        """Delete a pending state that has no connection left to remind (the tick met it).
        ONE conditional DeleteItem: a notifiable event that recorded a fresh connection since
        the tick read it wins. Answers True if it was deleted."""
        try:
            NotificationModel(operator).delete(condition=NotificationModel.connections.does_not_exist())
        except DeleteError as error:
            if condition_failed(error):
                return False
            raise
        return True

    def add_connection(self, operator: str, connection_id: str) -> bool:
        """A connection of an operator with a pending notification reported hidden: it gets
        the reminders too. ONE conditional UpdateItem; False if nothing is pending."""
        try:
            NotificationModel(operator).update(
                [NotificationModel.connections.add({connection_id})],
                condition=NotificationModel.pending.exists(),
            )
        except UpdateError as error:
            if condition_failed(error):
                return False
            raise
        return True

    def remove_connections(self, operator: str, connection_ids: Iterable[str]) -> bool:
        """Forget connections that went away; when none is left, the notification clears
        (the operator's last connection is gone). Answers True if it cleared.
        ONE conditional UpdateItem, plus ONE conditional DeleteItem when it empties."""
        ids = set(connection_ids)
        if not ids:
            return False
        item = NotificationModel(operator)
        try:
            item.update([NotificationModel.connections.delete(ids)], condition=NotificationModel.pending.exists())
        except UpdateError as error:
            if condition_failed(error):
                return False  # nothing pending: nothing to forget
            raise
        if item.connections:
            return False
        try:
            # DynamoDB removes a set attribute that becomes empty. Conditioned on that still
            # being so: a notifiable event that just recorded a fresh connection wins.
            item.delete(condition=NotificationModel.connections.does_not_exist())
        except DeleteError as error:
            if condition_failed(error):
                return False
            raise
        return True

    # --- reads --------------------------------------------------------------------------
    def get(self, operator: str) -> Pending | None:
        try:
            return _pending(NotificationModel.get(operator, consistent_read=True))
        except NotificationModel.DoesNotExist:
            return None

    def due(self, pending_before: datetime) -> list[Pending]:
        """Every operator pending since `pending_before` or earlier: ONE Query of the sparse
        `pending` index (PynamoDB pages past 1 MB, i.e. past thousands of operators)."""
        return [_pending(item) for item in NotificationModel.pending_index.query(
            PENDING, NotificationModel.pending_since <= iso(pending_before))]


class EscalationMarks:
    def climb(self, lead_id: str, wait_started_at: str, rung: int, now: datetime) -> bool:
        """Record that this wait reached `rung`; False if it already reached it or a higher
        one. ONE conditional PutItem (the mark holds nothing but the rung)."""
        mark = EscalationModel(f"{lead_id}#{wait_started_at}", escalated_at=iso(now), rung=rung,
                               expires_at=now + ESCALATION_TTL)
        condition = EscalationModel.crossing.does_not_exist() | (EscalationModel.rung < rung)
        if rung > 1:
            # A mark from before the ladder has no rung: it stands for rung 1.
            condition = condition | EscalationModel.rung.does_not_exist()
        try:
            mark.save(condition=condition)
        except PutError as error:
            if condition_failed(error):
                return False
            raise
        return True

    def first_time(self, lead_id: str, waiting_since: str, now: datetime) -> bool:
        """Record that this crossing is escalated; False if it already was. ONE
        conditional PutItem."""
        mark = EscalationModel(f"{lead_id}#{waiting_since}", escalated_at=iso(now), expires_at=now + ESCALATION_TTL)
        try:
            mark.save(condition=EscalationModel.crossing.does_not_exist())
        except PutError as error:
            if condition_failed(error):
                return False
            raise
        return True
