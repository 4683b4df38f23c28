"""The bots table (chalicelib/storage/models.py: `BotModel`): reads and conditional writes of
one bot item, each a single request."""

from __future__ import annotations

from pynamodb.exceptions import UpdateError

from chalicelib.storage.errors import condition_failed
from chalicelib.storage.models import BotModel


class BotStore:
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
