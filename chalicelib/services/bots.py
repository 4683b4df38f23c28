"""Bots: create, list, edit, rotate the API key. Used by the admin API and the ops command.

A new or rotated API key is returned once and stored only as a hash. Bots are listed by
a Query on the `by-name` index (never a table scan).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import UpdateError

from chalicelib.clock import Clock, iso
from chalicelib.domain.credentials import new_api_key, new_webhook_secret
from chalicelib.domain.errors import Busy, NotFound
from chalicelib.domain.ids import new_bot_id
from chalicelib.storage.models import BotModel

_ROTATION_ATTEMPTS = 5


@dataclass(frozen=True)
class BotSecrets:
    """Shown to the caller once, at creation or rotation."""

    api_key: str | None = None
    webhook_secret: str | None = None


def bot_view(bot: BotModel) -> dict[str, Any]:
    return {
        "id": bot.id,
        "name": bot.name,
        "webhook_url": bot.webhook_url,
        "webhook_disabled_at": bot.webhook_disabled_at,
        "webhook_disabled_reason": bot.webhook_disabled_reason,
        "enabled": bool(bot.enabled),
        "api_key_hint": "…" + (bot.api_key_hint or ""),
        "scripts": {"return": list(bot.return_script or []),
                    "operator_transfer": list(bot.operator_transfer_script or [])},
        "created_at": bot.created_at,
        "updated_at": bot.updated_at,
    }


class BotService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

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
            created_at=now,
            updated_at=now,
        )
        bot.save(condition=BotModel.id.does_not_exist())
        return bot, BotSecrets(api_key=key.value, webhook_secret=secret)

    def get(self, bot_id: str) -> BotModel:
        if not re.match(r"^bot_[a-z0-9]{1,64}$", bot_id or ""):
            raise NotFound("bot_not_found", "no such bot")
        try:
            return BotModel.get(bot_id, consistent_read=True)
        except BotModel.DoesNotExist:
            raise NotFound("bot_not_found", "no such bot") from None

    def list(self) -> list[BotModel]:
        return list(BotModel.by_name.query("bots"))

    def update(self, bot_id: str, fields: dict[str, Any]) -> BotModel:
        bot = self.get(bot_id)
        if not fields:
            return bot
        actions = [getattr(BotModel, name).set(value) for name, value in fields.items() if value is not None]
        actions += [getattr(BotModel, name).remove() for name, value in fields.items() if value is None]
        if "webhook_url" in fields:
            # A new URL is a fresh start for a webhook that a 410 had disabled.
            actions += [BotModel.webhook_disabled_at.remove(), BotModel.webhook_disabled_reason.remove()]
        actions.append(BotModel.updated_at.set(iso(self.clock.now())))
        bot.update(actions, condition=BotModel.id.exists())
        return bot

    def rotate_key(self, bot_id: str) -> tuple[BotModel, BotSecrets]:
        """A new API key; the old one stops working at once."""
        bot = self.get(bot_id)
        key = new_api_key(bot.id)
        bot.update(
            [BotModel.api_key_hash.set(key.hash), BotModel.api_key_hint.set(key.hint),
             BotModel.updated_at.set(iso(self.clock.now()))],
            condition=BotModel.id.exists(),
        )
        return bot, BotSecrets(api_key=key.value)

    def rotate_webhook_secret(self, bot_id: str) -> tuple[BotModel, BotSecrets]:
        """A new signing secret; the previous one keeps signing too until the next rotation,
        so a bot can switch over without dropping a call."""
        secret = new_webhook_secret()
        for _ in range(_ROTATION_ATTEMPTS):
            bot = self.get(bot_id)
            try:
                # Conditioned on the secret that becomes the previous one: a rotation in
                # between would otherwise be dropped, and the secret it handed out never sign.
                bot.update(
                    [BotModel.webhook_secret_previous.set(bot.webhook_secret), BotModel.webhook_secret.set(secret),
                     BotModel.updated_at.set(iso(self.clock.now()))],
                    condition=BotModel.webhook_secret == bot.webhook_secret,
                )
            except UpdateError as error:
                if getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException":
                    continue  # read again: rotate from the secret the other rotation set
                raise
            return bot, BotSecrets(webhook_secret=secret)
        raise Busy("the bot's webhook secret is being rotated right now; try again")
