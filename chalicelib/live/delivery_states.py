"""Pushes `message.delivery` `{dialog_id, seq, delivery}` to the operators viewing the
dialog (docs/operator-api.md), so an operator's message shows sent / delivered / failed
as the delivery function learns it."""

from __future__ import annotations

from chalicelib.clock import Clock
from chalicelib.live.fanout import Fanout
from chalicelib.storage.connections import ConnectionStore


class LiveDeliveryWatcher:
    """Implements `DeliveryWatcher` (chalicelib/webhooks/delivery.py): the composition root
    hands it to the delivery function, which so never imports the live side."""

    def __init__(self, connections: ConnectionStore, fanout: Fanout, clock: Clock) -> None:
        self.connections = connections
        self.fanout = fanout
        self.clock = clock

    def delivery_changed(self, lead_id: str, seq: int, delivery: str) -> None:
        frame = {"type": "message.delivery", "dialog_id": lead_id, "seq": seq, "delivery": delivery}
        viewers = self.connections.viewing(lead_id, self.clock.now())
        self.fanout.send({connection.connection_id: [frame] for connection in viewers})
