"""The outbox stager: puts a change's webhook events into the change's own transaction.

One `deliveries` item per change, whatever the number of events, so a change never
comes near DynamoDB's 100-items-per-transaction limit because of webhooks. Its position
in the lead's queue follows the order in which changes commit:

- a change that appends messages moved the lead's `seq` under a condition on the `seq`
  it read, so `seq` after the change is unique and increasing: position `<seq:012d>`;
- a lead edit does not move `seq`: position `<seq:012d>~<time><random>`, which sorts after
  the change that made `seq` and before the next one ('~' sorts after every digit).
"""

from __future__ import annotations

import secrets

from chalicelib.clock import Clock, iso
from chalicelib.services.changes import Change
from chalicelib.storage.deliveries import DUE_SHARDS, DeliveryModel, WebhookEvent
from chalicelib.storage.dialog_write import DialogWrite
from chalicelib.webhooks.events import Outgoing, events_of

# DynamoDB refuses a TransactWriteItems of more than 100 items.
TRANSACTION_LIMIT = 100


def due_key(lead_id: str) -> str:
    return f"due#{sum(lead_id.encode()) % DUE_SHARDS}"


def position_after(seq: int, moved: bool, at: str) -> str:
    if moved:
        return f"{seq:012d}"
    return f"{seq:012d}~{at}{secrets.token_hex(4)}"


def delivery_item(lead_id: str, bot_id: str, position: str, events: list[Outgoing], now: str) -> DeliveryModel:
    return DeliveryModel(
        lead_id,
        position,
        bot_id=bot_id,
        events=[WebhookEvent(id=e.id, type=e.type, body=e.body, message_seq=e.message_seq) for e in events],
        done=0,
        attempts=0,
        next_attempt_at=now,
        due_key=due_key(lead_id),
        created_at=now,
    )


class WebhookOutbox:
    """A stager (chalicelib/services/changes.py): the webhook events of a change go into the
    change's own transaction."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def stage(self, write: DialogWrite, change: Change) -> None:
        now = iso(self.clock.now())
        events = events_of(change, now)
        if not events:
            return
        if len(write) + 1 > TRANSACTION_LIMIT:
            # Cannot happen with today's changes (tens of items at most); refusing is
            # better than a webhook that silently never goes out.
            raise RuntimeError(f"a change of {len(write)} items leaves no room for its webhook delivery")
        lead = change.lead
        moved = any(int(m.seq) == int(lead.seq) for m in change.messages)
        write.enqueue_delivery(delivery_item(lead.id, lead.bot_id, position_after(int(lead.seq), moved, now),
                                             events, now))
