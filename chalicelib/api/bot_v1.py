"""Bot API v1: the public contract bots are written against (docs/bot-api.md).

Auth is `Authorization: Bearer <api key>`. A bot sees only its own leads: another
bot's lead_ref simply names a different lead, which does not exist for it (404).
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.api.bodies import (
    check_bot_message,
    check_handoff,
    check_lead_changes,
    check_lead_ref,
    check_upload_request,
    optional_body,
)
from chalicelib.api.http import ANY_CONTENT, bearer_token, handles_errors, json_body, json_response
from chalicelib.api.rate_limits import limit_bot
from chalicelib.bootstrap import services
from chalicelib.domain.credentials import ApiKey, parse_api_key
from chalicelib.domain.errors import Unauthorized
from chalicelib.services.dialogs import verify_bot
from chalicelib.views import dialog_view, lead_view, message_view

bot_api = Blueprint(__name__)


def _api_key() -> ApiKey:
    token = bearer_token(bot_api.current_request)
    key = parse_api_key(token) if token else None
    if key is None:
        raise Unauthorized("send the bot's API key as Authorization: Bearer <key>")
    limit_bot(key.hash)
    return key


@bot_api.route("/bot/v1/leads/{lead_ref}", methods=["PUT"], content_types=ANY_CONTENT)
@handles_errors
def put_lead(lead_ref: str) -> Any:
    key = _api_key()
    lead_ref = check_lead_ref(lead_ref)
    body = optional_body(bot_api.current_request)
    changes = check_lead_changes({} if body is None else body)
    lead, created = services().dialogs.upsert_lead(key, lead_ref, changes)
    return json_response(lead_view(lead), 201 if created else 200)


@bot_api.route("/bot/v1/leads/{lead_ref}", methods=["GET"])
@handles_errors
def get_lead(lead_ref: str) -> Any:
    key = _api_key()
    lead_ref = check_lead_ref(lead_ref)
    return json_response(lead_view(services().dialogs.get_lead(key, lead_ref)))


@bot_api.route("/bot/v1/leads/{lead_ref}/messages", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def post_message(lead_ref: str) -> Any:
    key = _api_key()
    lead_ref = check_lead_ref(lead_ref)
    incoming = check_bot_message(json_body(bot_api.current_request))
    message, created, lead = services().dialogs.post_bot_message(key, lead_ref, incoming)
    body = message_view(message)
    body["dialog"] = dialog_view(lead)
    return json_response(body, 201 if created else 200)


@bot_api.route("/bot/v1/leads/{lead_ref}/handoff", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def handoff(lead_ref: str) -> Any:
    key = _api_key()
    lead_ref = check_lead_ref(lead_ref)
    reason = check_handoff(optional_body(bot_api.current_request))
    lead = services().dialogs.handoff(key, lead_ref, reason)
    return json_response({"dialog": dialog_view(lead)})


@bot_api.route("/bot/v1/uploads", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def create_upload() -> Any:
    key = _api_key()
    request = check_upload_request(json_body(bot_api.current_request))
    runtime = services()
    bot = verify_bot(runtime.store.load(bot_id=key.bot_id).bot, key)
    return json_response(runtime.uploads.create(f"bot:{bot.id}", request), 201)


@bot_api.route("/bot/v1/openapi.json", methods=["GET"])
@handles_errors
def openapi() -> Any:
    from chalicelib.api.openapi_bot import bot_openapi  # the generator is loaded on first use, not at cold start

    return json_response(bot_openapi())
