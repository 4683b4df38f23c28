"""The bots table (chalicelib/storage/models.py: `BotModel`): reads and conditional writes of
one bot item, each a single request. Bots are listed by a Query on the `by-name` index
(never a table scan): a contact center has tens of bots."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pynamodb.exceptions import UpdateError

from chalicelib.storage.errors import condition_failed
from chalicelib.storage.models import BotModel


class BotStore:
    def add(self, bot: BotModel) -> None:
        """A new bot; its id is random, so the condition only guards against a collision."""
        bot.save(condition=BotModel.id.does_not_exist())

    def all(self) -> list[BotModel]:
        return list(BotModel.by_name.query("bots"))

    def change(self, bot: BotModel, fields: Mapping[str, Any], now: str) -> None:
        """Set `fields` (model attribute names; None removes one) on a bot that exists. A new
        `webhook_url` is a fresh start for a webhook that a 410 had disabled."""
        actions = [getattr(BotModel, name).set(value) for name, value in fields.items() if value is not None]
        actions += [getattr(BotModel, name).remove() for name, value in fields.items() if value is None]
        if "webhook_url" in fields:
            actions += [BotModel.webhook_disabled_at.remove(), BotModel.webhook_disabled_reason.remove()]
        actions.append(BotModel.updated_at.set(now))
        bot.update(actions, condition=BotModel.id.exists())

    def set_api_key(self, bot: BotModel, key_hash: str, key_hint: str, now: str) -> None:
        bot.update([BotModel.api_key_hash.set(key_hash), BotModel.api_key_hint.set(key_hint),
                    BotModel.updated_at.set(now)], condition=BotModel.id.exists())

    def rotate_webhook_secret(self, bot: BotModel, secret: str, now: str) -> bool:
        """The new secret signs, the one read keeps signing too (Standard Webhooks rotation).
        Conditioned on the secret read: a rotation in between would otherwise be dropped, and
        the secret it handed out never sign. False when that happened (read again)."""
        try:
            bot.update([BotModel.webhook_secret_previous.set(bot.webhook_secret), BotModel.webhook_secret.set(secret),
                        BotModel.updated_at.set(now)], condition=BotModel.webhook_secret == bot.webhook_secret)
        except UpdateError as error:
            if condition_failed(error):
                return False
            raise
        return True

    def get(self, bot_id: str) -> BotModel | None:
        """The bot as it is now (a strongly consistent read: an admin's change to its webhook
        URL, secret or `enabled` counts from the next call on), or None if there is none."""
        try:
            return BotModel.get(bot_id, consistent_read=True)
        except BotModel.DoesNotExist:
            return None

    def disable_webhook(self, bot: BotModel, now: str, reason: str) -> bool:
        """Mark the bot's webhook disabled, unless its URL changed since `bot` was read (an
        admin set a new one meanwhile: that one stays enabled). Answers whether it was
        disabled; a write that fails otherwise raises."""
        try:
            bot.update(
                [BotModel.webhook_disabled_at.set(now), BotModel.webhook_disabled_reason.set(reason)],
                condition=BotModel.webhook_url == bot.webhook_url,
            )
        except UpdateError as error:
            if condition_failed(error):
                return False
            raise
        return True
