"""The `operator.presence` frame: to every operator online when one's presence changes
(docs/live-events.md), so the dialog's participants and the pickers update without a reload."""

from __future__ import annotations

from chalicelib.clock import Clock
from chalicelib.domain.presence import TeamMember
from chalicelib.live.fanout import Fanout
from chalicelib.storage.connections import ConnectionStore
from chalicelib.views import presence_frame


class PresencePushes:
    def __init__(self, connections: ConnectionStore, fanout: Fanout, clock: Clock) -> None:
        self.connections = connections
        self.fanout = fanout
        self.clock = clock

    def announce(self, member: TeamMember, skip: str | None = None) -> None:
        """`skip`: a connection being opened (`$connect`), which API Gateway cannot reach yet."""
        frame = presence_frame(member)
        targets = [c.connection_id for c in self.connections.everyone(self.clock.now()) if c.connection_id != skip]
        self.fanout.send({connection_id: [frame] for connection_id in targets})
