"""Entry points of the delivery function, called by the one-line handlers in app.py."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chalicelib.runtime import services

# What `chalice package` puts in the template when HANDOVER_DELIVERIES_STREAM_ARN is unset;
# infra/ overrides the event source's `Stream` with the real ARN (docs/webhooks.md).
STREAM_ARN_PLACEHOLDER = "arn:aws:dynamodb:us-east-1:000000000000:table/handover-deliveries/stream/PLACEHOLDER"


def on_stream(records: Iterable[Any]) -> int:
    """New items of the `deliveries` table: deliver their leads' queues."""
    return services().webhooks.delivery.on_stream(records)


def sweep() -> int:
    """Per minute: the leads whose retry is due, or whose delivery function died."""
    return services().webhooks.delivery.sweep()
