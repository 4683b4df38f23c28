"""Structured logs and CloudWatch metrics for every function, in one place.

In Lambda, `logger()` is an AWS Lambda Powertools JSON logger and `count`/`gauge` write
CloudWatch metrics in the Embedded Metric Format (a JSON log line that CloudWatch turns
into a metric: no PutMetricData call, no extra IAM permission, no latency). The namespace
(`Handover`) and the one dimension (`service=handover`) come from POWERTOOLS_METRICS_NAMESPACE
and POWERTOOLS_SERVICE_NAME, which `infra/` sets; one AWS account per stage keeps stages
apart. The dashboard and alarms in `infra/monitoring.py` read the metric names below, so
use these constants rather than new strings. (The delivery function's dead-letter metric
lives in `chalicelib/webhooks/metrics.py`, without a dimension.)

Logging is configured here, once, for every `handover.*` logger (`configure()`, called by
the first invocation through `invocation()`): in Lambda they all write through one
Powertools JSON handler on the `handover` logger (which is also Chalice's app logger: Chalice
gives it a plain-text handler at ERROR, replaced here), at INFO unless Lambda's application
log level (the console's "Logging configuration"), POWERTOOLS_LOG_LEVEL or LOG_LEVEL says
otherwise. Every line carries the invocation's ids (`invocation()`, `bind()`): `request_id`
(API Gateway's, the key of the access logs), `function_request_id` (Lambda's), and `lead_id`
/ `dialog_id` / `connection_id` where known. Outside Lambda (tests, the local runtime) logs
stay plain text, at WARNING unless LOG_LEVEL says otherwise.

X-Ray: every function has active tracing (infra/), which costs no code. Segments for each AWS
call (DynamoDB, S3, API Gateway pushes) need the X-Ray SDK to patch botocore, and importing it
costs a cold start several hundred milliseconds (it builds two botocore clients for its
sampler at import): so it is per stage (HANDOVER_TRACE_AWS_CALLS, docs/runbook.md) and done on
the first invocation, never at import.

Powertools is imported on first use, never at import time: it costs tens of milliseconds
that a cold start should not pay for a handler that logs nothing. Outside Lambda (tests,
the local runtime) metrics are kept in `recorded()` instead of printed, so a test can
assert that something was counted.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import msgspec

NAMESPACE_DEFAULT = "Handover"
SERVICE_DEFAULT = "handover"

# Metric names (the dashboard and the alarms read exactly these).
OPEN_CONNECTIONS = "OpenConnections"  # gauge: websocket connections open now
WAITING_DIALOGS = "WaitingDialogs"  # gauge: dialogs on the Waiting tab now
REMINDERS_SENT = "RemindersSent"  # count: `reminder` pushes sent by the scheduled function
DIALOGS_WAITING_TOO_LONG = "DialogsWaitingTooLong"  # count: `dialog.waiting_too_long` escalations
DIALOGS_ESCALATED = "DialogsEscalated"  # count: waits that reached the supervisor rung of the ladder
DIALOGS_RETURNED_UNANSWERED = "DialogsReturnedUnanswered"  # count: waits the ladder gave back to the bot
PUSHES_GONE = "PushesGone"  # count: pushes to connections that had gone (410)
RECORDS_SKIPPED = "RecordsSkipped"  # count: stored records a list left out because they could not be rendered
# ms: a bot's request arriving at API Gateway -> the first live frame of the change it made
# posted to the operators' connections (no operator online: nothing pushed, nothing recorded).
HANDOVER_LATENCY = "HandoverLatency"
OLDEST_WAIT = "OldestWaitSeconds"  # gauge: how long the longest-waiting dialog on Waiting has waited
# Alerts (docs/notifications.md, "Alerts and their acknowledgements"): a notifiable frame pushed
# to an operator is an alert raised (+1); the page that delivered it (sound, desktop
# notification, or shown on a visible page) acknowledges it (-1). One metric, per operator
# (dimension `operator`) and in total (dimension `service` only): its Sum over a window is the
# alerts raised and not acknowledged in it, with no state kept anywhere.
UNACKNOWLEDGED_ALERTS = "UnacknowledgedAlerts"
OPERATOR_DIMENSION = "operator"
# Readable outside Lambda; the level of the `handover` loggers there unless LOG_LEVEL is set.
LOCAL_LOG_LEVEL = "WARNING"
TRACE_AWS_CALLS = "HANDOVER_TRACE_AWS_CALLS"

T = TypeVar("T")
R = TypeVar("R")


class RecordedMetric(msgspec.Struct, frozen=True):
    name: str
    value: float
    unit: str
    operator: str | None = None  # set by `count_per_operator`


_lock = threading.Lock()
# Bounded: the local runtime runs the schedules for hours.
_recorded: deque[RecordedMetric] = deque(maxlen=1000)
_logger: Any = None  # Powertools' Logger, once loaded (in Lambda only)
_configured: bool | None = None  # configured for Lambda (True) or elsewhere (False); None: not yet
_tracing_started = False


def in_lambda() -> bool:
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))


def logger() -> Any:
    """The `handover` logger, configured (see `configure`): Powertools' JSON logger in
    Lambda, the standard library's elsewhere. Every `handover.*` logger writes through it."""
    configure()
    return _json_logger() if in_lambda() else logging.getLogger(SERVICE_DEFAULT)


def configure() -> None:
    """Configure the `handover` loggers once per process (and, in Lambda, start tracing)."""
    global _configured
    lambda_now = in_lambda()
    if _configured is lambda_now:
        return
    with _lock:
        if _configured is lambda_now:
            return
        if lambda_now:
            _prepare_lambda_logging()
        else:
            _prepare_local_logging()
        _configured = lambda_now
    _start_tracing()


def _service() -> str:
    return os.environ.get("POWERTOOLS_SERVICE_NAME", SERVICE_DEFAULT)


def _lambda_level() -> str:
    """Powertools' own order: Lambda's application log level (ALC: the console's logging
    configuration), then POWERTOOLS_LOG_LEVEL, then LOG_LEVEL, else INFO."""
    for variable in ("AWS_LAMBDA_LOG_LEVEL", "POWERTOOLS_LOG_LEVEL", "LOG_LEVEL"):
        level = os.environ.get(variable, "").strip().upper()
        if level in logging.getLevelNamesMapping():
            return level
    return "INFO"


class _FirstRecord(logging.Handler):
    """Stands in for Powertools' handler until a `handover` logger writes its first record:
    Powertools' Logger costs a cold start tens of ms to import, which an invocation that logs
    nothing should not pay. The first record loads it, and goes out through it."""

    def emit(self, record: logging.LogRecord) -> None:
        json_handler = getattr(_json_logger(), "logger_handler", None)
        # Loading replaced this handler by Powertools' on the same logger; the loop that is
        # calling this one has passed that position, so hand the record over exactly once.
        if json_handler is not None and record.levelno >= json_handler.level:
            json_handler.handle(record)


def _prepare_lambda_logging() -> None:
    named = logging.getLogger(_service())
    # Chalice's app logger is this one (app_name "handover"): its plain-text stdout handler at
    # ERROR would print every line a second time, unstructured, and hide INFO.
    for handler in list(named.handlers):
        named.removeHandler(handler)
    # Children (`handover.webhooks` ...) keep NOTSET and so inherit this level.
    named.setLevel(_lambda_level())
    # Lambda's runtime has its own handler on the root logger: one line per record is enough.
    named.propagate = False
    named.addHandler(_FirstRecord())


def _json_logger() -> Any:
    global _logger
    if _logger is None:
        with _lock:
            if _logger is None:
                from aws_lambda_powertools import Logger

                named = logging.getLogger(_service())
                for handler in list(named.handlers):
                    if isinstance(handler, _FirstRecord):
                        named.removeHandler(handler)
                # `name`: which module wrote the line (handover.webhooks, handover.live ...).
                json_logger = Logger(service=_service(), name="%(name)s")
                named.propagate = False
                keys = current_keys()
                if keys:
                    json_logger.append_keys(**keys)
                _logger = json_logger
    return _logger


def _prepare_local_logging() -> None:
    named = logging.getLogger(SERVICE_DEFAULT)
    level = (os.environ.get("POWERTOOLS_LOG_LEVEL") or os.environ.get("LOG_LEVEL") or LOCAL_LOG_LEVEL).upper()
    named.setLevel(level if level in logging.getLevelNamesMapping() else LOCAL_LOG_LEVEL)


def reset_logging() -> None:
    """Undo `configure` (tests that switch between Lambda and local, or capture stdout anew):
    Powertools marks the logger it configured and would keep its first handler and stream."""
    global _logger, _configured
    with _lock:
        _logger = None
        _configured = None
        named = logging.getLogger(_service())
        for handler in list(named.handlers):
            if isinstance(handler, _FirstRecord) or handler is getattr(named, "powertools_handler", None):
                named.removeHandler(handler)
        for mark in ("init", "powertools_handler", "powertools_buffer_config", "powertools_buffer_cache"):
            named.__dict__.pop(mark, None)
        named.setLevel(logging.NOTSET)
        named.propagate = True


def tracing_aws_calls() -> bool:
    return in_lambda() and os.environ.get(TRACE_AWS_CALLS, "").lower() in ("1", "true", "yes")


def _start_tracing() -> None:
    """X-Ray segments for every botocore call (PynamoDB's included), when the stage asks."""
    global _tracing_started
    if _tracing_started or not tracing_aws_calls():
        return
    _tracing_started = True
    try:
        from aws_lambda_powertools import Tracer

        Tracer(service=_service(), patch_modules=("botocore",))
    except Exception:
        # Tracing is a help for ops, never a reason for a request to fail.
        logging.getLogger("handover.observability").exception("X-Ray tracing of AWS calls could not start")


# --- the invocation: the ids on every log line, and when a bot's request arrived ----------

class Invocation(msgspec.Struct):
    """What one Lambda invocation is serving. Lambda runs one event at a time per
    container, so a context variable (set by `invocation()`) is exact."""

    keys: dict[str, Any]
    # When API Gateway received the bot's request (epoch seconds); None: not a bot request.
    bot_request_at: float | None = None
    handover_recorded: bool = False


_cold = True
_current: ContextVar[Invocation | None] = ContextVar("handover_invocation", default=None)


@contextmanager
def invocation(keys: dict[str, Any], *, bot_request_at: float | None = None) -> Iterator[Invocation]:
    """Around one invocation: configures logging on the first, and puts `keys` (request ids)
    and `cold_start` on every log line until it ends."""
    global _cold
    configure()
    current = Invocation({k: v for k, v in keys.items() if v}, bot_request_at)
    current.keys["cold_start"], _cold = _cold, False
    token = _current.set(current)
    # Powertools, if a record has loaded it already; else it takes the keys when it loads.
    if _logger is not None:
        _logger.append_keys(**current.keys)
    try:
        yield current
    finally:
        if _logger is not None:
            _logger.remove_keys(list(current.keys))
        _current.reset(token)


def bind(**keys: str | None) -> None:
    """Add ids (lead_id, dialog_id, connection_id ...) to the rest of this invocation's log lines."""
    known = {k: v for k, v in keys.items() if v}
    current = _current.get()
    if current is None or not known:
        return
    current.keys.update(known)
    if _logger is not None:
        _logger.append_keys(**known)


def current_keys() -> dict[str, Any]:
    current = _current.get()
    return dict(current.keys) if current is not None else {}


def handover_pushed() -> None:
    """The first live frame of a bot's request has been posted: record the handover latency
    (HANDOVER_LATENCY), once per request. Anything else (an operator's request, a schedule,
    a webhook delivery) records nothing."""
    current = _current.get()
    if current is None or current.bot_request_at is None or current.handover_recorded:
        return
    current.handover_recorded = True
    timing(HANDOVER_LATENCY, max(0.0, (time.time() - current.bot_request_at) * 1000))


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


def count_per_operator(name: str, operator: str, value: float = 1) -> None:
    """Add `value` to a counter both in total and for one operator: ONE EMF line with two
    dimension sets ([service] and [service, operator]), so an alarm reads the total and the
    dashboard groups by operator without a second line. Written by hand because Powertools'
    `single_metric` puts every dimension into one set."""
    if not in_lambda():
        with _lock:
            _recorded.append(RecordedMetric(name, float(value), "Count", operator))
        return
    service = _service()
    document = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [{
                "Namespace": os.environ.get("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE_DEFAULT),
                "Dimensions": [["service"], ["service", OPERATOR_DIMENSION]],
                "Metrics": [{"Name": name, "Unit": "Count"}],
            }],
        },
        "service": service,
        OPERATOR_DIMENSION: operator,
        name: value,
    }
    # Lambda sends stdout to CloudWatch Logs, where EMF lines become metrics (as Powertools does).
    print(msgspec.json.encode(document).decode(), flush=True)


def alert_raised(operator: str) -> None:
    count_per_operator(UNACKNOWLEDGED_ALERTS, operator, 1)


def alert_acknowledged(operator: str) -> None:
    count_per_operator(UNACKNOWLEDGED_ALERTS, operator, -1)


def count(name: str, value: float = 1) -> None:
    """Add `value` to a counter metric (CloudWatch sums it)."""
    _emit(name, value, "Count")


def gauge(name: str, value: float) -> None:
    """Report the current level of something (CloudWatch keeps min/max/average)."""
    _emit(name, value, "Count")


def timing(name: str, milliseconds: float) -> None:
    """A duration (CloudWatch keeps percentiles: the dashboard reads p50 and p99)."""
    _emit(name, milliseconds, "Milliseconds")


def seconds(name: str, value: float) -> None:
    """A level measured in seconds (the oldest wait)."""
    _emit(name, value, "Seconds")


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
