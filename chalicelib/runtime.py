"""The composition root: builds the services from configuration, once per Lambda
container, on first use (never at import). Tests and the local runtime call `reset()`
after changing the environment."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from chalicelib.adapters.attachments import AttachmentStorage
from chalicelib.adapters.aws import reset_clients
from chalicelib.adapters.notifier import ManagementApiNotifier
from chalicelib.auth.cognito import CognitoSignIn
from chalicelib.auth.tickets import redeem_ticket
from chalicelib.auth.tokens import TokenVerifier, build_verifier
from chalicelib.clock import Clock, SystemClock
from chalicelib.config import Settings, get_settings, reset_settings
from chalicelib.live.connections import LiveConnections
from chalicelib.live.counts import CounterReader
from chalicelib.live.fanout import Fanout
from chalicelib.live.publisher import LivePublisher
from chalicelib.notifications.wiring import Notifications, build_notifications
from chalicelib.services.bots import BotService
from chalicelib.services.counters import CounterStager
from chalicelib.services.dialogs import DialogService
from chalicelib.services.publisher import NullPublisher, Outbox, Outboxes, Publisher
from chalicelib.services.uploads import UploadService
from chalicelib.storage.connections import ConnectionStore
from chalicelib.storage.dialogs import DialogStore
from chalicelib.storage.registry import bind_models
from chalicelib.webhooks.wiring import Webhooks, build_webhooks


@dataclass
class Services:
    settings: Settings
    clock: Clock
    store: DialogStore
    attachments: AttachmentStorage
    uploads: UploadService
    publisher: Publisher
    dialogs: DialogService
    bots: BotService
    verifier: TokenVerifier
    sign_in: CognitoSignIn
    connections: ConnectionStore
    live: LiveConnections
    webhooks: Webhooks
    # Notification state, reminders and the waiting-room escalation (docs/notifications.md).
    notifications: Notifications | None = None


def build(
    settings: Settings,
    clock: Clock | None = None,
    publisher: Publisher | None = None,
    outbox: Outbox | None = None,
) -> Services:
    bind_models(settings)
    clock = clock or SystemClock()
    store = DialogStore(settings.tab_shards)
    attachments = AttachmentStorage(settings)
    uploads = UploadService(attachments, clock)
    connections = ConnectionStore()
    notifier = ManagementApiNotifier(settings)
    notifications = build_notifications(settings, clock, connections, Fanout(notifier, connections))
    live = LiveConnections(connections, notifier, clock, redeem_ticket, presence=notifications.state)
    if publisher is None and settings.ws_management_endpoint:
        # Live events need the websocket API's management endpoint; without one (unit
        # tests, `chalice package`) there is nowhere to push and nothing is published.
        publisher = LivePublisher(connections, Fanout(notifier, connections), clock, attachments,
                                  counts=CounterReader(), observer=notifications.state)
    publisher = publisher or NullPublisher()
    # What a change causes is staged into its own transaction; each stager adds its items
    # (tab counters here; webhook deliveries and others append theirs).
    stagers: list[Outbox] = [CounterStager()]
    webhooks = build_webhooks(settings, clock, attachments, connections, notifier)
    stagers.append(webhooks.outbox)
    if outbox is not None:
        stagers.append(outbox)
    dialogs = DialogService(store, uploads, publisher, clock, outbox=Outboxes(stagers))
    bots = BotService(clock)
    return Services(settings, clock, store, attachments, uploads, publisher, dialogs, bots,
                    build_verifier(settings), CognitoSignIn(settings), connections, live, webhooks,
                    notifications)


@lru_cache(maxsize=1)
def services() -> Services:
    return build(get_settings())


def reset() -> None:
    services.cache_clear()
    reset_settings()
    reset_clients()
