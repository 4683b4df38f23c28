"""The live pushes: a listener (chalicelib/services/changes.py) that turns each committed
`Change` into websocket pushes.

It plans the pushes (`routing.plan`), finds each audience's connections with as few
DynamoDB Queries as the plan allows, and hands the frames to the `Fanout`. It never raises
into the caller: the change is already committed, and a push that fails must not turn a
stored message into an error answer (the UI resyncs by `seq` after a reconnect).

DynamoDB requests per change (docs/live-events.md):
- a change that touches Waiting or adds a dialog: ONE Query of the `online` index (per
  shard); every other audience is filtered from it;
- otherwise one Query per audience, run in parallel: the dialog's viewers, the All tab,
  and each operator of the dialog before or after the change (1-2 in practice);
- plus one BatchGetItem of the counters when the change moved a tab count;
- plus, only when a push met GoneException, one BatchWriteItem per 25 gone connections.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Protocol

from msgspec.structs import replace

from chalicelib import observability
from chalicelib.adapters.attachments import AttachmentStorage
from chalicelib.adapters.notifier import MAX_FRAME_BYTES, encode
from chalicelib.clock import Clock
from chalicelib.domain.tabs import CountsMoved, counts_moved
from chalicelib.live import routing
from chalicelib.live.fanout import Fanout, Frame
from chalicelib.live.routing import Audience, AudienceKind
from chalicelib.services.changes import Change
from chalicelib.storage.connections import Connection, ConnectionStore
from chalicelib.storage.counters import Counts
from chalicelib.storage.models import MessageModel
from chalicelib.views import message_view, operator_lead_view, operator_message_view

logger = logging.getLogger("handover.live")


class CountsReader(Protocol):
    """Waiting, All and the given operators' Mine counts, in one read."""

    def read(self, operators: Iterable[str]) -> Counts: ...


class LiveObserver(Protocol):
    """Told which operators got a sound-worthy event while none of their connections was
    visible (the seam for the per-minute reminders, R14), each with the ids of their
    connections that received it (all hidden; the reminders push to them)."""

    def notified_hidden(self, operators: Mapping[str, tuple[str, ...]], change: Change) -> None: ...


class NoObserver:
    def notified_hidden(self, operators: Mapping[str, tuple[str, ...]], change: Change) -> None:
        return None


class LivePushes:
    def __init__(
        self,
        connections: ConnectionStore,
        fanout: Fanout,
        clock: Clock,
        attachments: AttachmentStorage | None = None,
        counts: CountsReader | None = None,
        observer: LiveObserver | None = None,
    ) -> None:
        self.connections = connections
        self.fanout = fanout
        self.clock = clock
        self.attachments = attachments
        self.counts = counts
        self.observer = observer or NoObserver()

    # --- views: the same as the REST API's, attachment URLs presigned ---------------------
    def _message_view(self, message: MessageModel) -> Frame:
        if self.attachments is None:
            return message_view(message)
        return operator_message_view(message, self.attachments)

    # --- the listener ---------------------------------------------------------------------
    def changed(self, change: Change) -> None:
        try:
            self._push(change)
        except Exception:
            # The change is committed; a failed push must not fail the request that made it.
            logger.exception("live events for dialog %s were not pushed", getattr(change.lead, "id", "?"))

    def _push(self, change: Change) -> None:
        pushes = [_within_limit(push) for push in routing.plan(change, self._message_view, operator_lead_view)]
        moved = counts_moved(change.before, change.after) if self.counts is not None else CountsMoved()
        audiences = {push.audience for push in pushes}
        if moved.shared:
            audiences.add(routing.EVERYONE)
        audiences |= {routing.operator(username) for username in moved.mine}
        found = self._resolve(audiences)

        frames: dict[str, list[Frame]] = {}
        notified: dict[str, bool] = {}  # operator -> has a visible connection
        for push in pushes:
            receivers = found.get(push.audience, [])
            for connection in receivers:
                frames.setdefault(connection.connection_id, []).append(push.frame)
            if push.notifiable:
                _note(notified, push.audience, receivers)
        if moved:
            self._add_counts(frames, found, moved)
        gone = self.fanout.send(frames)
        if frames:
            # A bot's request is now on the operators' screens: its handover latency.
            observability.handover_pushed()
        _count_alerts(notified, found, gone)
        hidden = {username for username, visible in notified.items() if not visible}
        if hidden:
            self.observer.notified_hidden(_connection_ids(hidden, found, gone), change)

    def _resolve(self, audiences: Iterable[Audience]) -> dict[Audience, list[Connection]]:
        """Each audience's live connections: one Query for all of them if `everyone` is
        among them, else one Query per audience."""
        now = self.clock.now()
        audiences = set(audiences)
        if routing.EVERYONE in audiences:
            everyone = self.connections.everyone(now)
            return {audience: [c for c in everyone if _member(c, audience)] for audience in audiences}
        lookups: dict[Audience, Callable[[], list[Connection]]] = {}
        for audience in sorted(audiences, key=lambda a: (a.kind, a.key)):
            if audience.kind is AudienceKind.VIEWERS:
                lookups[audience] = partial(self.connections.viewing, audience.key, now)
            elif audience.kind is AudienceKind.TAB:
                lookups[audience] = partial(self.connections.showing_tab, audience.key, now)
            elif audience.kind is AudienceKind.OPERATOR:
                lookups[audience] = partial(self.connections.of_operator, audience.key, now)
        if len(lookups) <= 1:
            return {audience: lookup() for audience, lookup in lookups.items()}
        # A message in an operator dialog has 3 audiences (viewers, the All tab, the
        # operator): their Queries are independent, so they run at once and the first push
        # waits for one round trip instead of three.
        futures = {audience: _lookup_pool().submit(lookup) for audience, lookup in lookups.items()}
        return {audience: future.result() for audience, future in futures.items()}

    def _add_counts(self, frames: dict[str, list[Frame]], found: dict[Audience, list[Connection]],
                    moved: CountsMoved) -> None:
        """`counts` with Waiting and All for everyone when they moved, plus Mine for the
        operators whose Mine moved (the UI merges the keys it gets)."""
        assert self.counts is not None
        receivers = list(found.get(routing.EVERYONE, [])) if moved.shared else []
        if not moved.shared:
            for username in moved.mine:
                receivers += found.get(routing.operator(username), [])
        if not receivers:
            return
        try:
            counts = self.counts.read(moved.mine)
        except Exception:
            # The other events still go out; the UI re-reads the counts on its next resync.
            logger.exception("tab counts could not be read")
            return
        for connection in receivers:
            body: dict[str, int] = dict(counts.shared)
            if connection.operator in counts.mine:
                body["mine"] = counts.mine[connection.operator]
            frames.setdefault(connection.connection_id, []).append({"type": "counts", "counts": body})


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _lookup_pool() -> ThreadPoolExecutor:
    """Long-lived threads for the audience Queries: PynamoDB keeps a botocore client per
    thread, so fresh threads per change would each pay for a new client."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="live-audience")
        return _pool


def _within_limit(push: routing.Push) -> routing.Push:
    """The push, or, when its frame is over API Gateway's 128 KB (a big lead, say), the same
    push with a small frame that says what changed: the notifier would refuse the big one
    and an open panel would go stale without a sign. Measured once per frame, not per
    connection, with the notifier's own encoding."""
    try:
        size = len(encode(push.frame))
    except ValueError:  # not encodable (a lone surrogate): it could not be pushed either
        size = MAX_FRAME_BYTES + 1
    if size <= MAX_FRAME_BYTES:
        return push
    small = routing.changed_instead(push.frame)
    if small is None:
        logger.error("frame %s of %d bytes is over API Gateway's limit and has no small form; not sent",
                     push.frame.get("type"), size)
        return push
    logger.info("frame %s of %d bytes is over API Gateway's limit; sent as %s", push.frame.get("type"), size,
                small["type"])
    return replace(push, frame=small)


def _connection_ids(operators: set[str], found: dict[Audience, list[Connection]],
                    gone: set[str]) -> dict[str, tuple[str, ...]]:
    """Each operator's connections that are still there (every audience an operator was
    noted from holds all of their connections)."""
    ids: dict[str, set[str]] = {username: set() for username in operators}
    for receivers in found.values():
        for connection in receivers:
            if connection.operator in ids and connection.connection_id not in gone:
                ids[connection.operator].add(connection.connection_id)
    return {username: tuple(sorted(found_ids)) for username, found_ids in ids.items()}


def _count_alerts(notified: dict[str, bool], found: dict[Audience, list[Connection]], gone: set[str]) -> None:
    """An alert raised for each operator a notifiable frame reached (a connection that was not
    gone), visible or not: the page acknowledges it whether it sounded, notified, or was
    looked at (docs/notifications.md). Metrics only: no DynamoDB request."""
    if not notified:
        return
    reached = {connection.operator for receivers in found.values() for connection in receivers
               if connection.operator in notified and connection.connection_id not in gone}
    for username in sorted(reached):
        observability.alert_raised(username)


def _member(connection: Connection, audience: Audience) -> bool:
    if audience.kind is AudienceKind.EVERYONE:
        return True
    if audience.kind is AudienceKind.VIEWERS:
        return connection.viewing == audience.key
    if audience.kind is AudienceKind.TAB:
        return connection.tab == audience.key
    if audience.kind is AudienceKind.OPERATOR:
        return connection.operator == audience.key
    return False


def _note(notified: dict[str, bool], audience: Audience, receivers: list[Connection]) -> None:
    """Remember, for each operator who got a sound-worthy event, whether any of their
    connections is visible. `everyone` and an operator's own audience hold all of an
    operator's connections, so the answer is complete."""
    if audience == routing.EVERYONE:
        for connection in receivers:
            notified[connection.operator] = notified.get(connection.operator, False) or connection.visible
    elif audience.kind is AudienceKind.OPERATOR and receivers:
        notified[audience.key] = notified.get(audience.key, False) or any(c.visible for c in receivers)
