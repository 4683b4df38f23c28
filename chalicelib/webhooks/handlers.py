"""Entry points of the delivery function, called by the one-line handlers in app.py."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chalicelib.runtime import services

# What `chalice package` puts in the template when HANDOVER_DELIVERIES_STREAM_ARN is unset;
# infra/ overrides the event source's `Stream` with the real ARN (docs/webhooks.md).
STREAM_ARN_PLACEHOLDER = "arn:aws:dynamodb:us-east-1:000000000000:table/handover-deliveries/stream/PLACEHOLDER"


def time_left(event: Any) -> float | None:
    """Seconds until the Lambda's timeout (Chalice events carry the Lambda context)."""
    remaining = getattr(getattr(event, "context", None), "get_remaining_time_in_millis", None)
    try:
        return remaining() / 1000.0 if callable(remaining) else None
    except Exception:
        return None


def on_stream(event: Iterable[Any]) -> int:
    """New items of the `deliveries` table: deliver their leads' queues."""
    return services().webhooks.delivery.on_stream(event, time_left(event))


def sweep(event: Any = None) -> int:
    """Per minute: the leads whose retry is due, or whose delivery function died."""
    return services().webhooks.delivery.sweep(time_left(event))
