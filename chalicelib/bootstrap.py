"""The composition root: builds every service from configuration, once per Lambda container,
on first use (never at import: `chalice package` and CDK synth import app.py with no
configuration, and a cold start should pay only for what its function uses).

What a change to a dialog causes is listed in ONE place, `_consequences` below: the stagers
that write inside the change's own transaction, then the listeners told after the commit.
Tests and the local runtime call `reset()` after changing the environment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from chalicelib.adapters.attachments import DOWNLOAD_URL_SECONDS, AttachmentStorage
from chalicelib.adapters.aws import reset_clients
from chalicelib.adapters.gateway_keys import gateway_keys
from chalicelib.adapters.notifier import ManagementApiNotifier
from chalicelib.adapters.operator_directory import CognitoDirectory
from chalicelib.adapters.supervisor_channel import SnsSupervisorChannel
from chalicelib.adapters.wakeup_queue import SqsWakeups
from chalicelib.auth.cognito import CognitoSignIn
from chalicelib.auth.directory import OperatorDirectory
from chalicelib.auth.operators import ADMINS_GROUP
from chalicelib.auth.tickets import redeem_ticket
from chalicelib.auth.tokens import TokenVerifier, build_verifier
from chalicelib.clock import Clock, SystemClock
from chalicelib.config import Settings, get_settings, reset_settings
from chalicelib.live.connections import LiveConnections
from chalicelib.live.delivery_states import LiveDeliveryWatcher
from chalicelib.live.fanout import Fanout
from chalicelib.live.presence import PresencePushes
from chalicelib.live.pushes import LivePushes
from chalicelib.live.revocations import RevocationSweep
from chalicelib.notifications.escalation import EscalationLadder, ReturnToBot, Rung
from chalicelib.notifications.reminders import Reminders
from chalicelib.notifications.state import NotificationState
from chalicelib.services.assignment import FairAssignment, OperatorLoads
from chalicelib.services.bots import BotService
from chalicelib.services.canned import CannedReplies
from chalicelib.services.changes import Consequences, Listener, Stager
from chalicelib.services.dialogs import DialogService
from chalicelib.services.notes import Notes
from chalicelib.services.operators import OperatorRoster
from chalicelib.services.presence import Observers, TeamPresence
from chalicelib.services.search import Search
from chalicelib.services.tabs import Tabs
from chalicelib.services.uploads import UploadService
from chalicelib.storage.canned import CannedStore
from chalicelib.storage.connections import ConnectionStore
from chalicelib.storage.counters import CounterStore
from chalicelib.storage.delivery_queue import DeliveryQueue
from chalicelib.storage.dialogs import DialogStore
from chalicelib.storage.notifications import EscalationMarks, NotificationStore
from chalicelib.storage.presence import PresenceStore
from chalicelib.storage.registry import bind_models
from chalicelib.storage.search import SearchReader
from chalicelib.storage.tab_pages import TabReader
from chalicelib.webhooks.dead_letters import DeadLetters
from chalicelib.webhooks.delivery import WebhookDelivery
from chalicelib.webhooks.outbox import WebhookOutbox
from chalicelib.webhooks.ping import PING_TIMEOUT_SECONDS, WebhookPing
from chalicelib.webhooks.transport import SafeTransport


@dataclass
class Webhooks:
    outbox: WebhookOutbox
    delivery: WebhookDelivery
    dead_letters: DeadLetters
    # The admin screens' "send test delivery" (docs/webhooks.md, "Test delivery").
    ping: WebhookPing


@dataclass
class Notifications:
    store: NotificationStore
    # The live pushes' observer and the websocket side's presence observer.
    state: NotificationState
    reminders: Reminders
    escalation: EscalationLadder


@dataclass
class Services:
    settings: Settings
    clock: Clock
    store: DialogStore
    attachments: AttachmentStorage
    uploads: UploadService
    tabs: Tabs
    consequences: Consequences
    dialogs: DialogService
    bots: BotService
    verifier: TokenVerifier
    sign_in: CognitoSignIn
    connections: ConnectionStore
    live: LiveConnections
    webhooks: Webhooks
    notifications: Notifications
    # The admin screens' operator list: Cognito's users and their presence.
    operators: OperatorRoster
    # Per minute: closes the websockets of revoked operators (docs/security.md).
    revocations: RevocationSweep
    # Who is online, away or offline (docs/assignment.md).
    presence: TeamPresence
    # Private notes with @mentions, and canned replies (docs/operator-api.md).
    notes: Notes
    canned: CannedReplies
    # The operators' search box (docs/operator-api.md, "Search").
    search: Search
    # Fair assignment; None unless HANDOVER_ASSIGNMENT=fair (docs/assignment.md).
    assignment: FairAssignment | None = None


def build(
    settings: Settings,
    clock: Clock | None = None,
    *,
    listeners: Sequence[Listener] | None = None,
    stagers: Sequence[Stager] = (),
) -> Services:
    """Every service, wired. `listeners` replaces the live pushes (tests that watch what a
    change pushes); `stagers` are added after the built-in ones."""
    bind_models(settings)
    clock = clock or SystemClock()
    store = DialogStore(settings.tab_shards)
    attachments = AttachmentStorage(settings)
    uploads = UploadService(attachments, clock, store)
    connections = ConnectionStore()
    notifier = ManagementApiNotifier(settings)
    fanout = Fanout(notifier, connections)
    # Live events need the websocket API's management endpoint; without one (unit tests,
    # `chalice package`) there is nowhere to push and nobody to tell.
    pushing = bool(settings.ws_management_endpoint)
    notifications = build_notifications(settings, clock, store, connections, fanout)
    webhooks = build_webhooks(settings, clock, attachments, LiveDeliveryWatcher(connections, fanout, clock) if pushing else None)
    tabs = Tabs(TabReader(settings.tab_shards), CounterStore())
    if listeners is None:
        listeners = [LivePushes(connections, fanout, clock, attachments, counts=tabs.counters,
                                observer=notifications.state)] if pushing else []
    consequences = _consequences(tabs, webhooks, listeners, [OperatorLoads(clock, settings.operator_capacity),
                                                             *stagers])
    dialogs = DialogService(store, uploads, consequences, clock)
    assignment = build_assignment(settings, clock, dialogs, connections, consequences)
    presence = TeamPresence(PresenceStore(), connections, clock,
                            PresencePushes(connections, fanout, clock) if pushing else None,
                            on_available=assignment.fill if assignment is not None else None)
    verifier = build_verifier(settings)
    # `reauth` frames confirm the token with Cognito; a revoked one closes the connection.
    live = LiveConnections(connections, notifier, clock, redeem_ticket,
                           presence=Observers([notifications.state, presence]),
                           verify=verifier.verify, closer=notifier if pushing else None,
                           reauth_seconds=settings.reauth_seconds, check_seconds=settings.token_check_seconds)
    dialogs = DialogService(store, uploads, consequences, clock)
    # The ladder's last rung is a dialog change like any other (scripts, webhooks, pushes).
    notifications.escalation.return_to_bot = dialogs.give_back_unanswered
    return Services(
        settings=settings,
        clock=clock,
        store=store,
        attachments=attachments,
        uploads=uploads,
        tabs=tabs,
        consequences=consequences,
        dialogs=dialogs,
        bots=BotService(clock, gateway_keys=gateway_keys(settings)),
        verifier=verifier,
        sign_in=CognitoSignIn(settings),
        connections=connections,
        live=live,
        webhooks=webhooks,
        notifications=notifications,
        operators=OperatorRoster(CognitoDirectory(settings), connections, clock, ADMINS_GROUP),
        revocations=RevocationSweep(connections, live, OperatorDirectory(settings), clock, settings.reauth_seconds),
        presence=presence,
        assignment=assignment,
        notes=Notes(dialogs, OperatorDirectory(settings)),
        canned=CannedReplies(CannedStore(), store, clock),
        search=Search(SearchReader()),
    )


def build_assignment(settings: Settings, clock: Clock, dialogs: DialogService, connections: ConnectionStore,
                     consequences: Consequences) -> FairAssignment | None:
    """Fair assignment, when on: the last listener, after the live pushes of the change that
    put a dialog on Waiting (docs/assignment.md)."""
    if not settings.fair_assignment:
        return None
    assignment = FairAssignment(dialogs, PresenceStore(), connections, clock,
                                capacity=settings.operator_capacity, tab_shards=settings.tab_shards)
    consequences.listeners = (*consequences.listeners, assignment)
    return assignment


def _consequences(tabs: Tabs, webhooks: Webhooks, listeners: Sequence[Listener],
                  stagers: Sequence[Stager]) -> Consequences:
    """What every change to a dialog causes, in order."""
    return Consequences(
        stagers=[
            tabs,  # the tab counters move with the dialog (and each operator's load, docs/assignment.md)
            webhooks.outbox,  # the bot hears of it (one deliveries item per change)
            *stagers,
        ],
        listeners=listeners,  # the live pushes to operators (and through them, the reminders)
    )


def build_notifications(settings: Settings, clock: Clock, store: DialogStore, connections: ConnectionStore,
                   fanout: Fanout, return_to_bot: ReturnToBot | None = None) -> Notifications:
    notification_store = NotificationStore()
    delays = {Rung.BROADCAST: settings.waiting_too_long_seconds,
              Rung.SUPERVISOR: settings.escalate_to_supervisor_seconds,
              Rung.RETURN_TO_BOT: settings.return_to_bot_seconds}
    return Notifications(
        store=notification_store,
        state=NotificationState(notification_store, clock),
        reminders=Reminders(notification_store, fanout, clock, settings.reminder_after_seconds),
        escalation=EscalationLadder(store, connections, fanout, EscalationMarks(), clock, delays=delays,
                                    period_seconds=settings.schedule_seconds,
                                    supervisor=SnsSupervisorChannel(settings), deliveries=DeliveryQueue(),
                                    return_to_bot=return_to_bot),
    )


def build_webhooks(settings: Settings, clock: Clock, attachments: AttachmentStorage,
              watcher: LiveDeliveryWatcher | None) -> Webhooks:
    delivery = WebhookDelivery(
        clock,
        SafeTransport(local=settings.is_local),
        link=attachments.download_url,
        link_seconds=DOWNLOAD_URL_SECONDS,
        watcher=watcher,
        # Retries due within seconds (docs/webhooks.md); without a queue the sweep runs them.
        wakeups=SqsWakeups(settings) if SqsWakeups.configured(settings) else None,
    )
    ping = WebhookPing(clock, SafeTransport(local=settings.is_local, timeout=PING_TIMEOUT_SECONDS))
    return Webhooks(WebhookOutbox(clock), delivery, DeadLetters(clock, watcher), ping)


@lru_cache(maxsize=1)
def services() -> Services:
    return build(get_settings())


def reset() -> None:
    services.cache_clear()
    reset_settings()
    reset_clients()
