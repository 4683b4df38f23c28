"""When to try a failed webhook call again.

Attempt n+1 waits min(24 h, 2 min x 3^(n-1)) after attempt n, plus a random 0-25 % (jitter,
so that bots coming back after an outage are not hit by every retry at once). Ten attempts
span 2 m, 6 m, 18 m, 54 m, 2.7 h, 8.1 h, 24 h, 24 h, 24 h: 84 to 105 hours before the
event is dead-lettered, more than the 72 hours a bot's outage over a long weekend needs.
"""

from __future__ import annotations

import random
from collections.abc import Callable

MAX_ATTEMPTS = 10
FIRST_DELAY_SECONDS = 120.0
FACTOR = 3.0
MAX_DELAY_SECONDS = 24 * 3600.0
JITTER = 0.25


def delay_after(attempts: int, rand: Callable[[], float] = random.random, retry_after: float | None = None) -> float:
    """Seconds to wait after the `attempts`-th failed attempt (1-based). A 429's
    `Retry-After` is honoured when it asks for longer (up to a day)."""
    base = min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * FACTOR ** max(0, attempts - 1))
    delay = base * (1.0 + JITTER * rand())
    if retry_after is not None:
        delay = max(delay, min(float(retry_after), MAX_DELAY_SECONDS))
    return delay


def total_span(rand: float) -> float:
    """Seconds from the first attempt to the last, for a fixed jitter draw (docs, tests)."""
    return sum(delay_after(n, lambda: rand) for n in range(1, MAX_ATTEMPTS))
