"""Bots: create, list, edit, rotate the API key. Used by the admin API and the ops command.

A new or rotated API key is returned once and stored only as a hash. Bots are listed by
a Query on the `by-name` index (never a table scan).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from chalicelib.clock import Clock, iso
from chalicelib.domain.credentials import new_api_key, new_webhook_secret
from chalicelib.domain.errors import Busy, NotFound
from chalicelib.domain.ids import new_bot_id
from chalicelib.domain.sizes import BOT_LIMIT, check_size
from chalicelib.storage.bots import BotStore
from chalicelib.storage.item_sizes import stored_size
from chalicelib.storage.models import BotModel

_ROTATION_ATTEMPTS = 5


@dataclass(frozen=True)
class BotSecrets:
    """Shown to the caller once, at creation or rotation."""

    api_key: str | None = None
    webhook_secret: str | None = None


class BotService:
    def __init__(self, clock: Clock, store: BotStore | None = None) -> None:
        self.clock = clock
        self.store = store or BotStore()

    def create(self, fields: dict[str, Any]) -> tuple[BotModel, BotSecrets]:
        bot_id = new_bot_id()
        key = new_api_key(bot_id)
        secret = new_webhook_secret()
        now = iso(self.clock.now())
        bot = BotModel(
            bot_id,
            name=fields["name"],
            api_key_hash=key.hash,
            api_key_hint=key.hint,
            webhook_url=fields.get("webhook_url"),
            webhook_secret=secret,
            return_script=fields.get("return_script", []),
            operator_transfer_script=fields.get("operator_transfer_script", []),
            enabled=fields.get("enabled", True),
            bot_messages_with_operator=fields.get("bot_messages_with_operator", False),
            created_at=now,
            updated_at=now,
        )
        check_size("bot", stored_size(bot), BOT_LIMIT)
        self.store.add(bot)
        return bot, BotSecrets(api_key=key.value, webhook_secret=secret)

    def get(self, bot_id: str) -> BotModel:
        bot = self.store.get(bot_id) if re.match(r"^bot_[a-z0-9]{1,64}$", bot_id or "") else None
        if bot is None:
            raise NotFound("bot_not_found", "no such bot")
        return bot

    def list(self) -> list[BotModel]:
        return self.store.all()

    def update(self, bot_id: str, fields: dict[str, Any]) -> BotModel:
        bot = self.get(bot_id)
        if fields:
            # On the bot as it would be: two edits, each of one script, may add up past it.
            check_size("bot", stored_size(bot, fields), BOT_LIMIT)
            self.store.change(bot, fields, iso(self.clock.now()))
        return bot

    def rotate_key(self, bot_id: str) -> tuple[BotModel, BotSecrets]:
        """A new API key; the old one stops working at once."""
        bot = self.get(bot_id)
        key = new_api_key(bot.id)
        self.store.set_api_key(bot, key.hash, key.hint, iso(self.clock.now()))
        return bot, BotSecrets(api_key=key.value)

    def rotate_webhook_secret(self, bot_id: str) -> tuple[BotModel, BotSecrets]:
        """A new signing secret; the previous one keeps signing too until the next rotation,
        so a bot can switch over without dropping a call."""
        secret = new_webhook_secret()
        for _ in range(_ROTATION_ATTEMPTS):
            bot = self.get(bot_id)
            if self.store.rotate_webhook_secret(bot, secret, iso(self.clock.now())):
                return bot, BotSecrets(webhook_secret=secret)
            # Another rotation came first: read again and rotate from the secret it set.
        raise Busy("the bot's webhook secret is being rotated right now; try again")
