"""The webhook delivery queue: every read and write the delivery function makes to the
`deliveries` table, and the outcome transactions that also touch `messages` and
`dead_letters` (the tables are described in storage/deliveries.py).

The lease: an item is claimed by setting `claim` (a random token) and moving
`next_attempt_at` to the end of the lease, under the condition that `next_attempt_at` is
still what the claimer read. Every later write of the attempt is conditioned on
`claim == token`: once another function took the item over (our lease ended), each of them
fails its condition and the attempt stops (`LostClaim`). When to claim, defer or retry is
decided in chalicelib/webhooks/delivery.py; this module only knows how to write it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, NamedTuple

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.storage.deliveries import DUE_SHARDS, DeadLetterModel, DeliveryModel, WebhookEvent
from chalicelib.storage.errors import CONDITION_FAILED, TRANSACTION_CONFLICT, cancellation_reasons, condition_failed, lost_race
from chalicelib.storage.models import MessageModel

logger = logging.getLogger("handover.webhooks")

# How far into a lead's queue to look for an item another function holds.
LOOKAHEAD = 10

# A message's `delivery` attribute: what the operator sees of its webhook.
SENT = "sent"
DELIVERED = "delivered"
FAILED = "failed"


class LostClaim(Exception):
    """Another delivery function took the item over (our lease ended): stop this lead."""


class Claim(NamedTuple):
    """An item this function holds the lease of, and the token its writes are conditioned on."""

    item: DeliveryModel
    token: str


def transaction() -> TransactWrite:
    """A TransactWriteItems on the deliveries table's connection (every table of Handover
    shares the region and endpoint, so one connection serves the items of all of them)."""
    return TransactWrite(connection=DeliveryModel._get_connection().connection)


def set_message_delivery(write: TransactWrite, lead_id: str, seq: int, delivery: str) -> None:
    """Inside `write`: the message's delivery state, if the message is still there (an
    update without the condition would create a stub message)."""
    write.update(MessageModel(lead_id, seq), [MessageModel.delivery.set(delivery)], condition=MessageModel.seq.exists())


def _if_unchanged(update: Callable[[], object]) -> bool:
    """Run a conditional single-item write; False if its condition was false (the item
    changed since it was read), anything else that fails it raises."""
    try:
        update()
    except UpdateError as error:
        if condition_failed(error):
            return False
        raise
    return True


class DeliveryQueue:
    # --- adding outside a dialog change ---------------------------------------------------
    def add(self, item: DeliveryModel) -> None:
        """An event that no dialog change carries (the escalation ladder's `dialog.escalated`):
        ONE conditional PutItem; its position sorts after the lead's current `seq`, so it keeps
        the lead's order like a lead edit's item (webhooks/outbox.py)."""
        item.save(condition=DeliveryModel.position.does_not_exist())

    # --- reading ------------------------------------------------------------------------
    def due_leads(self, now: str, limit_per_shard: int) -> list[str]:
        """The leads with an item whose retry time (or a dead function's lease) has passed,
        each once: one Query of the `due` index per shard (never a table scan)."""
        leads: list[str] = []
        for shard in range(DUE_SHARDS):
            query = DeliveryModel.due.query(
                f"due#{shard}", DeliveryModel.next_attempt_at <= now, limit=limit_per_shard, page_size=250
            )
            for item in query:
                if item.lead_id not in leads:
                    leads.append(item.lead_id)
        return leads

    def head(self, lead_id: str) -> list[DeliveryModel]:
        """The first LOOKAHEAD items of the lead's queue, in order. Strongly consistent: a
        stale read could show an item already finished as the head, whose claim then fails,
        and the lead would wait for the next sweep."""
        return list(DeliveryModel.query(lead_id, consistent_read=True, limit=LOOKAHEAD, page_size=LOOKAHEAD))

    # --- the lease ----------------------------------------------------------------------
    def claim(self, item: DeliveryModel, token: str, lease_end: str) -> Claim | None:
        """Take the item's lease until `lease_end`; None if another function changed it
        since it was read (it claimed it first). `item` is refreshed from the write."""
        taken = _if_unchanged(lambda: item.update(
            [DeliveryModel.claim.set(token), DeliveryModel.next_attempt_at.set(lease_end)],
            condition=DeliveryModel.next_attempt_at == item.next_attempt_at,
        ))
        return Claim(item, token) if taken else None

    def defer(self, item: DeliveryModel, until: str) -> None:
        """Move an unclaimed item's `next_attempt_at` (its place in the `due` index) to
        `until`. Nothing happens if it was claimed or changed meanwhile."""
        _if_unchanged(lambda: item.update(
            [DeliveryModel.next_attempt_at.set(until)],
            condition=(DeliveryModel.next_attempt_at == item.next_attempt_at) & DeliveryModel.claim.does_not_exist(),
        ))

    def release(self, claim: Claim, now: str) -> None:
        """Hand the item back, due at `now`. Nothing happens if the lease was lost already."""
        _if_unchanged(lambda: claim.item.update(
            [DeliveryModel.claim.remove(), DeliveryModel.next_attempt_at.set(now)],
            condition=DeliveryModel.claim == claim.token,
        ))

    # --- outcomes -----------------------------------------------------------------------
    def retry_later(self, claim: Claim, *, attempts: int, when: str, now: str, status: int | None,
                    error: str) -> None:
        """The attempt failed: count it, give the lease up and be due again at `when`."""
        if not _if_unchanged(lambda: claim.item.update(
            [DeliveryModel.attempts.set(attempts), DeliveryModel.next_attempt_at.set(when),
             DeliveryModel.claim.remove(), DeliveryModel.last_attempt_at.set(now),
             DeliveryModel.last_status.set(status) if status is not None else DeliveryModel.last_status.remove(),
             DeliveryModel.last_error.set(error[:1000])],
            condition=DeliveryModel.claim == claim.token,
        )):
            raise LostClaim()

    def delivered(self, claim: Claim, event: WebhookEvent, *, lease_end: str, now: str) -> None:
        """The bot accepted events[done]: the item moves on to its next event (or goes),
        and the event's message shows "delivered", in one transaction."""
        self._finish(claim, event, DELIVERED, None, lease_end=lease_end, now=now)

    def dead_lettered(
        self, claim: Claim, event: WebhookEvent, *, reason: str, attempts: int, status: int | None,
        error: str | None, lease_end: str, now: str,
    ) -> None:
        """events[done] failed for good: it is stored in `dead_letters`, the item moves on
        (or goes) and the event's message shows "failed", in one transaction."""
        item = claim.item
        letter = DeadLetterModel(
            event.id, bot_id=item.bot_id, lead_id=item.lead_id, type=event.type, body=event.body,
            message_seq=event.message_seq, position=item.position, index=int(item.done), attempts=attempts,
            reason=reason, last_status=status, last_error=(error or "")[:1000] or None,
            created_at=item.created_at, dead_at=now,
        )
        self._finish(claim, event, FAILED, letter, lease_end=lease_end, now=now)

    def _finish(self, claim: Claim, event: WebhookEvent, delivery: str, letter: DeadLetterModel | None, *,
                lease_end: str, now: str) -> None:
        """Commit events[done]'s outcome; the delivery item is always the transaction's first
        item. If only the message update failed (its message is gone), commit without it
        rather than keep the lead's queue stuck on an outcome that cannot be recorded."""
        item = claim.item
        for with_message in (True, False):
            try:
                with transaction() as write:
                    self._advance(write, claim, lease_end, now)
                    if letter is not None:
                        write.save(letter)
                    if event.message_seq is not None and with_message:
                        set_message_delivery(write, item.lead_id, int(event.message_seq), delivery)
                break
            except TransactWriteError as error:
                if not lost_race(error):
                    raise
                reasons = cancellation_reasons(error)
                if not reasons or reasons[0] in (CONDITION_FAILED, TRANSACTION_CONFLICT) or not with_message:
                    raise LostClaim() from error
                logger.warning("the message of a webhook event is gone; its delivery state is not recorded")
        item.done = int(item.done) + 1
        item.attempts = 0

    @staticmethod
    def _advance(write: TransactWrite, claim: Claim, lease_end: str, now: str) -> None:
        """Inside `write`: events[done] is finished; the item goes when it was the last, or
        keeps the lease for its next event."""
        item = claim.item
        if int(item.done) + 1 >= len(item.events):
            write.delete(item, condition=DeliveryModel.claim == claim.token)
            return
        updates: list[Any] = [DeliveryModel.done.set(int(item.done) + 1), DeliveryModel.attempts.set(0),
                              DeliveryModel.next_attempt_at.set(lease_end), DeliveryModel.last_attempt_at.set(now)]
        write.update(item, updates, condition=DeliveryModel.claim == claim.token)
