"""Builds the webhook pieces from configuration (called by chalicelib/runtime.py)."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.adapters.attachments import DOWNLOAD_URL_SECONDS, AttachmentStorage
from chalicelib.adapters.notifier import Notifier
from chalicelib.clock import Clock
from chalicelib.config import Settings
from chalicelib.live.fanout import Fanout
from chalicelib.storage.connections import ConnectionStore
from chalicelib.webhooks.dead_letters import DeadLetters
from chalicelib.webhooks.delivery import DeliveryWatcher, WebhookDelivery
from chalicelib.webhooks.live import LiveDeliveryWatcher
from chalicelib.webhooks.outbox import WebhookOutbox
from chalicelib.webhooks.transport import SafeTransport, Transport


@dataclass
class Webhooks:
    outbox: WebhookOutbox
    delivery: WebhookDelivery
    dead_letters: DeadLetters


def build_webhooks(
    settings: Settings,
    clock: Clock,
    attachments: AttachmentStorage,
    connections: ConnectionStore,
    notifier: Notifier,
    transport: Transport | None = None,
) -> Webhooks:
    watcher: DeliveryWatcher | None = None
    if settings.ws_management_endpoint:
        # Without a websocket API (unit tests, `chalice package`) there is nobody to tell.
        watcher = LiveDeliveryWatcher(connections, Fanout(notifier, connections), clock)
    delivery = WebhookDelivery(
        clock,
        transport or SafeTransport(local=settings.is_local),
        link=attachments.download_url,
        link_seconds=DOWNLOAD_URL_SECONDS,
        watcher=watcher,
    )
    return Webhooks(WebhookOutbox(clock), delivery, DeadLetters(clock, watcher))
