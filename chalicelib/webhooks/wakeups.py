"""Retries due within seconds: the wake-up queue (docs/webhooks.md, "Fast retries").

The per-minute sweep finds every retry that is due, but a retry due in 1, 5 or 30 seconds
would wait for it up to a minute. So when the delivery function leaves a lead's head item to
wait (a failed attempt, or its time budget ran out), it also puts a wake-up for that lead on
an SQS queue, delayed until the item is due (SQS holds a message back for up to 15 minutes
and never hands it out early). The queue triggers the delivery function for that lead, which
works its queue exactly as the stream and the sweep do: head first, after claiming the head
item with its lease. A wake-up is only a doorbell; it carries no event and decides nothing:

- per-lead order and the lease hold as before (a wake-up that finds the head claimed, done
  or not yet due leaves it);
- a wake-up delivered twice, or together with the sweep, costs a failed conditional claim;
- a lost wake-up (SQS down, a send that failed) is the sweep's to find, a minute later at most.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Protocol

# SQS's longest DelaySeconds; a retry due later is the sweep's.
MAX_DELAY_SECONDS = 900


class Wakeups(Protocol):
    def wake(self, lead_id: str, delay_seconds: int) -> None:
        """Have the delivery function work `lead_id` in `delay_seconds` (0-900)."""
        ...


def wake_delay(next_attempt_at: str, now: datetime) -> int | None:
    """Whole seconds until `next_attempt_at` (rounded up: a wake-up must not come before the
    item is due), or None when that is beyond what the queue can delay."""
    due = datetime.fromisoformat(next_attempt_at.replace("Z", "+00:00"))
    seconds = max(0, math.ceil((due - now).total_seconds()))
    return seconds if seconds <= MAX_DELAY_SECONDS else None
