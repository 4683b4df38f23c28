"""The OpenAPI 3.1 document of the operator and admin API, served at GET /api/openapi.json.

Tests check it against the app's routes (every `/api` route is in it, nothing else) and
every example against its schema, like the bot API's document. docs/operator-api.md is
the prose version.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib.api.openapi_bot import LEAD_EXAMPLE, TIME
from chalicelib.api.openapi_bot import SCHEMAS as BOT_SCHEMAS
from chalicelib.domain.commands import MAX_ATTACHMENTS, MAX_SCRIPT_MESSAGES, MAX_TEXT
from chalicelib.storage.tab_pages import MAX_PAGE
from chalicelib.webhooks.dead_letters import MAX_PAGE as DEAD_LETTER_PAGE

_REF = "#/components/schemas/"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": _ref(schema), "example": SCHEMAS[schema]["example"]}}}


def _body(schema: str, required: bool = True) -> dict[str, Any]:
    return {"required": required,
            "content": {"application/json": {"schema": _ref(schema), "example": SCHEMAS[schema]["example"]}}}


SUMMARY_EXAMPLE = {
    "lead_id": LEAD_EXAMPLE["id"], "bot_id": LEAD_EXAMPLE["bot"], "name": "Anna", "avatar_url": None,
    "messenger": "telegram", "state": "waiting", "operators": [], "last_activity_at": "2026-11-25T08:05:00.000Z",
    "unread": 2, "last_message": {"seq": 7, "from": "lead", "text": "hello", "at": "2026-11-25T08:05:00.000Z"},
}
OPERATOR_LEAD_EXAMPLE = {**LEAD_EXAMPLE, "dialog": {"state": "operator", "operators": ["alice"]}, "unread": 0}
MESSAGE_EXAMPLE = {
    "seq": 8, "from": "operator", "operator": "alice", "text": "Hello, I am Alice", "delivery": "sent",
    "attachments": [{"upload_id": "up_abcdefghijklmnopqrstuvwx", "name": "photo.png", "content_type": "image/png",
                     "size": 48213, "preview": True,
                     "url": "https://handover-attachments.s3.amazonaws.com/uploads/operator/up_abc?X-Amz-Signature=…"}],
    "created_at": "2026-11-25T08:06:00.000Z",
}
BOT_EXAMPLE = {
    "id": "bot_mfrggzdfmztwq2lk", "name": "Support bot", "webhook_url": "https://bots.example.com/handover",
    "webhook_disabled_at": None, "webhook_disabled_reason": None, "enabled": True, "api_key_hint": "…x9Qa",
    "scripts": {"return": ["The bot is back, {{name}}."], "operator_transfer": ["An operator joined."]},
    "created_at": "2026-11-25T08:00:00.000Z", "updated_at": "2026-11-25T08:00:00.000Z",
}
OPERATOR_EXAMPLE = {"username": "alice", "admin": False}
TOKENS_EXAMPLE = {"access_token": "eyJraWQiOi…", "id_token": "eyJraWQiOi…", "refresh_token": "eyJjdHkiOi…",
                  "expires_in": 3600, "operator": OPERATOR_EXAMPLE}
TEXTS = {"type": ["array", "null"], "maxItems": MAX_SCRIPT_MESSAGES,
         "items": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT}}
NULLABLE = {"type": ["string", "null"]}

SCHEMAS: dict[str, Any] = {
    "Error": BOT_SCHEMAS["Error"],
    "Dialog": BOT_SCHEMAS["Dialog"],
    "Attachment": {
        **BOT_SCHEMAS["Attachment"],
        "required": [*BOT_SCHEMAS["Attachment"]["required"], "url"],
        "properties": {**BOT_SCHEMAS["Attachment"]["properties"],
                       "url": {"type": "string", "description": "A presigned GET link, valid for 10 minutes."}},
    },
    "UploadInput": BOT_SCHEMAS["UploadInput"],
    "Upload": BOT_SCHEMAS["Upload"],
    "LoginInput": {
        "type": "object", "required": ["username", "password"],
        "properties": {"username": {"type": "string", "minLength": 1}, "password": {"type": "string", "minLength": 1}},
        "example": {"username": "alice", "password": "correct horse battery staple"},
    },
    "RefreshInput": {
        "type": "object", "required": ["refresh_token"],
        "properties": {"refresh_token": {"type": "string", "minLength": 1}},
        "example": {"refresh_token": "eyJjdHkiOi…"},
    },
    "Operator": {
        "type": "object", "required": ["username", "admin"],
        "properties": {"username": {"type": "string"}, "admin": {"type": "boolean"}},
        "example": OPERATOR_EXAMPLE,
    },
    "Tokens": {
        "type": "object", "required": ["access_token", "id_token", "expires_in", "operator"],
        "properties": {
            "access_token": {"type": "string", "description": "Send as Authorization: Bearer <access_token>."},
            "id_token": {"type": "string"},
            "refresh_token": {"type": "string", "description": "Only from login."},
            "expires_in": {"type": "integer"},
            "operator": _ref("Operator"),
        },
        "example": TOKENS_EXAMPLE,
    },
    "WsTicket": {
        "type": "object", "required": ["ticket", "expires_at", "ws_url"],
        "properties": {"ticket": {"type": "string"}, "expires_at": TIME, "ws_url": {"type": "string"}},
        "example": {"ticket": "wst_3q2…", "expires_at": "2026-11-25T08:01:00.000Z", "ws_url": "wss://ws.example.com/live"},
    },
    "DialogSummary": {
        "type": "object",
        "required": ["lead_id", "bot_id", "state", "operators", "last_activity_at", "unread", "last_message"],
        "properties": {
            "lead_id": {"type": "string"}, "bot_id": {"type": "string"}, "name": NULLABLE, "avatar_url": NULLABLE,
            "messenger": NULLABLE, "state": {"type": "string", "enum": ["bot", "waiting", "operator"]},
            "operators": {"type": "array", "items": {"type": "string"}}, "last_activity_at": TIME,
            "unread": {"type": "integer", "minimum": 0},
            "last_message": {
                "type": ["object", "null"], "required": ["seq", "from", "text", "at"],
                "properties": {"seq": {"type": "integer"}, "from": {"type": "string"}, "text": {"type": "string"},
                               "at": TIME},
            },
        },
        "example": SUMMARY_EXAMPLE,
    },
    "TabPage": {
        "type": "object", "required": ["items", "next_cursor"],
        "properties": {"items": {"type": "array", "items": _ref("DialogSummary")},
                       "next_cursor": {"type": ["string", "null"], "description": "Opaque; null on the last page."}},
        "example": {"items": [SUMMARY_EXAMPLE], "next_cursor": None},
    },
    "Counts": {
        "type": "object", "required": ["waiting", "mine", "all"],
        "properties": {name: {"type": "integer", "minimum": 0} for name in ("waiting", "mine", "all")},
        "example": {"waiting": 3, "mine": 1, "all": 120},
    },
    "Lead": {
        **BOT_SCHEMAS["Lead"],
        "required": [*BOT_SCHEMAS["Lead"]["required"], "unread"],
        "properties": {**BOT_SCHEMAS["Lead"]["properties"], "unread": {"type": "integer", "minimum": 0}},
        "example": OPERATOR_LEAD_EXAMPLE,
    },
    "LeadResult": {
        "type": "object", "required": ["lead"], "properties": {"lead": _ref("Lead")},
        "example": {"lead": OPERATOR_LEAD_EXAMPLE},
    },
    "LeadEdit": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "name": NULLABLE, "status": NULLABLE,
            "tags": BOT_SCHEMAS["LeadInput"]["properties"]["tags"],
            "phone": {"type": ["string", "null"], "description": "Stored as the attribute sys_phone."},
            "email": {"type": ["string", "null"], "description": "Stored as the attribute sys_email."},
            "variables": {"type": ["object", "null"], "description": "Merged into the attributes; null deletes a key.",
                          "additionalProperties": BOT_SCHEMAS["LeadInput"]["properties"]["attributes"][
                              "additionalProperties"]},
        },
        "example": {"status": "hot", "phone": "+15551234567", "variables": {"plan": "enterprise", "old": None}},
    },
    "Message": {
        "type": "object", "required": ["seq", "from", "attachments", "created_at"],
        "properties": {
            "seq": {"type": "integer", "minimum": 1},
            "from": {"type": "string", "enum": ["lead", "bot", "operator", "system"]},
            "text": NULLABLE, "attachments": {"type": "array", "items": _ref("Attachment")}, "created_at": TIME,
            "id": {"type": "string", "description": "The bot's message id (bot and lead messages)."},
            "sent_at": TIME, "operator": {"type": "string"},
            "system_script": {"type": "string", "enum": ["return", "operator_transfer"]},
            "event": {"type": "string"}, "delivery": {"type": "string", "enum": ["sent", "delivered", "failed"]},
        },
        "example": MESSAGE_EXAMPLE,
    },
    "MessagePage": {
        "type": "object", "required": ["items", "next_cursor"],
        "properties": {"items": {"type": "array", "items": _ref("Message")},
                       "next_cursor": {"type": ["string", "null"],
                                       "description": "Pass as `before` (or `after`) for the next page."}},
        "example": {"items": [MESSAGE_EXAMPLE], "next_cursor": "8"},
    },
    "DialogPanel": {
        "type": "object", "required": ["lead", "messages"],
        "properties": {"lead": _ref("Lead"), "messages": _ref("MessagePage")},
        "example": {"lead": OPERATOR_LEAD_EXAMPLE, "messages": {"items": [MESSAGE_EXAMPLE], "next_cursor": None}},
    },
    "MessageInput": {
        "type": "object", "additionalProperties": False, "required": ["client_id"],
        "properties": {
            "client_id": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,128}$",
                          "description": "The UI's id: sending it again stores nothing new."},
            "text": {"type": "string", "maxLength": MAX_TEXT},
            "attachments": {"type": "array", "maxItems": MAX_ATTACHMENTS,
                            "items": {"type": "object", "required": ["upload_id"],
                                      "properties": {"upload_id": {"type": "string",
                                                                   "pattern": "^up_[a-z0-9]{20,40}$"}}}},
        },
        "example": {"client_id": "c-1732521960-1", "text": "Hello, I am Alice"},
    },
    "BotSummary": {
        "type": "object", "required": ["id", "name", "enabled"],
        "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "enabled": {"type": "boolean"}},
        "example": {"id": "bot_mfrggzdfmztwq2lk", "name": "Support bot", "enabled": True},
    },
    "BotList": {
        "type": "object", "required": ["items"],
        "properties": {"items": {"type": "array", "items": {"anyOf": [_ref("Bot"), _ref("BotSummary")]}}},
        "example": {"items": [{"id": "bot_mfrggzdfmztwq2lk", "name": "Support bot", "enabled": True}]},
    },
    "Bot": {
        "type": "object",
        "required": ["id", "name", "webhook_url", "enabled", "api_key_hint", "scripts", "created_at", "updated_at"],
        "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}, "webhook_url": NULLABLE,
            "webhook_disabled_at": NULLABLE, "webhook_disabled_reason": NULLABLE, "enabled": {"type": "boolean"},
            "api_key_hint": {"type": "string"},
            "scripts": {"type": "object", "required": ["return", "operator_transfer"],
                        "properties": {"return": {"type": "array", "items": {"type": "string"}},
                                       "operator_transfer": {"type": "array", "items": {"type": "string"}}}},
            "created_at": TIME, "updated_at": TIME,
        },
        "example": BOT_EXAMPLE,
    },
    "BotInput": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 128},
            "webhook_url": {"type": ["string", "null"], "description": "https (http to localhost locally)"},
            "enabled": {"type": "boolean"},
            "scripts": {"type": "object", "additionalProperties": False,
                        "properties": {"return": TEXTS, "operator_transfer": TEXTS}},
        },
        "example": {"name": "Support bot", "webhook_url": "https://bots.example.com/handover",
                    "scripts": {"return": ["The bot is back, {{name}}."]}},
    },
    "BotCreated": {
        "type": "object", "required": ["bot", "api_key", "webhook_secret"],
        "properties": {"bot": _ref("Bot"), "api_key": {"type": "string", "description": "Shown once."},
                       "webhook_secret": {"type": "string", "description": "Shown once."}},
        "example": {"bot": BOT_EXAMPLE, "api_key": "hbk.bot_mfrggzdfmztwq2lk.…", "webhook_secret": "whsec_…"},
    },
    "BotKey": {
        "type": "object", "required": ["bot", "api_key"],
        "properties": {"bot": _ref("Bot"), "api_key": {"type": "string"}},
        "example": {"bot": BOT_EXAMPLE, "api_key": "hbk.bot_mfrggzdfmztwq2lk.…"},
    },
    "BotWebhookSecret": {
        "type": "object", "required": ["bot", "webhook_secret"],
        "properties": {"bot": _ref("Bot"), "webhook_secret": {"type": "string"}},
        "example": {"bot": BOT_EXAMPLE, "webhook_secret": "whsec_…"},
    },
    "DeadLetters": {
        "type": "object", "required": ["items", "next_cursor"],
        "properties": {"items": {"type": "array", "items": {"type": "object"}},
                       "next_cursor": {"type": ["string", "null"]}},
        "example": {"items": [], "next_cursor": None},
    },
    "Replayed": {
        "type": "object", "required": ["replayed"],
        "properties": {"replayed": {"type": "array", "items": {"type": "string"}}},
        "example": {"replayed": ["dl_01"]},
    },
}
# Creating a bot needs its name; PATCH takes any subset of the same fields.
SCHEMAS["BotCreateInput"] = {**SCHEMAS["BotInput"], "required": ["name"]}

AUTH_ERRORS = {"401": _error("No access token, or one that is expired, tampered or from another pool"),
               "429": _error("Too many requests from this operator (rate_limited); wait Retry-After seconds"),
               "503": _error("Busy or unavailable (busy, unavailable); nothing was written, retry after Retry-After")}
ADMIN_ERRORS = {**AUTH_ERRORS, "403": _error("Only admins (Cognito group admins)")}
BODY_ERRORS = {"400": _error("Malformed JSON or no body"), "413": _error("Body over 256 KB"),
               "415": _error("The body is not application/json"), "422": _error("Invalid fields (details.fields)")}
LEAD_ID = {"name": "lead_id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^ld_[a-z2-7]{26}$"}}
BOT_ID = {"name": "bot_id", "in": "path", "required": True, "schema": {"type": "string"}}
LETTER_ID = {"name": "letter_id", "in": "path", "required": True, "schema": {"type": "string"}}
LIMIT = {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}}
CURSOR = {"name": "cursor", "in": "query", "schema": {"type": "string"}}
NOT_FOUND = {"404": _error("No such dialog (lead_not_found)")}


def _op(op_id: str, summary: str, responses: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"operationId": op_id, "summary": summary, "responses": responses, **more}


def _action(op_id: str, summary: str) -> dict[str, Any]:
    return {"parameters": [LEAD_ID], "post": _op(op_id, summary, {
        "200": _json("LeadResult", "The dialog's new state"), **AUTH_ERRORS, **NOT_FOUND,
        "409": _error("Refused by the state machine (invalid_transition, details.state)"),
        "503": _error("The dialog kept changing; retry")})}


def _paths() -> dict[str, Any]:
    public: dict[str, Any] = {"security": []}
    return {
        "/api/auth/login": {"post": _op("login", "Sign in with Cognito (USER_PASSWORD_AUTH)", {
            "200": _json("Tokens", "Signed in"), **BODY_ERRORS,
            "401": _error("Wrong username or password (invalid_credentials)")},
            requestBody=_body("LoginInput"), **public)},
        "/api/auth/refresh": {"post": _op("refresh", "New access and id tokens from a refresh token", {
            "200": _json("Tokens", "Refreshed"), **BODY_ERRORS, "401": _error("The refresh token no longer works")},
            requestBody=_body("RefreshInput"), **public)},
        "/api/me": {"get": _op("me", "Who the token belongs to", {"200": _json("Operator", "The operator"),
                                                                  **AUTH_ERRORS})},
        "/api/ws-ticket": {"post": _op("wsTicket", "A one-time websocket ticket (60 s)", {
            "200": _json("WsTicket", "Connect to ws_url?ticket=…"), **AUTH_ERRORS})},
        "/api/tabs/{tab}": {
            "parameters": [{"name": "tab", "in": "path", "required": True,
                            "schema": {"type": "string", "enum": ["waiting", "mine", "all"]}}],
            "get": _op("tabPage", "A page of a tab, newest activity first", {
                "200": _json("TabPage", "The page"), **AUTH_ERRORS, "422": _error("Unknown tab, bad limit or cursor")},
                parameters=[LIMIT, CURSOR])},
        "/api/counts": {"get": _op("counts", "How many dialogs each tab has", {
            "200": _json("Counts", "The counts"), **AUTH_ERRORS})},
        "/api/dialogs/{lead_id}": {"parameters": [LEAD_ID], "get": _op(
            "openDialog", "The lead and its newest messages", {
                "200": _json("DialogPanel", "The dialog panel"), **AUTH_ERRORS, **NOT_FOUND,
                "422": _error("Bad limit")},
            parameters=[LIMIT])},
        "/api/dialogs/{lead_id}/messages": {
            "parameters": [LEAD_ID],
            "get": _op("messages", "Older messages (before, newest first) or newer ones (after, oldest first)", {
                "200": _json("MessagePage", "A page"), **AUTH_ERRORS, **NOT_FOUND,
                "422": _error("Bad before/after/limit")},
                parameters=[LIMIT, {"name": "before", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                            {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0}}]),
            "post": _op("sendMessage", "Send a message to the lead (participants only, R11)", {
                "200": _json("Message", "Already sent under this client_id"), "201": _json("Message", "Sent"),
                **AUTH_ERRORS, **BODY_ERRORS, **NOT_FOUND,
                "403": _error("Not in the dialog (not_participant)"),
                "409": _error("The client_id was used for another message (idempotency_conflict)")},
                requestBody=_body("MessageInput")),
        },
        "/api/dialogs/{lead_id}/lead": {"parameters": [LEAD_ID], "patch": _op(
            "editLead", "Edit the lead (R3)", {"200": _json("Lead", "The lead"), **AUTH_ERRORS, **BODY_ERRORS,
                                              **NOT_FOUND}, requestBody=_body("LeadEdit"))},
        "/api/dialogs/{lead_id}/start": _action("start", "Start conversation (R10)"),
        "/api/dialogs/{lead_id}/leave": _action("leave", "Leave the dialog (R6)"),
        "/api/dialogs/{lead_id}/resolve": _action("resolve", "Mark resolved and return to the bot (R7)"),
        "/api/dialogs/{lead_id}/read": _action("markRead", "Mark the lead's messages read"),
        "/api/uploads": {"post": _op("createUpload", "A presigned S3 POST for an attachment (max 20 MB)", {
            "201": _json("Upload", "Upload it, then reference upload_id in a message"), **AUTH_ERRORS,
            **BODY_ERRORS}, requestBody=_body("UploadInput"))},
        "/api/bots": {"get": _op("bots", "Bots by name (admins see every field)", {
            "200": _json("BotList", "The bots"), **AUTH_ERRORS})},
        "/api/admin/bots": {
            "get": _op("adminListBots", "Every bot", {"200": _json("BotList", "The bots"), **ADMIN_ERRORS}),
            "post": _op("createBot", "Create a bot; its API key and webhook secret are shown once", {
                "201": _json("BotCreated", "Created"), **ADMIN_ERRORS, **BODY_ERRORS},
                requestBody=_body("BotCreateInput")),
        },
        "/api/admin/bots/{bot_id}": {
            "parameters": [BOT_ID],
            "get": _op("getBot", "A bot", {"200": _json("Bot", "The bot"), **ADMIN_ERRORS,
                                          "404": _error("No such bot")}),
            "patch": _op("editBot", "Edit name, webhook URL, scripts, enabled", {
                "200": _json("Bot", "The bot"), **ADMIN_ERRORS, **BODY_ERRORS, "404": _error("No such bot")},
                requestBody=_body("BotInput")),
        },
        "/api/admin/bots/{bot_id}/rotate-key": {"parameters": [BOT_ID], "post": _op(
            "rotateKey", "A new API key (the old one stops at once)", {
                "200": _json("BotKey", "The new key, shown once"), **ADMIN_ERRORS, "404": _error("No such bot")})},
        "/api/admin/bots/{bot_id}/rotate-webhook-secret": {"parameters": [BOT_ID], "post": _op(
            "rotateWebhookSecret", "A new webhook secret (the previous one keeps signing until the next rotation)", {
                "200": _json("BotWebhookSecret", "The new secret, shown once"), **ADMIN_ERRORS,
                "404": _error("No such bot")})},
        "/api/admin/webhooks/dead-letters": {"get": _op(
            "deadLetters", "Webhook calls that failed for good (docs/webhooks.md)", {
                "200": _json("DeadLetters", "A page"), **ADMIN_ERRORS, "422": _error("Bad limit, cursor or bot_id")},
            parameters=[{**LIMIT, "schema": {"type": "integer", "minimum": 1, "maximum": DEAD_LETTER_PAGE}},
                        CURSOR, {"name": "bot_id", "in": "query", "schema": {"type": "string"}}])},
        "/api/admin/webhooks/dead-letters/{letter_id}": {"parameters": [LETTER_ID], "get": _op(
            "deadLetter", "One dead letter", {"200": {"description": "The dead letter"}, **ADMIN_ERRORS,
                                              "404": _error("No such dead letter")})},
        "/api/admin/webhooks/dead-letters/{letter_id}/replay": {"parameters": [LETTER_ID], "post": _op(
            "replayDeadLetter", "Deliver a dead letter again", {"202": _json("Replayed", "Queued"), **ADMIN_ERRORS,
                                                                 "404": _error("No such dead letter")})},
        "/api/admin/webhooks/replay": {"post": _op(
            "replayDeadLetters", "Deliver dead letters again (optionally one bot's)", {
                "202": _json("Replayed", "Queued"), **ADMIN_ERRORS, **BODY_ERRORS})},
        "/api/openapi.json": {"get": _op("openapi", "This document", {
            "200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}}, **public)},
    }


@lru_cache(maxsize=1)
def operator_openapi() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Handover operator and admin API",
            "version": "1.0.0",
            "description": "What the operator UI calls (docs/operator-api.md). Every route except sign-in and "
            "this document needs a Cognito access token; /api/admin/... needs the admins group. Errors are "
            "{\"error\": {\"code\", \"message\", \"details\"?}}.",
        },
        "servers": [{"url": "/"}],
        "security": [{"cognito": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"cognito": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                                            "description": "A Cognito access token from POST /api/auth/login"}},
            "schemas": SCHEMAS,
        },
    }
