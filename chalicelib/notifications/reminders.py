"""The per-minute reminder (R14): every tick, each operator whose notification has been
pending for `reminder_after` or longer gets `{"type": "reminder", "unread", "at"}` on each of
their connections, until the state clears (docs/notifications.md).

DynamoDB requests per tick: ONE Query of the sparse `pending` index, whatever the number of
leads, dialogs or operators (the connection ids are on the notification items, so there is
no Query per operator), plus, only when a push met GoneException, one BatchWriteItem per 25
gone connections and one UpdateItem per operator who had them (and a DeleteItem when that
was their last connection).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta

from chalicelib import observability
from chalicelib.clock import Clock, iso
from chalicelib.live.fanout import Fanout, Frame
from chalicelib.storage.notifications import NotificationStore

logger = logging.getLogger("handover.notifications")


class Reminders:
    def __init__(self, store: NotificationStore, fanout: Fanout, clock: Clock, reminder_after_seconds: float) -> None:
        self.store = store
        self.fanout = fanout
        self.clock = clock
        self.reminder_after = timedelta(seconds=reminder_after_seconds)

    def tick(self) -> int:
        """Push the reminders that are due; answer how many connections got one."""
        now = self.clock.now()
        due = self.store.due(now - self.reminder_after)
        frames: dict[str, list[Frame]] = {}
        owner: dict[str, str] = {}
        for pending in due:
            if not pending.connections:
                # Nothing to remind (every connection went away): the state is stale, unless
                # a fresh connection was notified since the Query.
                self.store.forget_unreachable(pending.operator)
                continue
            # `at` is the same for every tab of the operator: the UI's one-tab rule keys on it.
            frame: Frame = {"type": "reminder", "unread": pending.unread, "at": iso(now)}
            for connection_id in pending.connections:
                frames[connection_id] = [frame]
                owner[connection_id] = pending.operator
        gone = self.fanout.send(frames) if frames else set()
        gone_of: dict[str, list[str]] = defaultdict(list)
        for connection_id in gone:
            gone_of[owner[connection_id]].append(connection_id)
        for operator, connection_ids in sorted(gone_of.items()):
            try:
                self.store.remove_connections(operator, connection_ids)
            except Exception:
                logger.exception("could not forget the gone connections of %s", operator)
        sent = len(frames) - len(gone)
        if sent:
            observability.count(observability.REMINDERS_SENT, sent)
        return sent
