"""Every Lambda entry body. `app.py` declares the functions (websocket handlers, the
DynamoDB-stream function and the schedules must be declared on the app itself for Chalice to
wrap them) and calls these in one line each. Each takes the composition root's services on
first use, so importing this module touches no AWS.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from chalice.app import Request, Response, WebsocketEvent

from chalicelib import bootstrap, config, observability
from chalicelib.adapters.aws_errors import is_transient
from chalicelib.domain.tabs import Tab
from chalicelib.live.connections import error_frame

logger = logging.getLogger("handover.handlers")

# What `chalice package` puts in the template when HANDOVER_DELIVERIES_STREAM_ARN is unset;
# infra/ overrides the event source's `Stream` with the real ARN (docs/webhooks.md).
STREAM_ARN_PLACEHOLDER = "arn:aws:dynamodb:us-east-1:000000000000:table/handover-deliveries/stream/PLACEHOLDER"
# The wake-up queue's name when HANDOVER_WEBHOOK_WAKEUPS_QUEUE is unset (the local runtime's
# queue in moto); infra/ points the event source at the stage's queue.
WAKEUPS_QUEUE_DEFAULT = config.WAKEUPS_QUEUE_DEFAULT


# --- around every function: ids on the log lines, the handover latency's start ----------------

def observe(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Chalice middleware of every function (app.py registers it for all event types): the
    invocation's ids go on every log line, and a bot's request carries the moment API Gateway
    received it to the live push that records the handover latency (chalicelib/observability.py)."""
    keys, bot_request_at = _invocation_of(event)
    with observability.invocation(keys, bot_request_at=bot_request_at):
        return get_response(event)


def _invocation_of(event: Any) -> tuple[dict[str, Any], float | None]:
    bot_request_at = None
    if isinstance(event, Request):
        lambda_context = event.lambda_context
        request_context: dict[str, Any] = event.context or {}
        params: dict[str, Any] = event.uri_params or {}
        # A dialog is named by its lead's id (/api/dialogs/{lead_id}); the bot API names a lead by
        # the bot's own reference until the lead is found (bind() adds its id then).
        keys: dict[str, Any] = {"lead_id": params.get("lead_id"), "dialog_id": params.get("lead_id"),
                                "lead_ref": params.get("lead_ref"), "route": event.path}
        if event.path.startswith("/bot/"):
            arrived = request_context.get("requestTimeEpoch")  # ms; Chalice's local gateway has none
            bot_request_at = arrived / 1000 if isinstance(arrived, int | float) else time.time()
    else:
        lambda_context = getattr(event, "context", None)
        raw = event.to_dict() if hasattr(event, "to_dict") else {}
        request_context = raw.get("requestContext") or {} if isinstance(raw, dict) else {}
        keys = {"connection_id": request_context.get("connectionId")}
    function_request_id = getattr(lambda_context, "aws_request_id", None)
    # API Gateway's id is the access log's `requestId`; other triggers have only Lambda's.
    keys["request_id"] = request_context.get("requestId") or function_request_id
    keys["function_request_id"] = function_request_id
    return keys, bot_request_at


# --- the websocket API (docs/live-events.md) ---------------------------------------------------

def _refused(status: int, code: str, message: str) -> Response:
    # API Gateway refuses the handshake for any non-2xx answer of $connect.
    return Response(body={"error": {"code": code, "message": message}}, status_code=status)


def ws_connect(event: WebsocketEvent) -> Response | None:
    params: dict[str, Any] = event.to_dict().get("queryStringParameters") or {}
    ticket = params.get("ticket")
    try:
        operator = bootstrap.services().live.connect(event.connection_id, ticket if isinstance(ticket, str) else None)
    except Exception as error:
        if is_transient(error):
            # DynamoDB throttled or failed: the ticket is still good if it was not redeemed.
            logger.warning("$connect: AWS unavailable: %r", error)
            return _refused(503, "unavailable", "try again in a moment")
        logger.exception("$connect failed")
        return _refused(500, "internal_error", "the connection could not be recorded")
    if operator is None:
        return _refused(401, "invalid_ticket", "connect with a fresh ticket from POST /api/ws-ticket")
    try:
        # The team hears the operator is online (docs/assignment.md); never refuses the connection.
        bootstrap.services().presence.connected(operator.username, event.connection_id)
    except Exception:
        logger.exception("$connect: presence not announced")
    return None


def ws_message(event: WebsocketEvent) -> None:
    live = bootstrap.services().live
    body = event.to_dict().get("body")
    try:
        answer = live.receive(event.connection_id, body if isinstance(body, str) else None)
    except Exception as error:
        if is_transient(error):
            logger.warning("$default: AWS unavailable: %r", error)
            answer = error_frame("unavailable", "the service is busy; send the frame again in a moment")
        else:
            logger.exception("$default failed")
            answer = error_frame("internal_error", "the frame could not be handled; it was logged")
    if answer is not None:
        try:
            live.reply(event.connection_id, answer)
        except Exception:
            logger.exception("reply to %s failed", event.connection_id)


def ws_disconnect(event: WebsocketEvent) -> None:
    try:
        bootstrap.services().live.disconnect(event.connection_id)
    except Exception:
        # The record's TTL removes it anyway; a failed delete must not be retried forever.
        logger.exception("$disconnect failed")


# --- webhooks to bots (docs/webhooks.md) --------------------------------------------------------

def _time_left(event: Any) -> float | None:
    """Seconds until the Lambda's timeout (Chalice events carry the Lambda context)."""
    remaining = getattr(getattr(event, "context", None), "get_remaining_time_in_millis", None)
    try:
        return remaining() / 1000.0 if callable(remaining) else None
    except Exception:
        return None


def deliver_webhooks(event: Iterable[Any]) -> int:
    """New items of the `deliveries` table: deliver their leads' queues."""
    return bootstrap.services().webhooks.delivery.on_stream(event, _time_left(event))


def retry_webhooks(event: Any = None) -> int:
    """Per minute: the leads whose retry is due, or whose delivery function died."""
    return bootstrap.services().webhooks.delivery.sweep(_time_left(event))


def retry_webhooks_soon(event: Iterable[Any]) -> int:
    """The wake-up queue: leads whose retry is due now (queued, delayed, when it failed)."""
    return bootstrap.services().webhooks.delivery.on_wakeups(event, _time_left(event))


# --- the per-minute schedules (docs/notifications.md, docs/runbook.md) ---------------------------

def send_reminders(event: Any = None) -> dict[str, int]:
    """Reminders (R14), then the waiting-room escalation; one failing does not stop the other."""
    notifications = bootstrap.services().notifications
    done = {"reminders": 0, "escalated": 0}
    try:
        done["reminders"] = notifications.reminders.tick()
    except Exception:
        logger.exception("reminders failed")
    try:
        done["escalated"] = notifications.escalation.tick()
    except Exception:
        logger.exception("waiting-room escalation failed")
    return done


def close_revoked_connections(event: Any = None) -> int:
    """Per minute: close the websockets of disabled, deleted or signed-out operators
    (docs/security.md, "Revocation within a minute")."""
    return bootstrap.services().revocations.tick()


def report_levels(event: Any = None, current: bootstrap.Services | None = None) -> dict[str, int]:
    """The levels the ops dashboard graphs, as CloudWatch gauges: open websocket connections,
    waiting dialogs and how long the longest-waiting one has waited. Cost per run: one
    BatchGetItem of the Waiting counter, one Query per `online` shard of the connections table
    and one single-item Query per tab shard of the `waiting-since` index, whatever the number
    of leads or dialogs."""
    current = current or bootstrap.services()
    now = current.clock.now()
    waiting = current.tabs.counters.read(()).shared.get(Tab.WAITING.value, 0)
    open_connections = len(current.connections.everyone(now))
    since = current.store.oldest_waiting_since()
    oldest_wait = max(0, int((now - datetime.fromisoformat(since.replace("Z", "+00:00"))).total_seconds())) if since else 0
    observability.gauge(observability.WAITING_DIALOGS, waiting)
    observability.gauge(observability.OPEN_CONNECTIONS, open_connections)
    observability.seconds(observability.OLDEST_WAIT, oldest_wait)
    return {"waiting_dialogs": waiting, "open_connections": open_connections, "oldest_wait_seconds": oldest_wait}
