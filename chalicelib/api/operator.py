"""The operator API: tabs, counts, the dialog panel, the dialog's actions, uploads, bots.

Every route needs a verified Cognito access token (`current_operator`). Operators see
every bot's dialogs: there is no per-bot assignment of operators.
"""

from __future__ import annotations

import re
from typing import Any

from chalice import Blueprint

from chalicelib.api.bodies import (
    check_message_window,
    check_note,
    check_operator_lead_edit,
    check_operator_reply,
    check_tab_filter,
    check_tab_query,
    check_upload_request,
    page_limit,
)
from chalicelib.api.http import ANY_CONTENT, handles_errors, json_body, json_response
from chalicelib.api.operator_auth import current_operator
from chalicelib.api.schemas_operator import LEAD_ID
from chalicelib.bootstrap import services
from chalicelib.domain.errors import NotFound
from chalicelib.observability import render_each
from chalicelib.storage.models import MessageModel
from chalicelib.views import bot_entry_view, bot_view, operator_lead_view, operator_message_view

operator_api = Blueprint(__name__)

LEAD_ID_RE = re.compile(LEAD_ID)


def _request() -> Any:
    return operator_api.current_request


def _lead_id(lead_id: str) -> str:
    if not LEAD_ID_RE.match(lead_id or ""):
        raise NotFound("lead_not_found", "no such dialog")
    return lead_id


def _messages(items: list[MessageModel], newest_first: bool, limit: int) -> dict[str, Any]:
    storage = services().attachments
    views = render_each(items, lambda message: operator_message_view(message, storage), "message")
    next_cursor = None
    if len(items) == limit:
        last = int(items[-1].seq)
        # Scrolling up stops at the first message; resync has no end until a short page.
        if not newest_first or last > 1:
            next_cursor = str(last)
    return {"items": views, "next_cursor": next_cursor}


# --- tabs ----------------------------------------------------------------------------------

@operator_api.route("/api/tabs/{tab}", methods=["GET"])
@handles_errors
def tab_page(tab: str) -> Any:
    operator = current_operator(_request())
    limit, cursor = check_tab_query(_request().query_params)
    state, bot_id = check_tab_filter(_request().query_params)
    page = services().tabs.page(tab, operator.username, limit, cursor, state=state, bot_id=bot_id)
    return json_response({"items": page.items, "next_cursor": page.next_cursor})


@operator_api.route("/api/counts", methods=["GET"])
@handles_errors
def counts() -> Any:
    operator = current_operator(_request())
    return json_response(services().tabs.counts(operator.username))


# --- the dialog panel -----------------------------------------------------------------------

@operator_api.route("/api/dialogs/{lead_id}", methods=["GET"])
@handles_errors
def open_dialog(lead_id: str) -> Any:
    current_operator(_request())
    runtime = services()
    lead = runtime.store.get_lead(_lead_id(lead_id))
    if lead is None:
        raise NotFound("lead_not_found", "no such dialog")
    limit = page_limit(_request().query_params)
    page = runtime.store.message_page(lead.id, limit)
    return json_response({"lead": operator_lead_view(lead), "messages": _messages(page, True, limit)})


@operator_api.route("/api/dialogs/{lead_id}/messages", methods=["GET"])
@handles_errors
def message_page(lead_id: str) -> Any:
    current_operator(_request())
    lead_id = _lead_id(lead_id)
    window = check_message_window(_request().query_params)
    store = services().store
    if window.after is not None:
        return json_response(_messages(store.messages_after(lead_id, window.after, window.limit), False, window.limit))
    return json_response(_messages(store.message_page(lead_id, window.limit, window.before), True, window.limit))


@operator_api.route("/api/dialogs/{lead_id}/lead", methods=["PATCH"], content_types=ANY_CONTENT)
@handles_errors
def edit_lead(lead_id: str) -> Any:
    operator = current_operator(_request())
    lead_id = _lead_id(lead_id)
    changes = check_operator_lead_edit(json_body(_request()))
    lead = services().dialogs.edit_lead(lead_id, operator.username, changes)
    return json_response(operator_lead_view(lead))


# --- the actions ------------------------------------------------------------------------------

def _action(lead_id: str, name: str) -> Any:
    operator = current_operator(_request())
    lead_id = _lead_id(lead_id)
    action = getattr(services().dialogs, name)
    return json_response({"lead": operator_lead_view(action(lead_id, operator.username))})


@operator_api.route("/api/dialogs/{lead_id}/start", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def start(lead_id: str) -> Any:
    return _action(lead_id, "start")


@operator_api.route("/api/dialogs/{lead_id}/leave", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def leave(lead_id: str) -> Any:
    return _action(lead_id, "leave")


@operator_api.route("/api/dialogs/{lead_id}/resolve", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def resolve(lead_id: str) -> Any:
    return _action(lead_id, "resolve")


@operator_api.route("/api/dialogs/{lead_id}/read", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def mark_read(lead_id: str) -> Any:
    return _action(lead_id, "mark_read")


@operator_api.route("/api/dialogs/{lead_id}/messages", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def send_message(lead_id: str) -> Any:
    operator = current_operator(_request())
    lead_id = _lead_id(lead_id)
    reply = check_operator_reply(json_body(_request()))
    runtime = services()
    message, created, _lead = runtime.dialogs.send_operator_message(
        lead_id, operator.username, reply.client_id, reply.text, reply.upload_ids
    )
    return json_response(operator_message_view(message, runtime.attachments), 201 if created else 200)


@operator_api.route("/api/dialogs/{lead_id}/notes", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def add_note(lead_id: str) -> Any:
    operator = current_operator(_request())
    lead_id = _lead_id(lead_id)
    client_id, text = check_note(json_body(_request()))
    runtime = services()
    note, created = runtime.notes.add(lead_id, operator.username, client_id, text)
    return json_response(operator_message_view(note, runtime.attachments), 201 if created else 200)


@operator_api.route("/api/uploads", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def create_upload() -> Any:
    operator = current_operator(_request())
    request = check_upload_request(json_body(_request()))
    return json_response(services().uploads.create(f"operator:{operator.username}", request), 201)


# --- bots ---------------------------------------------------------------------------------------

@operator_api.route("/api/bots", methods=["GET"])
@handles_errors
def list_bots() -> Any:
    operator = current_operator(_request())
    bots = services().bots.list()
    # One bad bot record must not take the bot list (and every dialog row's bot name) away.
    return json_response({"items": render_each(bots, bot_view if operator.admin else bot_entry_view, "bot")})
