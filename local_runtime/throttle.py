"""The per-bot request limit of the local gateway: what the bots' API Gateway usage plan does
in AWS (infra/bot_limits.py, docs/security.md "Per-bot limits"), done in the gateway process,
the one front of every worker, so the limit holds however many worker processes ("containers")
serve the bot.

Each bot route's request is counted against the same identity the AWS authorizer names
(chalicelib/api/bot_authorizer.py `usage_identifier`: the SHA-256 of the key's secret, the
value of the bot's API Gateway key). Over the limit, the answer is the one AWS's THROTTLED gateway
response gives: 429, `Retry-After`, the app's `rate_limited` body; the worker never sees it.
Requests with no Authorization header pass on (AWS answers 401 there itself; the app does here),
as does the public OpenAPI document.

    HANDOVER_RATE_LIMIT_BOT=100/300   per-bot requests per second / burst (as in infra/stages.py)
    HANDOVER_RATE_LIMIT_BOT=off       no limit (load benchmarks, fuzzing)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping

from chalicelib.api.bot_authorizer import usage_identifier
from chalicelib.api.rate_limits import DEFAULT_BOT, Buckets, Limit, RateLimited
from infra.bot_limits import PUBLIC_BOT_PATHS, throttled_body

THROTTLED_ERROR_TYPE = "TooManyRequestsException"


class BotThrottle:
    def __init__(self, limit: Limit | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.buckets = Buckets(limit, clock)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> BotThrottle:
        text = (os.environ if environ is None else environ).get("HANDOVER_RATE_LIMIT_BOT", DEFAULT_BOT)
        try:
            return cls(Limit.parse(text))
        except ValueError:
            return cls(Limit.parse(DEFAULT_BOT))

    def refusal(self, path: str, headers: Mapping[str, str]) -> tuple[int, dict[str, str], dict] | None:
        """None to pass the request on; else (status, headers, JSON body) of the 429."""
        if not path.startswith("/bot/") or path in PUBLIC_BOT_PATHS:
            return None
        authorization = headers.get("Authorization") or headers.get("authorization")
        if not authorization:
            return None
        try:
            self.buckets.take(usage_identifier(authorization))
        except RateLimited as refused:
            # x-amzn-ErrorType marks what the gateway answers itself (as its 504 does): the
            # worker never saw this request.
            return 429, {"Retry-After": str(refused.retry_after), "x-amzn-ErrorType": THROTTLED_ERROR_TYPE}, \
                throttled_body(refused.retry_after)
        return None
