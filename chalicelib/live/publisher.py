"""The live-event publisher: turns each committed `Change` into websocket pushes.

It plans the pushes (`routing.plan`), finds each audience's connections with as few
DynamoDB Queries as the plan allows, and hands the frames to the `Fanout`. It never raises
into the caller: the change is already committed, and a push that fails must not turn a
stored message into an error answer (the UI resyncs by `seq` after a reconnect).

DynamoDB requests per publish (docs/live-events.md):
- a change that touches Waiting or moves the counts: ONE Query of the `online` index (per
  shard); every other audience is filtered from it;
- otherwise one Query per audience: the dialog's viewers, the All tab, and each operator
  of the dialog before or after the change (1-2 in practice);
- plus, only when a push met GoneException, one BatchWriteItem per 25 gone connections.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Protocol

from chalicelib.adapters.attachments import AttachmentStorage
from chalicelib.api.views import lead_view, message_view
from chalicelib.clock import Clock
from chalicelib.live import routing
from chalicelib.live.fanout import Fanout, Frame
from chalicelib.live.routing import Audience
from chalicelib.services.publisher import Change
from chalicelib.storage.connections import Connection, ConnectionStore
from chalicelib.storage.models import Attachment, LeadModel, MessageModel

logger = logging.getLogger("handover.live")


class CountsReader(Protocol):
    """The tab counts as the REST API answers them (`GET /api/counts`)."""

    def counts(self, operator: str) -> dict[str, int]: ...


class LiveObserver(Protocol):
    """Told which operators got a sound-worthy event while none of their connections was
    visible (the seam for the per-minute reminders, R14)."""

    def notified_hidden(self, operators: set[str], change: Change) -> None: ...


class NoObserver:
    def notified_hidden(self, operators: set[str], change: Change) -> None:
        return None


def operator_lead_view(lead: LeadModel, link: Callable[[Attachment], str] | None = None) -> Frame:
    """`Lead` of docs/operator-api.md: the bot API's lead plus `unread`."""
    return {**lead_view(lead), "unread": int(lead.unread or 0)}


class LivePublisher:
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

    # --- views ---------------------------------------------------------------------------
    def _link(self, attachment: Attachment) -> str:
        assert self.attachments is not None
        # Pictures open inline in a new window (R12); other files download under their name.
        return self.attachments.download_url(attachment.key, attachment.name, inline=bool(attachment.preview))

    def _message_view(self, message: MessageModel) -> Frame:
        return message_view(message, self._link if self.attachments is not None else None)

    # --- publishing ----------------------------------------------------------------------
    def publish(self, change: Change) -> None:
        try:
            self._publish(change)
        except Exception:
            # The change is committed; a failed push must not fail the request that made it.
            logger.exception("live events for dialog %s were not pushed", getattr(change.lead, "id", "?"))

    def _publish(self, change: Change) -> None:
        pushes = routing.plan(change, self._message_view, operator_lead_view)
        everyone_moved, mine_moved = routing.counts_change(change) if self.counts is not None else (False, ())
        audiences = {push.audience for push in pushes}
        if everyone_moved:
            audiences.add(routing.EVERYONE)
        audiences |= {routing.operator(username) for username in mine_moved}
        found = self._resolve(audiences)

        frames: dict[str, list[Frame]] = {}
        notified: dict[str, bool] = {}  # operator -> has a visible connection
        for push in pushes:
            receivers = found.get(push.audience, [])
            for connection in receivers:
                frames.setdefault(connection.connection_id, []).append(push.frame)
            if push.notifiable:
                self._note(notified, push.audience, receivers, found)
        self._add_counts(frames, found, everyone_moved, mine_moved)
        self.fanout.send(frames)
        hidden = {username for username, visible in notified.items() if not visible}
        if hidden:
            self.observer.notified_hidden(hidden, change)

    def _resolve(self, audiences: Iterable[Audience]) -> dict[Audience, list[Connection]]:
        """Each audience's live connections: one Query for all of them if `everyone` is
        among them, else one Query per audience."""
        now = self.clock.now()
        audiences = set(audiences)
        if routing.EVERYONE in audiences:
            everyone = self.connections.everyone(now)
            return {audience: [c for c in everyone if _member(c, audience)] for audience in audiences}
        found: dict[Audience, list[Connection]] = {}
        for audience in sorted(audiences, key=lambda a: (a.kind, a.key)):
            if audience.kind == "viewers":
                found[audience] = self.connections.viewing(audience.key, now)
            elif audience.kind == "tab":
                found[audience] = self.connections.showing_tab(audience.key, now)
            elif audience.kind == "operator":
                found[audience] = self.connections.of_operator(audience.key, now)
        return found

    def _note(
        self,
        notified: dict[str, bool],
        audience: Audience,
        receivers: list[Connection],
        found: dict[Audience, list[Connection]],
    ) -> None:
        if audience == routing.EVERYONE:
            for connection in receivers:
                notified[connection.operator] = notified.get(connection.operator, False) or connection.visible
        elif audience.kind == "operator" and receivers:
            # An operator's audience holds every connection of theirs: visibility is known.
            notified[audience.key] = notified.get(audience.key, False) or any(c.visible for c in receivers)

    def _add_counts(
        self,
        frames: dict[str, list[Frame]],
        found: dict[Audience, list[Connection]],
        everyone_moved: bool,
        mine_moved: tuple[str, ...],
    ) -> None:
        if self.counts is None:
            return
        if everyone_moved:
            receivers = found.get(routing.EVERYONE, [])
        else:
            receivers = [c for username in mine_moved for c in found.get(routing.operator(username), [])]
        by_operator: dict[str, list[Connection]] = {}
        for connection in receivers:
            by_operator.setdefault(connection.operator, []).append(connection)
        for username, connections in by_operator.items():
            try:
                counts = self.counts.counts(username)
            except Exception:
                logger.exception("counts for %s could not be read", username)
                continue
            for connection in connections:
                frames.setdefault(connection.connection_id, []).append({"type": "counts", "counts": counts})


def _member(connection: Connection, audience: Audience) -> bool:
    if audience.kind == "everyone":
        return True
    if audience.kind == "viewers":
        return connection.viewing == audience.key
    if audience.kind == "tab":
        return connection.tab == audience.key
    if audience.kind == "operator":
        return connection.operator == audience.key
    return False
