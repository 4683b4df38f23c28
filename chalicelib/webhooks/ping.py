"""A test delivery (docs/webhooks.md, "Test delivery"): one signed `ping` event POSTed to a
bot's webhook now, while the admin waits, with the outcome answered (status, latency, error).

It goes through the same transport (`SafeTransport`: https only in AWS, public addresses
only, no redirects) and the same signing (both secrets during a rotation) as every real
delivery, so a green test means the real events will get through, signature included. It
writes nothing: a ping is not queued, never retried, never dead-lettered, and does not
re-enable a webhook that a 410 disabled (a new webhook URL does that).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.clock import Clock, iso
from chalicelib.domain.errors import Conflict
from chalicelib.storage.models import BotModel
from chalicelib.text import dumps
from chalicelib.webhooks import signing
from chalicelib.webhooks.events import new_event_id
from chalicelib.webhooks.transport import Transport

PING = "ping"
# Shorter than a real delivery's 10 s: the admin is waiting, and API Gateway gives a REST
# call at most 29 s.
PING_TIMEOUT_SECONDS = 5.0
# What of the bot's answer is shown back (its first characters, as text).
ANSWER_PREVIEW = 500


@dataclass(frozen=True)
class PingOutcome:
    event_id: str
    url: str
    ok: bool
    status: int | None
    latency_ms: int
    error: str | None
    answer: str


class WebhookPing:
    def __init__(self, clock: Clock, transport: Transport, *, wall: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.transport = transport
        # The webhook-timestamp is wall time, as in real deliveries (bots check it).
        self.wall = wall
        self.monotonic = monotonic

    def ping(self, bot: BotModel) -> PingOutcome:
        if not bot.webhook_url:
            raise Conflict("no_webhook_url", "the bot has no webhook URL: set one first", bot_id=bot.id)
        event_id = new_event_id()
        payload = {"id": event_id, "type": PING, "timestamp": iso(self.clock.now()),
                   "data": {"bot_id": bot.id, "test": True}}
        body = dumps(payload, compact=True).encode("utf-8")
        headers = signing.headers(event_id, int(self.wall()), body,
                                  [bot.webhook_secret, bot.webhook_secret_previous or ""])
        started = self.monotonic()
        answer = self.transport.post(str(bot.webhook_url), body, headers)
        latency_ms = max(0, round((self.monotonic() - started) * 1000))
        return PingOutcome(event_id=event_id, url=str(bot.webhook_url), ok=answer.ok, status=answer.status,
                           latency_ms=latency_ms, error=answer.error, answer=answer.body[:ANSWER_PREVIEW])
