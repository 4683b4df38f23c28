"""Rate limits on the REST API, per bot key and per operator: 429 with Retry-After.

A token bucket per caller in the memory of the Lambda container (docs/security.md says why):
it costs no AWS request, so the request budgets the tests assert stay as they are, but it is
per container, hence best effort; the account-wide limits belong in front of the app (API
Gateway stage throttling, a WAF rate-based rule keyed on the Authorization header).

    HANDOVER_RATE_LIMIT_BOT=100/300        requests per second / burst, per bot API key
    HANDOVER_RATE_LIMIT_OPERATOR=20/100    per operator (Cognito username)
    ...=off                                no limit (load benchmarks, fuzzing)
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable

import msgspec

from chalicelib.domain.errors import DomainError

DEFAULT_BOT = "100/300"
DEFAULT_OPERATOR = "20/100"
# Callers remembered per container; the least recently seen is forgotten first (a forgotten
# caller starts again with a full bucket, which only ever favours the caller).
MAX_CALLERS = 10_000


class RateLimited(DomainError):
    """HTTP 429; `retry_after` whole seconds until a request would pass."""

    code = "rate_limited"
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many requests; retry in {retry_after} s", retry_after_seconds=retry_after)
        self.retry_after = retry_after


class Limit(msgspec.Struct, frozen=True):
    rate: float  # tokens per second
    burst: float

    @classmethod
    def parse(cls, text: str) -> Limit | None:
        """`rate/burst` (`20/100`), `rate` (burst = rate), or off/0/empty for no limit."""
        text = text.strip().lower()
        if text in ("", "0", "off", "none"):
            return None
        rate, _, burst = text.partition("/")
        limit = cls(float(rate), float(burst or rate))
        if limit.rate <= 0 or limit.burst < 1:
            return None
        return limit


class Buckets:
    def __init__(self, limit: Limit | None, clock: Callable[[], float] = time.monotonic,
                 max_callers: int = MAX_CALLERS) -> None:
        self.limit = limit
        self.clock = clock
        self.max_callers = max_callers
        self._buckets: dict[str, tuple[float, float]] = {}  # caller -> (tokens, when), LRU order

    def take(self, caller: str) -> None:
        """One request of `caller`, or RateLimited."""
        limit = self.limit
        if limit is None:
            return
        now = self.clock()
        tokens, last = self._buckets.pop(caller, (limit.burst, now))
        tokens = min(limit.burst, tokens + max(0.0, now - last) * limit.rate)
        if tokens < 1:
            self._buckets[caller] = (tokens, now)
            raise RateLimited(max(1, math.ceil((1 - tokens) / limit.rate)))
        self._buckets[caller] = (tokens - 1, now)
        while len(self._buckets) > self.max_callers:
            del self._buckets[next(iter(self._buckets))]


class RateLimits(msgspec.Struct):
    bots: Buckets
    operators: Buckets

    @classmethod
    def from_environment(cls) -> RateLimits:
        return cls(Buckets(_limit("HANDOVER_RATE_LIMIT_BOT", DEFAULT_BOT)),
                   Buckets(_limit("HANDOVER_RATE_LIMIT_OPERATOR", DEFAULT_OPERATOR)))


def _limit(name: str, default: str) -> Limit | None:
    try:
        return Limit.parse(os.environ.get(name, default))
    except ValueError:
        return Limit.parse(default)


_current: tuple[object, RateLimits] | None = None


def rate_limits() -> RateLimits:
    """The container's buckets, new with each new set of services (runtime.reset())."""
    global _current
    from chalicelib.bootstrap import services

    owner = services()
    if _current is None or _current[0] is not owner:
        _current = (owner, RateLimits.from_environment())
    return _current[1]


def limit_bot(key_hash: str) -> None:
    # Keyed by the presented key's hash, before it is verified: a flood with the right key is
    # refused without a DynamoDB read, and guessed keys cannot drain the real key's bucket.
    rate_limits().bots.take(key_hash)


def limit_operator(username: str) -> None:
    # After the token is verified: nobody can spend another operator's budget.
    rate_limits().operators.take(username)
