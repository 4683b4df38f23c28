"""The websocket handlers' bodies. `app.py` declares `@app.on_ws_*` (Chalice wraps
websocket handlers only when they are declared on the app) and calls these in one line."""

from __future__ import annotations

import logging
from typing import Any

from chalice.app import Response, WebsocketEvent

from chalicelib import runtime
from chalicelib.adapters.aws_errors import is_transient
from chalicelib.live.connections import error_frame

logger = logging.getLogger("handover.live")


def _refused(status: int, code: str, message: str) -> Response:
    # API Gateway refuses the handshake for any non-2xx answer of $connect.
    return Response(body={"error": {"code": code, "message": message}}, status_code=status)


def on_connect(event: WebsocketEvent) -> Response | None:
    params: dict[str, Any] = event.to_dict().get("queryStringParameters") or {}
    ticket = params.get("ticket")
    try:
        operator = runtime.services().live.connect(event.connection_id, ticket if isinstance(ticket, str) else None)
    except Exception as error:
        if is_transient(error):
            # DynamoDB throttled or failed: the ticket is still good if it was not redeemed.
            logger.warning("$connect: AWS unavailable: %r", error)
            return _refused(503, "unavailable", "try again in a moment")
        logger.exception("$connect failed")
        return _refused(500, "internal_error", "the connection could not be recorded")
    if operator is None:
        return _refused(401, "invalid_ticket", "connect with a fresh ticket from POST /api/ws-ticket")
    return None


def on_message(event: WebsocketEvent) -> None:
    live = runtime.services().live
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


def on_disconnect(event: WebsocketEvent) -> None:
    try:
        runtime.services().live.disconnect(event.connection_id)
    except Exception:
        # The record's TTL removes it anyway; a failed delete must not be retried forever.
        logger.exception("$disconnect failed")
