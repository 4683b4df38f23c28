"""Dead letters: webhook events that failed for good. Admins list them (newest first, a
Query on the `by-time` index) and replay them: a replay puts the event back at the end of
its lead's queue, with the same event id (the bot may have seen it already and dedupes on
`webhook-id`), and removes the dead letter, in one transaction."""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from chalicelib.clock import Clock, iso
from chalicelib.domain.errors import Busy, Conflict, NotFound
from chalicelib.storage.bots import BotStore
from chalicelib.storage.dead_letters import DeadLetterStore, LetterGone
from chalicelib.storage.deliveries import DeadLetterModel
from chalicelib.storage.delivery_queue import SENT
from chalicelib.storage.errors import WriteConflict
from chalicelib.webhooks.delivery import DeliveryWatcher
from chalicelib.webhooks.events import Outgoing, render_body
from chalicelib.webhooks.outbox import delivery_item

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
        "payload": _payload(letter),
    }


def _payload(letter: DeadLetterModel) -> Any:
    """The event as sent; null for a body that cannot be rendered (the `render_failed`
    letters): the letter itself must still show, or the list would fail for every admin."""
    try:
        return json.loads(render_body(letter.body, None, 0))
    except Exception:
        logger.warning("dead letter %s holds a body that cannot be rendered", letter.id)
        return None


class DeadLetters:
    def __init__(self, clock: Clock, watcher: DeliveryWatcher | None = None, *,
                 letters: DeadLetterStore | None = None, bots: BotStore | None = None) -> None:
        self.clock = clock
        self.watcher = watcher
        self.letters = letters or DeadLetterStore()
        self.bots = bots or BotStore()

    def list(self, *, limit: int = 50, cursor: str | None = None, bot_id: str | None = None) -> tuple[
            list[DeadLetterModel], str | None]:
        """A page, newest first, and the next page's cursor (a forged one is a 422)."""
        return self.letters.newest_first(max(1, min(MAX_PAGE, limit)), cursor, bot_id)

    def get(self, letter_id: str) -> DeadLetterModel:
        letter = self.letters.get(letter_id)
        if letter is None:
            raise NotFound("dead_letter_not_found", "no such dead letter")
        return letter

    def replay(self, letter_id: str) -> DeadLetterModel:
        letter = self.get(letter_id)
        bot = self.bots.get(letter.bot_id)
        if bot is None:
            raise NotFound("bot_not_found", "the bot of this dead letter no longer exists")
        if not bot.enabled:
            raise Conflict("bot_disabled", "the bot is disabled: enable it first", bot_id=bot.id)
        if bot.webhook_disabled_at or not bot.webhook_url:
            raise Conflict("webhook_disabled",
                           "the bot's webhook is disabled or has no URL: set its webhook_url first",
                           bot_id=bot.id, webhook_disabled_reason=bot.webhook_disabled_reason)
        seq = self.letters.lead_seq(letter.lead_id)
        now = iso(self.clock.now())
        # After everything the lead's queue holds now ('~' sorts after the digits); letters
        # replayed in one go keep their original order through the old position.
        position = f"{seq:012d}~{now}r{letter.position}.{int(letter.index or 0):03d}.{secrets.token_hex(2)}"
        event = Outgoing(letter.id, letter.type, letter.body, letter.message_seq)
        try:
            self.letters.replay(letter, delivery_item(letter.lead_id, letter.bot_id, position, [event], now))
        except LetterGone:
            # A concurrent replay took it (or its message is gone): answer what is there now.
            raise NotFound("dead_letter_not_found", "the dead letter was replayed or removed meanwhile") from None
        except WriteConflict:
            raise Busy("the dead letter is being replayed right now; try again") from None
        # Anything else (throttling, a failing DynamoDB) raises: nothing was written, the API answers 503.
        if self.watcher is not None and letter.message_seq is not None:
            try:
                self.watcher.delivery_changed(letter.lead_id, int(letter.message_seq), SENT)
            except Exception:  # the push is a courtesy; the replay is committed
                logger.exception("could not push the delivery state of %s", letter.id)
        return letter

    def replay_all(self, *, bot_id: str | None = None, limit: int = MAX_PAGE) -> list[DeadLetterModel]:
        """Replay up to `limit` dead letters (the oldest), each lead's in their original order."""
        chosen = self.letters.oldest_first(limit, bot_id, page_size=MAX_PAGE)
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
