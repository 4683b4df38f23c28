"""The webhook outbox: one table of deliveries still to make, one of dead letters.

`deliveries` is a queue per lead. A change to a dialog that the bot must hear about puts
ONE item here in the change's own transaction (no dual write); the item carries every
webhook event of that change, in order. The sort key `position` orders a lead's items the
way their changes committed, so the head of the queue (the lowest position) is always
the oldest undelivered change. An item is deleted once all its events are delivered or
dead-lettered, so a Query on the lead's partition is exactly its pending queue (strongly
consistent, no history to page through).

The table's DynamoDB stream (NEW_IMAGE) triggers the delivery function on every new item;
the sparse-ish `due` index lets the per-minute sweep find items whose retry is due (or
whose delivery function died mid-attempt) with a Query, never a table scan.

`dead_letters` keeps events that failed for good, for admins to list and replay.
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.models import _Meta

# The `due` index is written by every delivery; spreading it over a few partition keys
# keeps one hot key from throttling it. The sweep Queries each shard.
DUE_SHARDS = 4


class WebhookEvent(MapAttribute):
    """One webhook call to make: `id` is the `webhook-id` every retry of it repeats."""

    id = UnicodeAttribute()
    type = UnicodeAttribute()
    # The payload as JSON, minus attachment download links (made fresh at each attempt).
    body = UnicodeAttribute()
    # For message.created of an operator or script message: the message whose delivery
    # state (sent/delivered/failed) this event decides.
    message_seq = NumberAttribute(null=True)


class DueIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "due"
        projection = AllProjection()

    due_key = UnicodeAttribute(hash_key=True)
    next_attempt_at = UnicodeAttribute(range_key=True)


class DeliveryModel(Model):
    class Meta(_Meta):
        kind = "deliveries"
        # The trigger of the delivery function (infra/ and the local runtime read this).
        stream_view_type = "NEW_IMAGE"

    lead_id = UnicodeAttribute(hash_key=True)
    position = UnicodeAttribute(range_key=True)
    bot_id = UnicodeAttribute()
    events = ListAttribute(of=WebhookEvent, default=list)
    # How many of `events` are finished (delivered or dead-lettered).
    done = NumberAttribute(default=0)
    # Attempts made for events[done].
    attempts = NumberAttribute(default=0)
    # When the next attempt may start. While an attempt runs it is the end of that
    # attempt's lease: a delivery function that died is taken over after it.
    next_attempt_at = UnicodeAttribute()
    due_key = UnicodeAttribute()
    # The token of the delivery function holding the lease, if any.
    claim = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    last_attempt_at = UnicodeAttribute(null=True)
    last_status = NumberAttribute(null=True)
    last_error = UnicodeAttribute(null=True)

    due = DueIndex()


class DeadLetterIndex(GlobalSecondaryIndex):
    """Every dead letter, newest first: `directory` is the same for all of them (dead
    letters are rare, one partition key is fine)."""

    class Meta:
        index_name = "by-time"
        projection = AllProjection()

    directory = UnicodeAttribute(hash_key=True)
    dead_at = UnicodeAttribute(range_key=True)


class DeadLetterModel(Model):
    class Meta(_Meta):
        kind = "dead_letters"

    id = UnicodeAttribute(hash_key=True)  # the event id (webhook-id); a replay reuses it
    directory = UnicodeAttribute(default="dead_letters")
    bot_id = UnicodeAttribute()
    lead_id = UnicodeAttribute()
    type = UnicodeAttribute()
    body = UnicodeAttribute()
    message_seq = NumberAttribute(null=True)
    # Where it stood in its lead's queue (position, then its index among the change's
    # events): replays of several dead letters keep this order.
    position = UnicodeAttribute(default="")
    index = NumberAttribute(default=0)
    attempts = NumberAttribute(default=0)
    # Why it was given up: attempts_exhausted | gone (HTTP 410) | webhook_disabled | no_webhook_url | bot_disabled
    # | bot_missing | render_failed (the stored event could not be rendered)
    reason = UnicodeAttribute()
    last_status = NumberAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    dead_at = UnicodeAttribute()

    by_time = DeadLetterIndex()
