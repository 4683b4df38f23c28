"""Dead letters: webhook events that failed for good. Admins list them (newest first, a
Query on the `by-time` index) and replay them: a replay puts the event back at the end of
its lead's queue, with the same event id (the bot may have seen it already and dedupes on
`webhook-id`), and removes the dead letter, in one transaction."""

from __future__ import annotations

import base64
import json
import logging
import secrets
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.clock import Clock, iso
from chalicelib.domain.errors import Busy, Conflict, NotFound, ValidationFailed
from chalicelib.storage.deliveries import DeadLetterModel, DeliveryModel, WebhookEvent
from chalicelib.storage.models import BotModel, LeadModel, MessageModel
from chalicelib.webhooks.delivery import SENT, DeliveryWatcher
from chalicelib.webhooks.events import render_body
from chalicelib.webhooks.outbox import due_key

MAX_PAGE = 100

logger = logging.getLogger("handover.webhooks")


def dead_letter_view(letter: DeadLetterModel) -> dict[str, Any]:
    return {
        "id": letter.id,
        "type": letter.type,
        "bot_id": letter.bot_id,
        "lead_id": letter.lead_id,
        "reason": letter.reason,
        "attempts": int(letter.attempts or 0),
        "last_status": int(letter.last_status) if letter.last_status is not None else None,
        "last_error": letter.last_error,
        "created_at": letter.created_at,
        "dead_at": letter.dead_at,
        # What was sent, without attachment links (they are made fresh at each attempt).
        "payload": json.loads(render_body(letter.body, None, 0)),
    }


def _encode_cursor(key: dict[str, Any] | None) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode() if key else None


def _decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError:
        raise ValidationFailed("invalid fields: cursor", fields={"cursor": "not a cursor this API gave out"}) from None
    if not isinstance(key, dict):
        raise ValidationFailed("invalid fields: cursor", fields={"cursor": "not a cursor this API gave out"})
    return key


class DeadLetters:
    def __init__(self, clock: Clock, watcher: DeliveryWatcher | None = None) -> None:
        self.clock = clock
        self.watcher = watcher

    def list(self, *, limit: int = 50, cursor: str | None = None, bot_id: str | None = None) -> tuple[
            list[DeadLetterModel], str | None]:
        limit = max(1, min(MAX_PAGE, limit))
        query = DeadLetterModel.by_time.query(
            "dead_letters",
            scan_index_forward=False,
            filter_condition=(DeadLetterModel.bot_id == bot_id) if bot_id else None,
            limit=limit,
            page_size=limit,
            last_evaluated_key=_decode_cursor(cursor),
        )
        items = list(query)
        return items, _encode_cursor(query.last_evaluated_key) if len(items) >= limit or bot_id else None

    def get(self, letter_id: str) -> DeadLetterModel:
        try:
            return DeadLetterModel.get(letter_id, consistent_read=True)
        except DeadLetterModel.DoesNotExist:
            raise NotFound("dead_letter_not_found", "no such dead letter") from None

    def replay(self, letter_id: str) -> DeadLetterModel:
        letter = self.get(letter_id)
        try:
            bot = BotModel.get(letter.bot_id, consistent_read=True)
        except BotModel.DoesNotExist:
            raise NotFound("bot_not_found", "the bot of this dead letter no longer exists") from None
        if not bot.enabled:
            raise Conflict("bot_disabled", "the bot is disabled: enable it first", bot_id=bot.id)
        if bot.webhook_disabled_at or not bot.webhook_url:
            raise Conflict("webhook_disabled",
                           "the bot's webhook is disabled or has no URL: set its webhook_url first",
                           bot_id=bot.id, webhook_disabled_reason=bot.webhook_disabled_reason)
        try:
            seq = int(LeadModel.get(letter.lead_id, consistent_read=True).seq)
        except LeadModel.DoesNotExist:
            seq = 0
        now = iso(self.clock.now())
        # After everything the lead's queue holds now ('~' sorts after the digits); letters
        # replayed in one go keep their original order through the old position.
        position = f"{seq:012d}~{now}r{letter.position}.{int(letter.index or 0):03d}.{secrets.token_hex(2)}"
        item = DeliveryModel(
            letter.lead_id, position, bot_id=letter.bot_id,
            events=[WebhookEvent(id=letter.id, type=letter.type, body=letter.body, message_seq=letter.message_seq)],
            done=0, attempts=0, next_attempt_at=now, due_key=due_key(letter.lead_id), created_at=now,
        )
        try:
            with TransactWrite(connection=DeliveryModel._get_connection().connection) as transaction:
                transaction.save(item, condition=DeliveryModel.position.does_not_exist())
                transaction.delete(letter, condition=DeadLetterModel.id.exists())
                if letter.message_seq is not None:
                    transaction.update(MessageModel(letter.lead_id, int(letter.message_seq)),
                                       [MessageModel.delivery.set(SENT)], condition=MessageModel.seq.exists())
        except TransactWriteError as error:
            reasons = {getattr(reason, "code", None) for reason in (error.cancellation_reasons or []) if reason}
            if "ConditionalCheckFailed" in reasons:
                # A concurrent replay took it (or its message is gone): answer what is there now.
                raise NotFound("dead_letter_not_found", "the dead letter was replayed or removed meanwhile") from None
            if "TransactionConflict" in reasons:
                raise Busy("the dead letter is being replayed right now; try again") from None
            # Throttling or a failing DynamoDB: nothing was written, the API answers 503.
            raise
        if self.watcher is not None and letter.message_seq is not None:
            try:
                self.watcher.delivery_changed(letter.lead_id, int(letter.message_seq), SENT)
            except Exception:  # the push is a courtesy; the replay is committed
                logger.exception("could not push the delivery state of %s", letter.id)
        return letter

    def replay_all(self, *, bot_id: str | None = None, limit: int = MAX_PAGE) -> list[DeadLetterModel]:
        """Replay up to `limit` dead letters (the oldest), each lead's in their original order."""
        query = DeadLetterModel.by_time.query(
            "dead_letters", scan_index_forward=True,
            filter_condition=(DeadLetterModel.bot_id == bot_id) if bot_id else None,
            page_size=MAX_PAGE,
        )
        chosen: list[DeadLetterModel] = []
        for letter in query:
            if len(chosen) >= limit:
                break
            chosen.append(letter)
        # Each lead's letters go back in the order its queue had them (letters that died in
        # the same millisecond, as when a disabled webhook empties a queue, included).
        chosen.sort(key=lambda letter: (letter.lead_id, letter.position, int(letter.index or 0)))
        replayed: list[DeadLetterModel] = []
        for letter in chosen:
            try:
                replayed.append(self.replay(letter.id))
            except NotFound:
                continue
        return replayed
