"""Reading and writing a dialog: the lead item, its messages, refs, uploads and the
Mine-tab copies, always together.

Reads: `load` fetches the bot, the lead, message refs and uploads a request names in
ONE BatchGetItem (strongly consistent), so a bot call authenticates and loads its lead in
a single round trip.

Writes: `DialogWrite` (storage/dialog_write.py) gathers every item a change touches and
commits them in ONE TransactWriteItems, conditioned on what was read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec
from pynamodb.connection import Connection
from pynamodb.models import Model

from chalicelib.domain.dialog import Dialog
from chalicelib.domain.dialog_state import DialogState
from chalicelib.storage.models import (
    BotModel,
    LastMessage,
    LeadModel,
    MessageModel,
    MessageRefModel,
    UploadModel,
)

# DynamoDB's cap on keys per BatchGetItem.
_BATCH_GET_LIMIT = 100


class Loaded(msgspec.Struct):
    bot: BotModel | None = None
    lead: LeadModel | None = None
    refs: dict[str, MessageRefModel] = msgspec.field(default_factory=dict)
    uploads: dict[str, UploadModel] = msgspec.field(default_factory=dict)


def _raw_key(model: type[Model], hash_key: Any, range_key: Any = None) -> dict[str, Any]:
    """A key in DynamoDB's wire format, for the low-level multi-table BatchGetItem."""
    hash_attr = model._hash_key_attribute()
    key = {model._hash_keyname: {hash_attr.attr_type: hash_attr.serialize(hash_key)}}
    if range_key is not None:
        range_attr = model._range_key_attribute()
        key[model._range_keyname] = {range_attr.attr_type: range_attr.serialize(range_key)}
    return key


def dialog_of(lead: LeadModel) -> Dialog:
    return Dialog(DialogState(lead.dialog_state), tuple(lead.operators or ()))


def tab_shard(settings_shards: int, lead_id: str) -> int:
    """A stable shard number for the tab indexes (docs/data-model.md)."""
    if settings_shards <= 1:
        return 0
    return int(lead_id[-6:], 36) % settings_shards


class DialogStore:
    def __init__(self, tab_shards: int = 1) -> None:
        self.tab_shards = tab_shards

    # --- keys ---------------------------------------------------------------------------
    def all_key(self, lead_id: str) -> str:
        return f"all#{tab_shard(self.tab_shards, lead_id)}"

    def waiting_key(self, lead_id: str) -> str:
        return f"waiting#{tab_shard(self.tab_shards, lead_id)}"

    def clock_key(self, lead_id: str) -> str:
        return f"clock#{tab_shard(self.tab_shards, lead_id)}"
    def state_key(self, lead_id: str, state: str) -> str:
        """The All tab's state filter, write-sharded like the tabs (a state as busy as `bot`
        takes nearly every message's index write)."""
        return f"{state}#{tab_shard(self.tab_shards, lead_id)}"

    @staticmethod
    def bot_state_key(bot_id: str, state: str) -> str:
        return f"{bot_id}#{state}"

    # --- reads --------------------------------------------------------------------------
    @staticmethod
    def _connection() -> Connection:
        return LeadModel._get_connection().connection

    def load(
        self,
        *,
        bot_id: str | None = None,
        lead_id: str | None = None,
        refs: Iterable[str] = (),
        upload_ids: Iterable[str] = (),
    ) -> Loaded:
        """One BatchGetItem for everything a request needs (strongly consistent)."""
        wanted: list[tuple[type[Model], Any, Any]] = []
        if bot_id:
            wanted.append((BotModel, bot_id, None))
        if lead_id:
            wanted.append((LeadModel, lead_id, None))
            wanted.extend((MessageRefModel, lead_id, ref) for ref in refs)
        wanted.extend((UploadModel, upload_id, None) for upload_id in upload_ids)
        loaded = Loaded()
        if not wanted:
            return loaded
        request: dict[str, dict[str, Any]] = {}
        for model, hash_key, range_key in wanted:
            table = model.Meta.table_name
            entry = request.setdefault(table, {"Keys": [], "ConsistentRead": True})
            entry["Keys"].append(_raw_key(model, hash_key, range_key))
        by_table = {model.Meta.table_name: model for model, _, _ in wanted}
        pending = request
        while pending:
            response = self._connection().dispatch("BatchGetItem", {"RequestItems": pending})
            for table, items in response.get("Responses", {}).items():
                model = by_table[table]
                for raw in items:
                    self._place(loaded, model.from_raw_data(raw))
            # DynamoDB may leave keys unprocessed under load; ask again for just those.
            pending = response.get("UnprocessedKeys") or {}
        return loaded

    @staticmethod
    def _place(loaded: Loaded, item: Model) -> None:
        if isinstance(item, BotModel):
            loaded.bot = item
        elif isinstance(item, LeadModel):
            loaded.lead = item
        elif isinstance(item, MessageRefModel):
            loaded.refs[item.ref] = item
        elif isinstance(item, UploadModel):
            loaded.uploads[item.id] = item

    def add_upload(self, upload: UploadModel) -> None:
        """An announced upload (ids are random: the condition only guards against a collision)."""
        upload.save(condition=UploadModel.id.does_not_exist())

    def get_lead(self, lead_id: str) -> LeadModel | None:
        try:
            return LeadModel.get(lead_id, consistent_read=True)
        except LeadModel.DoesNotExist:
            return None

    def get_bot(self, bot_id: str) -> BotModel | None:
        """The bot whose system scripts a transition runs (eventually consistent: a script
        edited a moment ago may run in its previous wording once)."""
        try:
            return BotModel.get(bot_id)
        except BotModel.DoesNotExist:
            return None

    def get_message(self, lead_id: str, seq: int) -> MessageModel | None:
        try:
            return MessageModel.get(lead_id, seq, consistent_read=True)
        except MessageModel.DoesNotExist:
            return None

    def leads(self, lead_ids: Iterable[str]) -> list[LeadModel]:
        """Several leads, strongly consistent: one BatchGetItem per 100 (PynamoDB splits)."""
        return list(LeadModel.batch_get(sorted(set(lead_ids)), consistent_read=True))

    def entered_waiting(self, oldest: str, newest: str) -> list[tuple[str, str]]:
        """(lead id, waiting_since) of every dialog that entered Waiting in (oldest, newest]:
        one Query per tab shard of the sparse, keys-only `waiting-since` index."""
        found: list[tuple[str, str]] = []
        for shard in range(max(1, self.tab_shards)):
            # The same partition keys as the `waiting` index (`waiting_key`).
            for item in LeadModel.waiting_since_index.query(
                f"waiting#{shard}", LeadModel.waiting_since.between(oldest, newest)
            ):
                if item.waiting_since and item.waiting_since > oldest:
                    found.append((item.id, item.waiting_since))
        return found

    def waits_started(self, oldest: str, newest: str) -> list[tuple[str, str]]:
        """(lead id, wait_started_at) of every dialog whose lead has waited for an operator
        since a moment in (oldest, newest] and still does: one Query per tab shard of the
        sparse, keys-only `wait-clock` index."""
        found: list[tuple[str, str]] = []
        for shard in range(max(1, self.tab_shards)):
            for item in LeadModel.wait_clock_index.query(
                f"clock#{shard}", LeadModel.wait_started_at.between(oldest, newest)
            ):
                if item.wait_started_at and item.wait_started_at > oldest:
                    found.append((item.id, item.wait_started_at))
        return found

    def oldest_waiting_since(self) -> str | None:
        """When the longest-waiting dialog on Waiting entered it (None: nobody waits): the first
        key of each tab shard of the `waiting-since` index, one Query of one item per shard."""
        firsts = [
            item.waiting_since
            for shard in range(max(1, self.tab_shards))
            for item in LeadModel.waiting_since_index.query(f"waiting#{shard}", scan_index_forward=True, limit=1,
                                                             page_size=1)
            if item.waiting_since
        ]
        return min(firsts) if firsts else None

    def message_page(self, lead_id: str, limit: int, before_seq: int | None = None) -> list[MessageModel]:
        """Newest first: one Query whatever the history's length (R9)."""
        condition = MessageModel.seq < before_seq if before_seq is not None else None
        return list(
            MessageModel.query(lead_id, condition, scan_index_forward=False, limit=limit, page_size=limit)
        )

    def messages_after(self, lead_id: str, after_seq: int, limit: int) -> list[MessageModel]:
        """Oldest first, for a client that knows the last seq it saw (resync after reconnect)."""
        return list(
            MessageModel.query(
                lead_id, MessageModel.seq > after_seq, scan_index_forward=True, limit=limit, page_size=limit
            )
        )


def lead_attributes(lead: LeadModel) -> dict[str, Any]:
    """The lead's variables as a plain dict: a lead built in this process holds a dict, one
    read from DynamoDB a MapAttribute (whose numbers PynamoDB reads as int or float)."""
    raw = lead.attributes
    return dict(raw.as_dict() if hasattr(raw, "as_dict") else raw or {})


def summary_of(lead: LeadModel) -> dict[str, Any]:
    """What a tab shows of a dialog (copied into the Mine-tab items)."""
    last = lead.last_message
    return {
        "lead_id": lead.id,
        "bot_id": lead.bot_id,
        "name": lead.name,
        "avatar_url": lead.avatar_url,
        "messenger": lead.messenger,
        "state": lead.dialog_state,
        "operators": list(lead.operators or []),
        "last_activity_at": lead.last_activity_at,
        "unread": int(lead.unread or 0),
        # When the lead's current wait for an operator began (domain/wait_clock.py); None
        # when nobody waits. The UI runs its clock and the "waiting too long" mark from it.
        "wait_started_at": lead.wait_started_at,
        "last_message": None
        if last is None
        else {"seq": int(last.seq), "from": last.sender, "text": last.text or "", "at": last.at},
    }


def last_message_of(message: MessageModel) -> LastMessage:
    preview = (message.text or "").strip()
    if not preview and message.attachments:
        preview = "📎 " + message.attachments[0].name
    return LastMessage(seq=message.seq, sender=message.sender, text=preview[:200], at=message.created_at)
