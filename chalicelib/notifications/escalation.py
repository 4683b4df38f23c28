"""The escalation ladder (docs/notifications.md, "The escalation ladder"): while a lead waits
for an operator (the waiting clock, `domain/wait_clock.py`), rungs fire at growing delays
counted from when the wait began:

0. the per-minute reminder (R14, `reminders.py`, per operator, not per dialog);
1. after `waiting_too_long_seconds` (N): pushed to every online operator as
   `dialog.waiting_too_long` `{dialog: DialogSummary, waiting_seconds}` and counted
   (`DialogsWaitingTooLong`); every page marks it from the row's `wait_started_at` anyway;
2. after `escalate_to_supervisor_seconds` (M, 0 = off): the supervisor channel, an SNS
   Publish, and the bot's `dialog.escalated` webhook; counted (`DialogsEscalated`);
3. after `return_to_bot_seconds` (K, 0 = off, the default): the dialog returns to the bot,
   which runs its Unanswered script; counted (`DialogsReturnedUnanswered`).

Each rung fires once per wait and never after a higher one (a conditional PutItem of the
wait's mark in `escalations`, holding the highest rung reached), and none fires once an
operator answered (the clock cleared: the dialog is no longer in the index, and a lead read
after the index whose clock moved is skipped).

Each tick Queries, per rung and tab shard, the sparse keys-only `wait-clock` index for the
waits that crossed the rung lately: began in `(now - delay - LOOKBACK_PERIODS * period,
now - delay]`. The look-back covers a late or missed tick. So a tick reads only the waits
crossing a rung, however many leads wait: flat (bench/).

DynamoDB requests per tick: one Query per enabled rung and tab shard when nothing crossed;
per rung with crossings, + one conditional PutItem per crossing seen and one BatchGetItem
of the new crossings' leads, then: rung 1 one Query of the `online` index (per shard) and
the pushes; rung 2 one PutItem per dialog (its webhook) and one SNS Publish; rung 3 one
return-to-bot change per dialog (a GetItem, a GetItem of the bot, one TransactWriteItems).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any, Protocol

from chalicelib import observability
from chalicelib.clock import Clock, iso
from chalicelib.live.fanout import Fanout, Frame
from chalicelib.storage.connections import ConnectionStore
from chalicelib.storage.delivery_queue import DeliveryQueue
from chalicelib.storage.dialogs import DialogStore, summary_of
from chalicelib.storage.models import LeadModel
from chalicelib.storage.notifications import EscalationMarks
from chalicelib.webhooks.events import escalated_event
from chalicelib.webhooks.outbox import delivery_item, position_after

logger = logging.getLogger("handover.notifications")

# How many periods back a tick looks for crossings: two ticks see each one, so one late or
# lost tick loses nothing; the marks keep the second from firing it again.
LOOKBACK_PERIODS = 2


class Rung(IntEnum):
    BROADCAST = 1
    SUPERVISOR = 2
    RETURN_TO_BOT = 3


class SupervisorChannel(Protocol):
    def notify(self, subject: str, message: dict[str, Any]) -> bool: ...


# (lead id, the wait's start it was decided on) -> whether the dialog went back to the bot.
ReturnToBot = Callable[[str, str], bool]


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


class EscalationLadder:
    def __init__(self, dialogs: DialogStore, connections: ConnectionStore, fanout: Fanout, marks: EscalationMarks,
                 clock: Clock, *, delays: dict[Rung, float], period_seconds: float,
                 supervisor: SupervisorChannel | None = None, deliveries: DeliveryQueue | None = None,
                 return_to_bot: ReturnToBot | None = None) -> None:
        self.dialogs = dialogs
        self.connections = connections
        self.fanout = fanout
        self.marks = marks
        self.clock = clock
        # In rung order; a rung set to 0 is off. A rung's delay must exceed the one below it
        # (docs/notifications.md): a rung whose window comes first would shut the lower out.
        self.delays = {rung: timedelta(seconds=delay) for rung, delay in sorted(delays.items()) if delay > 0}
        self.lookback = timedelta(seconds=period_seconds * LOOKBACK_PERIODS)
        self.supervisor = supervisor
        self.deliveries = deliveries
        self.return_to_bot = return_to_bot

    @property
    def threshold(self) -> timedelta:
        return self.delays.get(Rung.BROADCAST, timedelta(0))

    def tick(self) -> int:
        """Climb every wait that crossed a rung; answer how many rungs fired. The rungs go in
        order, so a dialog crossing two at once gets them in order in the same tick."""
        now = self.clock.now()
        fired = 0
        for rung, delay in self.delays.items():
            try:
                fired += self._climb(rung, delay, now)
            except Exception:
                # One rung failing (SNS down) does not keep the others from firing.
                logger.exception("escalation rung %s failed", rung.name)
        return fired

    def _climb(self, rung: Rung, delay: timedelta, now: datetime) -> int:
        newest = now - delay
        crossed = self.dialogs.waits_started(iso(newest - self.lookback), iso(newest))
        fresh = dict((lead_id, started) for lead_id, started in crossed
                     if self.marks.climb(lead_id, started, int(rung), now))
        if not fresh:
            return 0
        # Still waiting since the same moment (an operator may have answered since the index
        # was read), the longest wait first.
        leads = sorted((lead for lead in self.dialogs.leads(fresh) if lead.wait_started_at == fresh.get(lead.id)),
                       key=lambda lead: str(lead.wait_started_at))
        if not leads:
            return 0
        if rung is Rung.BROADCAST:
            return self._broadcast(leads, now)
        if rung is Rung.SUPERVISOR:
            return self._to_supervisor(leads, now)
        return self._back_to_bot(leads)

    @staticmethod
    def _waited(lead: LeadModel, now: datetime) -> int:
        return int((now - _parse(str(lead.wait_started_at))).total_seconds())

    def _broadcast(self, leads: list[LeadModel], now: datetime) -> int:
        frames: list[Frame] = [{"type": "dialog.waiting_too_long", "dialog": summary_of(lead),
                                "waiting_seconds": self._waited(lead, now)} for lead in leads]
        everyone = self.connections.everyone(now)
        self.fanout.send({connection.connection_id: frames for connection in everyone})
        observability.count(observability.DIALOGS_WAITING_TOO_LONG, len(frames))
        logger.info("escalated %d dialogs waiting over %s", len(frames), self.threshold)
        return len(frames)

    def _to_supervisor(self, leads: list[LeadModel], now: datetime) -> int:
        at = iso(now)
        sent = 0
        for lead in leads:
            waited = self._waited(lead, now)
            if self.deliveries is not None:
                event = escalated_event(lead, int(Rung.SUPERVISOR), waited, at)
                self.deliveries.add(delivery_item(lead.id, lead.bot_id, position_after(int(lead.seq), False, at),
                                                  [event], at))
            if self.supervisor is not None:
                message = {"type": "dialog.escalated", "rung": int(Rung.SUPERVISOR), "lead_id": lead.id,
                           "bot_id": lead.bot_id, "lead_ref": lead.lead_ref, "name": lead.name,
                           "state": lead.dialog_state, "operators": list(lead.operators or ()),
                           "wait_started_at": lead.wait_started_at, "waiting_seconds": waited}
                if not self.supervisor.notify(f"Handover: {lead.name or lead.lead_ref} has waited "
                                              f"{waited // 60} min", message):
                    logger.warning("no supervisor topic configured: %s escalated by webhook only", lead.id)
            sent += 1
        observability.count(observability.DIALOGS_ESCALATED, sent)
        return sent

    def _back_to_bot(self, leads: list[LeadModel]) -> int:
        if self.return_to_bot is None:
            return 0
        returned = sum(1 for lead in leads if self.return_to_bot(lead.id, str(lead.wait_started_at)))
        if returned:
            observability.count(observability.DIALOGS_RETURNED_UNANSWERED, returned)
        return returned
