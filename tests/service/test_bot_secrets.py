"""Rotating a bot's webhook secret while another rotation runs: both new secrets stay valid."""

from __future__ import annotations

from chalicelib.storage.models import BotModel
from tests.conftest import make_bot


def test_a_rotation_racing_another_keeps_the_first_new_secret_as_the_previous_one(services, monkeypatch):
    bot = make_bot(services)
    stale = services.bots.get(bot.id)  # read by the second rotation before the first one wrote
    _, first = services.bots.rotate_webhook_secret(bot.id)
    real = services.bots.get
    answers = [stale]
    monkeypatch.setattr(services.bots, "get", lambda bot_id: answers.pop() if answers else real(bot_id))
    rotated, second = services.bots.rotate_webhook_secret(bot.id)
    stored = BotModel.get(bot.id, consistent_read=True)
    # The first admin handed `first` to the bot team: it must still sign (as the previous one).
    assert (stored.webhook_secret, stored.webhook_secret_previous) == (second.webhook_secret, first.webhook_secret)
    assert (rotated.webhook_secret, rotated.webhook_secret_previous) == (second.webhook_secret, first.webhook_secret)
