"""Builds the notification parts from configuration (called by `chalicelib/runtime.py`)."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.clock import Clock
from chalicelib.config import Settings
from chalicelib.live.fanout import Fanout
from chalicelib.notifications.escalation import WaitingEscalation
from chalicelib.notifications.reminders import Reminders
from chalicelib.notifications.state import NotificationState
from chalicelib.storage.connections import ConnectionStore
from chalicelib.storage.notifications import EscalationMarks, NotificationStore


@dataclass
class Notifications:
    store: NotificationStore
    # The publisher's observer and the websocket side's presence observer.
    state: NotificationState
    reminders: Reminders
    escalation: WaitingEscalation


def build_notifications(settings: Settings, clock: Clock, connections: ConnectionStore, fanout: Fanout) -> Notifications:
    store = NotificationStore()
    return Notifications(
        store=store,
        state=NotificationState(store, clock),
        reminders=Reminders(store, fanout, clock, settings.reminder_after_seconds),
        escalation=WaitingEscalation(
            connections, fanout, EscalationMarks(), clock,
            tab_shards=settings.tab_shards,
            threshold_seconds=settings.waiting_too_long_seconds,
            period_seconds=settings.schedule_seconds,
        ),
    )
