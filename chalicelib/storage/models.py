"""The DynamoDB tables, as PynamoDB models: one table per kind of thing.

Ops read these tables in the AWS console, so attributes are words and times are ISO 8601
UTC strings (epoch seconds only for TTL). The same definitions create the tables in
tests and in the local runtime (`local_runtime/tables.py`) and in AWS (`infra/`), through
`chalicelib.storage.registry.TABLES`, so a model and its table cannot drift apart.

PynamoDB reads `Meta.table_name`, `region` and `host` when it first connects; this
module sets placeholders only, and `registry.bind_models(settings)` binds them from
configuration at run time (never at import: CDK synth and `chalice package` import it).
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection, LocalSecondaryIndex
from pynamodb.models import Model


class _Meta:
    table_name = "unbound"
    region = "us-east-1"
    host = None
    billing_mode = "PAY_PER_REQUEST"
    # Lambda fails fast rather than waiting out a stuck connection.
    connect_timeout_seconds = 2
    read_timeout_seconds = 5
    max_retry_attempts = 3


# --- bots ------------------------------------------------------------------------------

class BotDirectoryIndex(GlobalSecondaryIndex):
    """Lists every bot by name with a Query (no table scan): all bots share `directory = "bots"`.
    A contact center has tens of bots, not millions, so one partition key is fine here."""

    class Meta:
        index_name = "by-name"
        projection = AllProjection()

    directory = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(range_key=True)


class BotModel(Model):
    class Meta(_Meta):
        kind = "bots"

    id = UnicodeAttribute(hash_key=True)
    directory = UnicodeAttribute(default="bots")
    name = UnicodeAttribute()
    # Only a SHA-256 of the key's secret part is stored; the key is shown once.
    api_key_hash = UnicodeAttribute()
    api_key_hint = UnicodeAttribute(default="")
    webhook_url = UnicodeAttribute(null=True)
    webhook_secret = UnicodeAttribute()
    # During a rotation both secrets sign every webhook call (Standard Webhooks).
    webhook_secret_previous = UnicodeAttribute(null=True)
    webhook_disabled_at = UnicodeAttribute(null=True)
    webhook_disabled_reason = UnicodeAttribute(null=True)
    # System scripts (R7, R10): message texts with {{attribute}} placeholders.
    return_script = ListAttribute(of=UnicodeAttribute, default=list)
    operator_transfer_script = ListAttribute(of=UnicodeAttribute, default=list)
    # Run when the escalation ladder gives an unanswered lead back to the bot (docs/notifications.md).
    unanswered_script = ListAttribute(of=UnicodeAttribute, default=list)
    enabled = BooleanAttribute(default=True)
    # The bot's own messages while an operator is in the dialog: refused (409) unless allowed.
    bot_messages_with_operator = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    by_name = BotDirectoryIndex()


# --- leads (with their dialog) ---------------------------------------------------------

class WaitingIndex(GlobalSecondaryIndex):
    """The Waiting tab. Sparse: `waiting_key` is set only while the dialog is in `waiting`."""

    class Meta:
        index_name = "waiting"
        projection = AllProjection()

    waiting_key = UnicodeAttribute(hash_key=True)
    last_activity_at = UnicodeAttribute(range_key=True)


class WaitingSinceIndex(GlobalSecondaryIndex):
    """The dialogs on Waiting by the moment they entered it, for the waiting-room
    escalation (docs/notifications.md). Sparse like `waiting`; keys only, so DynamoDB writes
    it only when a dialog enters or leaves Waiting (its keys change then and only then)."""

    class Meta:
        index_name = "waiting-since"
        projection = KeysOnlyProjection()

    waiting_key = UnicodeAttribute(hash_key=True)
    waiting_since = UnicodeAttribute(range_key=True)


class WaitClockIndex(GlobalSecondaryIndex):
    """Every dialog whose lead waits for an operator, by when the wait began (the escalation
    ladder, docs/notifications.md). Sparse: `clock_key` is set exactly while `wait_started_at`
    is. Keys only, so DynamoDB writes it only when a wait starts or ends (the keys change
    then), never for the messages in between."""

    class Meta:
        index_name = "wait-clock"
        projection = KeysOnlyProjection()

    clock_key = UnicodeAttribute(hash_key=True)
    wait_started_at = UnicodeAttribute(range_key=True)


class AllDialogsIndex(GlobalSecondaryIndex):
    """The All tab: every dialog, newest activity first."""

    class Meta:
        index_name = "all"
        projection = AllProjection()

    all_key = UnicodeAttribute(hash_key=True)
    last_activity_at = UnicodeAttribute(range_key=True)


class ByStateIndex(GlobalSecondaryIndex):
    """The All tab filtered by state: `state_key = "<state>#<tab shard>"`, newest activity
    first. Keys only: a page reads its rows with one BatchGetItem, and each message rewrites
    only these few bytes here, not the whole lead (docs/performance.md)."""

    class Meta:
        index_name = "by-state"
        projection = KeysOnlyProjection()

    state_key = UnicodeAttribute(hash_key=True)
    last_activity_at = UnicodeAttribute(range_key=True)


class ByBotIndex(GlobalSecondaryIndex):
    """The All tab filtered by bot: one partition per bot, newest activity first. Keys only."""

    class Meta:
        index_name = "by-bot"
        projection = KeysOnlyProjection()

    bot_id = UnicodeAttribute(hash_key=True)
    last_activity_at = UnicodeAttribute(range_key=True)


class ByBotStateIndex(GlobalSecondaryIndex):
    """The All tab filtered by bot and state: `bot_state_key = "<bot id>#<state>"`. Keys only."""

    class Meta:
        index_name = "by-bot-state"
        projection = KeysOnlyProjection()

    bot_state_key = UnicodeAttribute(hash_key=True)
    last_activity_at = UnicodeAttribute(range_key=True)


class LastMessage(MapAttribute):
    seq = NumberAttribute()
    sender = UnicodeAttribute(attr_name="from")
    text = UnicodeAttribute(default="")
    at = UnicodeAttribute()


class LeadModel(Model):
    class Meta(_Meta):
        kind = "leads"

    id = UnicodeAttribute(hash_key=True)
    bot_id = UnicodeAttribute()
    lead_ref = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    avatar_url = UnicodeAttribute(null=True)
    channel = UnicodeAttribute(null=True)
    messenger = UnicodeAttribute(null=True)
    language = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    tags = ListAttribute(of=UnicodeAttribute, default=list)
    # The lead's variables (R1), including sys_phone and sys_email (R2).
    attributes = MapAttribute(default=dict)
    created_at = UnicodeAttribute()
    last_activity_at = UnicodeAttribute()
    dialog_state = UnicodeAttribute(default="bot")
    operators = ListAttribute(of=UnicodeAttribute, default=list)
    # Bumped by every transition: the condition that makes transitions race-free.
    dialog_version = NumberAttribute(default=0)
    # The last message's sequence number: the condition that orders messages.
    seq = NumberAttribute(default=0)
    # Lead messages that no operator has read yet (reset by an operator's reply or mark-read).
    unread = NumberAttribute(default=0)
    # Bumped by every edit of the lead's own fields (bot PUT, operator edit): with `seq`,
    # `dialog_version` and `unread` it makes every write conditioned on all it read, so the
    # Mine-tab copies and the webhook's `lead.updated` never carry a stale name or status.
    # Absent on items written before it existed, which reads as 0.
    lead_version = NumberAttribute(default=0)
    waiting_since = UnicodeAttribute(null=True)
    # The waiting clock (domain/wait_clock.py): the first lead message no operator answered
    # yet, and when the current wait began (`waiting_since` on Waiting, `unanswered_since`
    # with operators), with its sparse index key `clock_key` ("clock#<shard>").
    unanswered_since = UnicodeAttribute(null=True)
    wait_started_at = UnicodeAttribute(null=True)
    clock_key = UnicodeAttribute(null=True)
    last_message = LastMessage(null=True)
    waiting_key = UnicodeAttribute(null=True)
    all_key = UnicodeAttribute()
    # The All tab's filters; absent on leads stored before them until the backfill
    # (docs/runbook.md, "Search and filter backfill").
    state_key = UnicodeAttribute(null=True)
    bot_state_key = UnicodeAttribute(null=True)

    waiting = WaitingIndex()
    all_dialogs = AllDialogsIndex()
    waiting_since_index = WaitingSinceIndex()
    wait_clock_index = WaitClockIndex()
    by_state = ByStateIndex()
    by_bot = ByBotIndex()
    by_bot_state = ByBotStateIndex()


# --- the Mine tab -----------------------------------------------------------------------

class MineByActivityIndex(LocalSecondaryIndex):
    class Meta:
        index_name = "by-activity"
        projection = AllProjection()

    operator = UnicodeAttribute(hash_key=True)
    last_activity_at = UnicodeAttribute(range_key=True)


class OperatorDialogModel(Model):
    """One item per (operator, dialog they are in): the Mine tab. It carries a copy of the
    dialog's summary so that a page of Mine is one Query; every write that changes a
    dialog in state `operator` updates these copies in the same transaction."""

    class Meta(_Meta):
        kind = "operator_dialogs"

    operator = UnicodeAttribute(hash_key=True)
    lead_id = UnicodeAttribute(range_key=True)
    joined_at = UnicodeAttribute()
    last_activity_at = UnicodeAttribute()
    summary = MapAttribute(default=dict)

    by_activity = MineByActivityIndex()


# --- messages ---------------------------------------------------------------------------

class Attachment(MapAttribute):
    upload_id = UnicodeAttribute()
    key = UnicodeAttribute()
    name = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    preview = BooleanAttribute(default=False)


class MessageModel(Model):
    """A dialog's messages, ordered by `seq` (strictly increasing per dialog)."""

    class Meta(_Meta):
        kind = "messages"

    lead_id = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)
    sender = UnicodeAttribute(attr_name="from")  # lead | bot | operator | system | note
    text = UnicodeAttribute(null=True)
    attachments = ListAttribute(of=Attachment, default=list)
    bot_message_id = UnicodeAttribute(null=True)
    operator = UnicodeAttribute(null=True)
    # For bot messages appended by a system script: "return" or "operator_transfer".
    system_script = UnicodeAttribute(null=True)
    # For system messages: the dialog event they record (e.g. "dialog.operator_joined").
    event = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    sent_at = UnicodeAttribute(null=True)
    # Operator and script messages: sent | delivered | failed (webhook to the bot).
    delivery = UnicodeAttribute(null=True)
    # Notes (`from: "note"`, operators only): the usernames the note @-mentions.
    mentions = ListAttribute(of=UnicodeAttribute, null=True)


class MessageRefModel(Model):
    """Makes posting a message idempotent: one item per (dialog, sender's message id).

    A new message writes its ref in the same transaction, conditioned on the ref not
    existing, so a bot's retry (or ten parallel retries) stores exactly one message."""

    class Meta(_Meta):
        kind = "message_refs"

    lead_id = UnicodeAttribute(hash_key=True)
    ref = UnicodeAttribute(range_key=True)  # "bot:<bot message id>" | "operator:<client id>"
    seq = NumberAttribute()
    fingerprint = UnicodeAttribute()
    created_at = UnicodeAttribute()


# --- uploads ----------------------------------------------------------------------------

class UploadModel(Model):
    """An attachment upload: presigned, then checked, then used by exactly one message."""

    class Meta(_Meta):
        kind = "uploads"

    id = UnicodeAttribute(hash_key=True)
    owner = UnicodeAttribute()  # "bot:<bot id>" | "operator:<username>"
    key = UnicodeAttribute()
    filename = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    status = UnicodeAttribute(default="pending")  # pending | used
    created_at = UnicodeAttribute()
    # Unused uploads disappear from the table (the bucket's lifecycle rule removes the object).
    expires_at = TTLAttribute(null=True)
