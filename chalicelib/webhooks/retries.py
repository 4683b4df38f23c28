"""When to try a failed webhook call again.

First fast, then long: a single transient failure (a bot restarting, a dropped connection)
should cost the lead seconds, not the two minutes of the long backoff, while a bot that is
down for a weekend still gets its events for more than three days.

- after attempts 1, 2 and 3: 1 s, 5 s, 30 s (FAST_DELAYS);
- after attempt n >= 4: min(24 h, 2 min x 3^(n-4)): 2 m, 6 m, 18 m, 54 m, 2.7 h, 8.1 h, 24 h, 24 h, 24 h;
- each plus a random 0-25 % (jitter, so that bots coming back after an outage are not hit by
  every retry at once); a 429's `Retry-After` is honoured when it asks for longer.

Thirteen attempts span 36 s + 84.1 h: 84 to 105 hours before the event is dead-lettered,
more than the 72 hours a bot's outage over a long weekend needs. A retry due within seconds
is not left to the per-minute sweep: the delivery function asks the wake-up queue to run it
when it is due (chalicelib/webhooks/wakeups.py, docs/webhooks.md).
"""

from __future__ import annotations

import random
from collections.abc import Callable

FAST_DELAYS = (1.0, 5.0, 30.0)
MAX_ATTEMPTS = 13
FIRST_DELAY_SECONDS = 120.0
FACTOR = 3.0
MAX_DELAY_SECONDS = 24 * 3600.0
JITTER = 0.25


def base_delay(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failed attempt (1-based), before jitter."""
    if attempts <= len(FAST_DELAYS):
        return FAST_DELAYS[max(0, attempts - 1)]
    return min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * FACTOR ** (attempts - len(FAST_DELAYS) - 1))


def delay_after(attempts: int, rand: Callable[[], float] = random.random, retry_after: float | None = None) -> float:
    """Seconds to wait after the `attempts`-th failed attempt (1-based), with jitter. A 429's
    `Retry-After` is honoured when it asks for longer (up to a day)."""
    delay = base_delay(attempts) * (1.0 + JITTER * rand())
    if retry_after is not None:
        delay = max(delay, min(float(retry_after), MAX_DELAY_SECONDS))
    return delay


def total_span(rand: float) -> float:
    """Seconds from the first attempt to the last, for a fixed jitter draw (docs, tests)."""
    return sum(delay_after(n, lambda: rand) for n in range(1, MAX_ATTEMPTS))
