"""The websocket side of live events: `$connect`, the client's messages, `$disconnect`.

`$connect` redeems a one-time ticket (`POST /api/ws-ticket`) and records the connection;
`$default` records what the connection shows (the open dialog, the tab, the page's
visibility), answers `ping`, counts `ack`s of alerts the page delivered, and takes `reauth`
frames (the operator's current access token,
confirmed with Cognito: a revoked one closes the connection, docs/security.md);
`$disconnect` deletes the record. Every malformed or
unknown frame is answered with an `error` frame; nothing a client sends can crash it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any, Protocol

from chalicelib import observability
from chalicelib.adapters.notifier import Closer, Gone, Notifier
from chalicelib.auth.operators import Operator
from chalicelib.clock import Clock
from chalicelib.domain.errors import Busy, Unauthorized
from chalicelib.domain.tabs import Tab
from chalicelib.storage.connections import ConnectionStore, ViewOutdated
from chalicelib.text import MAX_JSON_DEPTH, lone_surrogates, too_deep

logger = logging.getLogger("handover.live")

Frame = dict[str, Any]

# A client frame is a few dozen bytes; anything much larger is not ours.
MAX_CLIENT_FRAME = 4096
# A view's number is a JavaScript integer the page counts up (exact up to 2**53).
MAX_VIEW_SEQ = 2**53 - 1
_DIALOG_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# An alert's id (live/routing.py `alert_id`): dialog id, dialog version, seq.
_ALERT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}:[0-9]{1,16}:[0-9]{1,16}$")


class PresenceObserver(Protocol):
    """Told when an operator's connection becomes visible or hidden, or goes away (the
    reminders clear or extend their pending notification then, R14)."""

    def became_visible(self, operator: str) -> None: ...

    def became_hidden(self, operator: str, connection_id: str) -> None: ...

    def disconnected(self, operator: str, connection_id: str | None = None) -> None: ...


class NoPresenceObserver:
    def became_visible(self, operator: str) -> None:
        return None

    def became_hidden(self, operator: str, connection_id: str) -> None:
        return None

    def disconnected(self, operator: str, connection_id: str | None = None) -> None:
        return None


def error_frame(code: str, message: str, details: dict[str, Any] | None = None) -> Frame:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"type": "error", "error": error}


class BadFrame(Exception):
    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


class LiveConnections:
    def __init__(
        self,
        connections: ConnectionStore,
        notifier: Notifier,
        clock: Clock,
        redeem: Callable[[str, Clock], Operator | None],
        presence: PresenceObserver | None = None,
        *,
        verify: Callable[[str, float | None], Operator] | None = None,
        closer: Closer | None = None,
        reauth_seconds: float = 30.0,
        check_seconds: float = 60.0,
    ) -> None:
        self.connections = connections
        self.notifier = notifier
        self.clock = clock
        self.redeem = redeem
        self.presence = presence or NoPresenceObserver()
        # `reauth` frames: the token verifier (with Cognito's revocation check) and who closes.
        self.verify = verify
        self.closer = closer
        self.reauth_seconds = reauth_seconds
        # A `reauth` wants Cognito's word at most this old, so that a connection of a revoked
        # operator whose client keeps re-confirming is closed within `check_seconds`.
        self.reauth_max_age = max(1.0, check_seconds - reauth_seconds)

    # --- $connect / $disconnect ---------------------------------------------------------
    def connect(self, connection_id: str, ticket: str | None) -> Operator | None:
        """Record the connection of the ticket's operator; None refuses the handshake."""
        if not ticket:
            return None
        operator = self.redeem(ticket, self.clock)
        if operator is None:
            return None
        self.connections.add(connection_id, operator.username, operator.admin, self.clock.now())
        return operator

    def disconnect(self, connection_id: str) -> None:
        gone = self.connections.remove(connection_id)
        if gone is not None:
            self.presence.disconnected(gone.operator, connection_id)

    def close(self, connection_id: str) -> None:
        """Close from the server side (API Gateway's DeleteConnection) and forget the record
        now: pushes stop at once, whenever API Gateway's best-effort `$disconnect` arrives."""
        if self.closer is not None:
            self.closer.close(connection_id)
        self.disconnect(connection_id)

    # --- $default -----------------------------------------------------------------------
    def receive(self, connection_id: str, body: str | None) -> Frame | None:
        """Handle one client frame; answer the frame to send back (None: nothing)."""
        try:
            message = self._parse(body)
            return self._handle(connection_id, message)
        except BadFrame as bad:
            return error_frame(bad.code, bad.message, bad.details)

    def reply(self, connection_id: str, frame: Frame) -> None:
        try:
            self.notifier.push(connection_id, frame)
        except Gone:
            self.connections.remove(connection_id)

    @staticmethod
    def _parse(body: str | None) -> dict[str, Any]:
        if body is None or not body.strip():
            raise BadFrame("malformed_frame", "send a JSON object with an `action`")
        if len(body) > MAX_CLIENT_FRAME:
            raise BadFrame("frame_too_large", f"client frames are at most {MAX_CLIENT_FRAME} bytes")
        # 4 KB of brackets is 2,000 levels: the parser would die of RecursionError (and with
        # it the handler); the scan neither recurses nor parses.
        if too_deep(body):
            raise BadFrame("json_too_deep", f"JSON may nest at most {MAX_JSON_DEPTH} levels deep",
                           {"max_depth": MAX_JSON_DEPTH})
        try:
            message = json.loads(body)
        except ValueError:
            raise BadFrame("malformed_frame", "the frame is not valid JSON") from None
        bad_text = lone_surrogates(message, "frame")
        if bad_text:
            # As over HTTP (a 422 there): text must be valid Unicode, named field by field.
            raise BadFrame("invalid_frame", f"not valid Unicode: {', '.join(bad_text)}",
                           {"fields": dict.fromkeys(bad_text, "holds a lone UTF-16 surrogate (U+D800-U+DFFF)")})
        if not isinstance(message, dict) or not isinstance(message.get("action"), str):
            raise BadFrame("malformed_frame", "send a JSON object with an `action`")
        return message

    def _handle(self, connection_id: str, message: dict[str, Any]) -> Frame | None:
        action = message["action"]
        if action == "ping":
            return {"type": "pong"}
        if action == "reauth":
            return self._reauth(connection_id, message)
        if action == "view":
            dialog_id, tab = self._view_of(message)
            view_seq = self._view_seq_of(message)
            try:
                if self.connections.set_view(connection_id, dialog_id, tab, view_seq) is None:
                    return _unknown_connection()
            except ViewOutdated:
                # The page has moved on; the newer view's own answer is the one that counts.
                return None
            answer: Frame = {"type": "viewing", "dialog_id": dialog_id}
            if tab is not None:
                answer["tab"] = tab
            if view_seq is not None:
                answer["view_seq"] = view_seq
            return answer
        if action == "visibility":
            visible = message.get("visible")
            if not isinstance(visible, bool):
                raise BadFrame("invalid_frame", "`visible` must be true or false")
            record = self.connections.set_visible(connection_id, visible)
            if record is None:
                return _unknown_connection()
            if visible:
                self.presence.became_visible(record.operator)
            else:
                self.presence.became_hidden(record.operator, connection_id)
            return {"type": "visibility", "visible": visible}
        if action == "ack":
            return self._ack(connection_id, message)
        raise BadFrame("unknown_action",
                       f"unknown action {action[:40]!r}; expected view, visibility, reauth, ack or ping")

    def _ack(self, connection_id: str, message: dict[str, Any]) -> Frame | None:
        """The page delivered an alert (docs/notifications.md): counted for its operator. No
        answer (the page needs none, and a push per alert would double the frames); ONE
        GetItem, for the operator the connection belongs to (the frame's word is not taken)."""
        alert = message.get("alert")
        if not isinstance(alert, str) or not _ALERT_ID.match(alert):
            raise BadFrame("invalid_frame", "`alert` must be the `alert` of the frame being acknowledged")
        record = self.connections.get(connection_id)
        if record is None:
            return _unknown_connection()
        observability.alert_acknowledged(record.operator)
        logger.info("alert %s acknowledged by %s", alert, record.operator)
        return None

    def _reauth(self, connection_id: str, message: dict[str, Any]) -> Frame | None:
        token = message.get("access_token")
        if not isinstance(token, str) or not token:
            raise BadFrame("invalid_frame", "`access_token` must be the current access token")
        if self.verify is None:
            raise BadFrame("unknown_action", "reauth is not available here")
        try:
            operator = self.verify(token, self.reauth_max_age)
        except Busy as busy:
            # Cognito cannot say right now: keep the connection; the client sends it again.
            return error_frame("unavailable", busy.message)
        except Unauthorized as refused:
            self._refuse(connection_id, error_frame(refused.code, refused.message))
            return None
        # One UpdateItem, conditioned on the record being this operator's: a token of someone
        # else does not confirm this connection.
        if self.connections.confirm(connection_id, operator.username, self.clock.now()) is None:
            self._refuse(connection_id, error_frame(
                "connection_unknown", "this connection is no longer known, or not yours; reconnect"))
            return None
        return {"type": "reauthed", "reauth_within": self.reauth_seconds}

    def _refuse(self, connection_id: str, frame: Frame) -> None:
        """Say why, then close: the client signs in again (or reconnects)."""
        try:
            self.reply(connection_id, frame)
        finally:
            self.close(connection_id)

    @staticmethod
    def _view_seq_of(message: dict[str, Any]) -> int | None:
        """The client's number of this view (optional): a later view has a larger one."""
        view_seq = message.get("view_seq")
        if view_seq is None:
            return None
        if isinstance(view_seq, bool) or not isinstance(view_seq, int) or not 0 <= view_seq <= MAX_VIEW_SEQ:
            raise BadFrame("invalid_frame", f"`view_seq` must be an integer from 0 to {MAX_VIEW_SEQ}")
        return view_seq

    @staticmethod
    def _view_of(message: dict[str, Any]) -> tuple[str | None, str | None]:
        if "dialog_id" not in message:
            raise BadFrame("invalid_frame", "`dialog_id` is required (null when the panel is hidden)")
        dialog_id = message["dialog_id"]
        if dialog_id is not None and (not isinstance(dialog_id, str) or not _DIALOG_ID.match(dialog_id)):
            raise BadFrame("invalid_frame", "`dialog_id` must be a dialog id or null")
        tab = message.get("tab")
        if tab is not None and Tab.named(tab) is None:
            raise BadFrame("invalid_frame", "`tab` must be one of waiting, mine, all")
        return dialog_id, tab


def _unknown_connection() -> Frame:
    # The record is gone (TTL, or a push met GoneException): the client should reconnect.
    return error_frame("connection_unknown", "this connection is no longer known; reconnect")
