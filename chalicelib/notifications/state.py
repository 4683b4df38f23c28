"""Each operator's notification state, fed by the live events (docs/notifications.md).

It is the `LivePublisher`'s observer and `LiveConnections`' presence observer:
- a notifiable event reached an operator none of whose connections is visible: pending
  (ONE UpdateItem per such operator; operators with a visible connection cost nothing);
- a connection reports `visible: true`: cleared (ONE DeleteItem);
- a connection reports `visible: false` while pending: it gets the reminders too;
- a connection goes away (`$disconnect`, sign-out closes the page's socket): forgotten, and
  cleared when it was the last one.

Whether an operator has a visible connection is never read here: the publisher already
holds every receiving connection (with its `visible`) from the Query it routes with, so the
hot path adds no read at all. Nothing here raises into its caller: a lost notification
costs a reminder, never a message or a visibility answer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalicelib.clock import Clock
from chalicelib.storage.notifications import NotificationStore

logger = logging.getLogger("handover.notifications")

# A Waiting event reaches every operator; when many are hidden their writes go out in
# parallel so that the bot's request does not wait for them one after another.
MAX_WORKERS = 8


class NotificationState:
    def __init__(self, store: NotificationStore, clock: Clock, max_workers: int = MAX_WORKERS) -> None:
        self.store = store
        self.clock = clock
        self.max_workers = max_workers

    # --- the publisher's observer --------------------------------------------------------
    def notified_hidden(self, operators: Mapping[str, Iterable[str]] | Iterable[str], change: Any = None) -> None:
        """`operators`: each operator who got a notifiable event with no visible connection,
        with the ids of their (hidden) connections that received it."""
        hidden = dict(operators) if isinstance(operators, Mapping) else dict.fromkeys(operators, ())
        if not hidden:
            return
        now = self.clock.now()

        def write(pair: tuple[str, Iterable[str]]) -> None:
            operator, connection_ids = pair
            try:
                self.store.notify(operator, connection_ids, now)
            except Exception:
                logger.exception("notification of %s was not recorded", operator)

        if len(hidden) == 1 or self.max_workers <= 1:
            for pair in hidden.items():
                write(pair)
            return
        with ThreadPoolExecutor(max_workers=min(self.max_workers, len(hidden))) as pool:
            list(pool.map(write, hidden.items()))

    # --- the websocket side's presence observer ------------------------------------------
    def became_visible(self, operator: str) -> None:
        self._safely("clear", self.store.clear, operator)

    def became_hidden(self, operator: str, connection_id: str) -> None:
        self._safely("add a hidden connection", self.store.add_connection, operator, connection_id)

    def disconnected(self, operator: str, connection_id: str | None = None) -> None:
        if connection_id is None:
            return
        self._safely("forget a connection", self.store.remove_connections, operator, [connection_id])

    @staticmethod
    def _safely(what: str, action: Any, *args: Any) -> None:
        try:
            action(*args)
        except Exception:
            logger.exception("notification state: could not %s for %s", what, args[0])
