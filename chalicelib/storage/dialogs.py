"""Reading and writing a dialog: the lead item, its messages, refs, uploads and the
Mine-tab copies, always together.

Reads: `load` fetches the bot, the lead, message refs and uploads a request names in
ONE BatchGetItem (strongly consistent), so a bot call authenticates and loads its lead in
a single round trip.

Writes: `DialogWrite` gathers every item a change touches and commits them in ONE
TransactWriteItems, conditioned on what was read (`seq`, `dialog_version`, `unread`,
`lead_version`). A lost race fails the whole write with `WriteConflict` and the service
retries from a fresh read; nothing is ever half-written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.domain.dialog import Dialog
from chalicelib.domain.dialog_state import DialogState
from chalicelib.storage.errors import CONDITION_FAILED, TRANSACTION_CONFLICT, RefTaken, WriteConflict, cancellation_reasons
from chalicelib.storage.models import (
    BotModel,
    LastMessage,
    LeadModel,
    MessageModel,
    MessageRefModel,
    OperatorDialogModel,
    UploadModel,
)

# DynamoDB's cap on keys per BatchGetItem.
_BATCH_GET_LIMIT = 100


# Transient answers that carry no cancellation reasons: retrying from a fresh read is right.
_RETRYABLE_WITHOUT_REASONS = {"TransactionInProgressException", "TransactionConflictException"}


@dataclass
class Loaded:
    bot: BotModel | None = None
    lead: LeadModel | None = None
    refs: dict[str, MessageRefModel] = field(default_factory=dict)
    uploads: dict[str, UploadModel] = field(default_factory=dict)


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

    def get_lead(self, lead_id: str) -> LeadModel | None:
        try:
            return LeadModel.get(lead_id, consistent_read=True)
        except LeadModel.DoesNotExist:
            return None

    def get_message(self, lead_id: str, seq: int) -> MessageModel | None:
        try:
            return MessageModel.get(lead_id, seq, consistent_read=True)
        except MessageModel.DoesNotExist:
            return None

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
        "last_message": None
        if last is None
        else {"seq": int(last.seq), "from": last.sender, "text": last.text or "", "at": last.at},
    }


def last_message_of(message: MessageModel) -> LastMessage:
    preview = (message.text or "").strip()
    if not preview and message.attachments:
        preview = "📎 " + message.attachments[0].name
    return LastMessage(seq=message.seq, sender=message.sender, text=preview[:200], at=message.created_at)


class DialogWrite:
    """Everything one change writes, committed as one transaction."""

    def __init__(self, store: DialogStore) -> None:
        self.store = store
        self._ops: list[tuple[str, Any, Any, Any]] = []
        self._ref_positions: list[int] = []

    def put(self, item: Model, condition: Any = None, *, is_ref: bool = False) -> None:
        if is_ref:
            self._ref_positions.append(len(self._ops))
        self._ops.append(("save", item, None, condition))

    def update(self, item: Model, actions: list[Any], condition: Any = None) -> None:
        self._ops.append(("update", item, actions, condition))

    def delete(self, item: Model, condition: Any = None) -> None:
        self._ops.append(("delete", item, None, condition))

    def __len__(self) -> int:
        return len(self._ops)

    def commit(self) -> None:
        if not self._ops:
            return
        connection = self.store._connection()
        try:
            with TransactWrite(connection=connection) as transaction:
                for op, item, actions, condition in self._ops:
                    if op == "save":
                        transaction.save(item, condition=condition)
                    elif op == "update":
                        transaction.update(item, actions, condition=condition)
                    else:
                        transaction.delete(item, condition=condition)
        except TransactWriteError as error:
            reasons = cancellation_reasons(error)
            if not reasons:
                if error.cause_response_code in _RETRYABLE_WITHOUT_REASONS:
                    raise WriteConflict([error.cause_response_code]) from error
                raise
            failed = {i for i, code in enumerate(reasons) if code == CONDITION_FAILED}
            if failed and failed <= set(self._ref_positions):
                raise RefTaken(reasons) from error
            if any(code in (CONDITION_FAILED, TRANSACTION_CONFLICT) for code in reasons):
                raise WriteConflict(reasons) from error
            raise


def put_summary_copies(write: DialogWrite, lead: LeadModel, operators: Iterable[str]) -> None:
    """Refresh the Mine-tab copy of every operator in the dialog."""
    summary = summary_of(lead)
    for operator in operators:
        write.update(
            OperatorDialogModel(operator, lead.id),
            [
                OperatorDialogModel.last_activity_at.set(lead.last_activity_at),
                OperatorDialogModel.summary.set(summary),
            ],
            condition=OperatorDialogModel.operator.exists(),
        )
