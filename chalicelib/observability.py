"""Structured logs and CloudWatch metrics for every function, in one place.

In Lambda, `logger()` is an AWS Lambda Powertools JSON logger and `count`/`gauge` write
CloudWatch metrics in the Embedded Metric Format (a JSON log line that CloudWatch turns
into a metric: no PutMetricData call, no extra IAM permission, no latency). The namespace
(`Handover`) and the one dimension (`service=handover`) come from POWERTOOLS_METRICS_NAMESPACE
and POWERTOOLS_SERVICE_NAME, which `infra/` sets; one AWS account per stage keeps stages
apart. The dashboard and alarms in `infra/monitoring.py` read the metric names below, so
use these constants rather than new strings. (The delivery function's dead-letter metric
lives in `chalicelib/webhooks/metrics.py`, without a dimension.)

Powertools is imported on first use, never at import time: it costs tens of milliseconds
that a cold start should not pay for a handler that logs nothing. Outside Lambda (tests,
the local runtime) metrics are kept in `recorded()` instead of printed, so a test can
assert that something was counted.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import msgspec

NAMESPACE_DEFAULT = "Handover"
SERVICE_DEFAULT = "handover"

# Metric names (the dashboard and the alarms read exactly these).
OPEN_CONNECTIONS = "OpenConnections"  # gauge: websocket connections open now
WAITING_DIALOGS = "WaitingDialogs"  # gauge: dialogs on the Waiting tab now
REMINDERS_SENT = "RemindersSent"  # count: `reminder` pushes sent by the scheduled function
DIALOGS_WAITING_TOO_LONG = "DialogsWaitingTooLong"  # count: `dialog.waiting_too_long` escalations
PUSHES_GONE = "PushesGone"  # count: pushes to connections that had gone (410)
RECORDS_SKIPPED = "RecordsSkipped"  # count: stored records a list left out because they could not be rendered

T = TypeVar("T")
R = TypeVar("R")


class RecordedMetric(msgspec.Struct, frozen=True):
    name: str
    value: float
    unit: str


_lock = threading.Lock()
# Bounded: the local runtime runs the schedules for hours.
_recorded: deque[RecordedMetric] = deque(maxlen=1000)
_logger: Any = None


def in_lambda() -> bool:
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))


def logger() -> Any:
    """The JSON logger in Lambda (Powertools); a standard library logger elsewhere."""
    global _logger
    if _logger is None:
        with _lock:
            if _logger is None:
                if in_lambda():
                    from aws_lambda_powertools import Logger

                    _logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", SERVICE_DEFAULT))
                else:
                    _logger = logging.getLogger(SERVICE_DEFAULT)
    return _logger


def _emit(name: str, value: float, unit: str) -> None:
    if not in_lambda():
        with _lock:
            _recorded.append(RecordedMetric(name, float(value), unit))
        return
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    # One EMF line per call: these are low-volume business metrics (per tick, per dead
    # letter), so flushing at once beats threading a Metrics object through every handler.
    with single_metric(
        name=name,
        unit=getattr(MetricUnit, unit),
        value=value,
        namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE_DEFAULT),
    ):
        pass


def count(name: str, value: float = 1) -> None:
    """Add `value` to a counter metric (CloudWatch sums it)."""
    _emit(name, value, "Count")


def gauge(name: str, value: float) -> None:
    """Report the current level of something (CloudWatch keeps min/max/average)."""
    _emit(name, value, "Count")


def recorded(name: str | None = None) -> list[RecordedMetric]:
    """Metrics recorded outside Lambda (tests and the local runtime)."""
    with _lock:
        return [m for m in _recorded if name is None or m.name == name]


def reset_recorded() -> None:
    with _lock:
        _recorded.clear()


def render_each(items: Iterable[T], render: Callable[[T], R], what: str) -> list[R]:
    """`render` of every item, leaving out any whose rendering raises: it is logged with its
    stack and counted (RECORDS_SKIPPED), so that one bad stored record (written by hand, or
    before a check existed) never fails a whole list for every caller. Text that only holds
    a lone surrogate is not such a record: the encoders render it (chalicelib/text.py)."""
    rendered: list[R] = []
    for item in items:
        try:
            rendered.append(render(item))
        except Exception:
            logger().exception("a stored %s could not be rendered; left out: %s", what, _describe(item))
            count(RECORDS_SKIPPED)
    return rendered


def _describe(item: Any) -> str:
    # The record's key is enough to find it; its content may be what is broken.
    for name in ("id", "lead_id"):
        value = item.get(name) if isinstance(item, dict) else getattr(item, name, None)
        if isinstance(value, str):
            return f"{name}={value[:100]!r}"
    return type(item).__name__
