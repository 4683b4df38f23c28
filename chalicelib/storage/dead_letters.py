"""The dead letters (`dead_letters` table, storage/deliveries.py): pages of them for admins,
and the replay transaction that puts one back into its lead's delivery queue."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.storage.deliveries import DeadLetterModel, DeliveryModel
from chalicelib.storage.delivery_queue import SENT, set_message_delivery, transaction
from chalicelib.storage.errors import WriteConflict, cancellation_reasons, condition_failed, lost_race
from chalicelib.storage.models import LeadModel
from chalicelib.storage.pages import check_key, decode_cursor, encode_cursor

# The `by-time` index's one partition (every dead letter has it).
DIRECTORY = "dead_letters"
# A page's cursor holds the `by-time` Query's LastEvaluatedKey: the table's key and the index's.
_PAGE_KEY: dict[str, str | None] = {"id": None, "directory": DIRECTORY, "dead_at": None}


class LetterGone(Exception):
    """A replay's condition failed: a concurrent replay took the dead letter first (or the
    delivery position or the event's message is gone). Nothing was written."""


def _of_bot(bot_id: str | None) -> Any:
    # A filter, not a key condition: DynamoDB applies it after `Limit`, so a page may come
    # back short (even empty) while more letters follow.
    return (DeadLetterModel.bot_id == bot_id) if bot_id else None


class DeadLetterStore:
    def newest_first(self, limit: int, cursor: str | None = None, bot_id: str | None = None) -> tuple[
            list[DeadLetterModel], str | None]:
        """A page of dead letters, newest first, and the cursor of the next page (None at the
        end). A cursor this API did not give out is a 422 (storage/pages.py), never a
        DynamoDB error: it is checked to be exactly a key of the `by-time` index."""
        start = check_key(decode_cursor(cursor).get("k"), _PAGE_KEY) if cursor else None
        query = DeadLetterModel.by_time.query(
            DIRECTORY,
            scan_index_forward=False,
            filter_condition=_of_bot(bot_id),
            limit=limit,
            page_size=limit,
            last_evaluated_key=start,
        )
        items = list(query)
        # A short page ends the list, unless a filter made it short.
        last = query.last_evaluated_key if len(items) >= limit or bot_id else None
        return items, encode_cursor({"k": last}) if last else None

    def oldest_first(self, limit: int, bot_id: str | None = None, page_size: int = 100) -> list[DeadLetterModel]:
        """Up to `limit` dead letters (of the bot, if given), oldest first."""
        query = DeadLetterModel.by_time.query(DIRECTORY, scan_index_forward=True, filter_condition=_of_bot(bot_id),
                                              page_size=page_size)
        chosen: list[DeadLetterModel] = []
        for letter in query:
            if len(chosen) >= limit:
                break
            chosen.append(letter)
        return chosen

    def get(self, letter_id: str) -> DeadLetterModel | None:
        try:
            return DeadLetterModel.get(letter_id, consistent_read=True)
        except DeadLetterModel.DoesNotExist:
            return None

    def lead_seq(self, lead_id: str) -> int:
        """The lead's `seq` now (0 if the lead is gone): every item in its delivery queue
        sorts at or before a position that starts with it."""
        try:
            return int(LeadModel.get(lead_id, consistent_read=True).seq)
        except LeadModel.DoesNotExist:
            return 0

    def replay(self, letter: DeadLetterModel, item: DeliveryModel) -> None:
        """In one transaction: `item` (the letter's event) joins its lead's queue, the letter
        goes, and the event's message shows "sent" again. Raises `LetterGone` when a
        condition failed and `WriteConflict` when another transaction held one of the items;
        anything else (throttling, a failing DynamoDB) raises as it came: nothing was written."""
        try:
            with transaction() as write:
                write.save(item, condition=DeliveryModel.position.does_not_exist())
                write.delete(letter, condition=DeadLetterModel.id.exists())
                if letter.message_seq is not None:
                    set_message_delivery(write, letter.lead_id, int(letter.message_seq), SENT)
        except TransactWriteError as error:
            if condition_failed(error):
                raise LetterGone() from error
            if lost_race(error):
                raise WriteConflict(cancellation_reasons(error)) from error
            raise
