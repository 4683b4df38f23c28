"""Bots: create, list, edit, rotate the API key. Used by the admin API and the ops command.

A new or rotated API key is returned once and stored only as a hash. Bots are listed by
a Query on the `by-name` index (never a table scan).

Each bot also has an API Gateway API key (its per-bot throttle in AWS, docs/security.md,
"Per-bot limits"), kept in step here: created with the bot, replaced with its key, enabled and
disabled with it. Those calls go to API Gateway, never to DynamoDB: the tables' request counts
per operation stay what they were.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from chalicelib.adapters.gateway_keys import GatewayKeys, NoGatewayKeys
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
    def __init__(self, clock: Clock, store: BotStore | None = None, gateway_keys: GatewayKeys | None = None) -> None:
        self.clock = clock
        self.store = store or BotStore()
        self.gateway_keys = gateway_keys or NoGatewayKeys()

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
            unanswered_script=fields.get("unanswered_script", []),
            enabled=fields.get("enabled", True),
            bot_messages_with_operator=fields.get("bot_messages_with_operator", False),
            created_at=now,
            updated_at=now,
        )
        check_size("bot", stored_size(bot), BOT_LIMIT)
        # The gateway key first: if the table write fails, what is left is a key nobody holds
        # the secret of; the other way round, a bot whose every request is refused.
        self.gateway_keys.add(bot.id, key.hash, bool(bot.enabled))
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
            if "enabled" in fields:
                self.gateway_keys.set_enabled(bot.id, bool(fields["enabled"]))
        return bot

    def rotate_key(self, bot_id: str) -> tuple[BotModel, BotSecrets]:
        """A new API key; the old one stops working at once."""
        bot = self.get(bot_id)
        key = new_api_key(bot.id)
        # New gateway key, then the table, then the old gateway key goes: a failure between
        # leaves the old key working, never a bot with no key the gateway accepts.
        kept = self.gateway_keys.add(bot.id, key.hash, bool(bot.enabled))
        self.store.set_api_key(bot, key.hash, key.hint, iso(self.clock.now()))
        self.gateway_keys.drop_others(bot.id, kept)
        return bot, BotSecrets(api_key=key.value)

    def sync_gateway_keys(self) -> int:
        """Give every bot an API Gateway key from what the table holds (its key's hash and
        whether it is enabled): once after the first deploy with per-bot limits, or to repair
        a key someone deleted in the console. Returns how many bots it went through."""
        bots = self.list()
        for bot in bots:
            self.gateway_keys.replace(bot.id, bot.api_key_hash, bool(bot.enabled))
        return len(bots)

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
