"""The OpenAPI 3.1 document of bot API v1, served at GET /bot/v1/openapi.json.

Tests check that every `/bot/v1` route is in it and that every example validates
against its schema, so the document cannot drift from the code silently.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib.domain.commands import (
    MAX_ATTACHMENTS,
    MAX_ATTRIBUTE_KEY,
    MAX_ATTRIBUTE_VALUE,
    MAX_ATTRIBUTES,
    MAX_REASON,
    MAX_TAG_LEN,
    MAX_TAGS,
    MAX_TEXT,
)
from chalicelib.domain.files import MAX_UPLOAD_BYTES

TIME = {"type": "string", "format": "date-time", "examples": ["2026-11-25T08:00:00.000Z"]}
NULLABLE_TEXT = {"type": ["string", "null"], "maxLength": 256}
ATTRIBUTE_VALUE = {
    "oneOf": [
        {"type": "string", "maxLength": MAX_ATTRIBUTE_VALUE},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "null"},
    ]
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(schema_ref: str, description: str, example: Any) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}, "example": example}},
    }


LEAD_EXAMPLE = {
    "id": "ld_3m2x7q4vd5u6k7j8l9m0n1p2q3",
    "lead_ref": "tg:123456",
    "bot": "bot_mfrggzdfmztwq2lk",
    "name": "Anna",
    "avatar_url": "https://example.com/anna.png",
    "channel": "support",
    "messenger": "telegram",
    "language": "en",
    "status": "new",
    "tags": ["vip"],
    "attributes": {"sys_phone": "+15551234567", "sys_email": "anna@example.com", "plan": "pro", "age": 31},
    "phone": "+15551234567",
    "email": "anna@example.com",
    "created_at": "2026-11-25T08:00:00.000Z",
    "last_activity_at": "2026-11-25T08:05:00.000Z",
    "dialog": {"state": "bot", "operators": []},
}

MESSAGE_EXAMPLE = {
    "id": "msg-1001",
    "seq": 7,
    "from": "lead",
    "text": "I need a human, please",
    "attachments": [
        {"upload_id": "up_abcdefghijklmnopqrstuvwx", "name": "photo.png", "content_type": "image/png",
         "size": 48213, "preview": True}
    ],
    "created_at": "2026-11-25T08:05:00.000Z",
    "dialog": {"state": "bot", "operators": []},
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "examples": ["validation_failed"]},
                    "message": {"type": "string"},
                    "details": {"type": "object"},
                },
            }
        },
    },
    "Dialog": {
        "type": "object",
        "required": ["state", "operators"],
        "properties": {
            "state": {"type": "string", "enum": ["bot", "waiting", "operator"]},
            "operators": {"type": "array", "items": {"type": "string"}},
        },
    },
    "LeadInput": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name": NULLABLE_TEXT,
            # An empty string, like null, clears the avatar.
            "avatar_url": {"type": ["string", "null"], "maxLength": 2048, "pattern": "^(https?://|$)"},
            "channel": NULLABLE_TEXT,
            "messenger": NULLABLE_TEXT,
            "language": NULLABLE_TEXT,
            "status": NULLABLE_TEXT,
            "tags": {
                "type": ["array", "null"],
                "maxItems": MAX_TAGS,
                # Blank tags are refused (the server strips them), hence the \S.
                "items": {"type": "string", "minLength": 1, "maxLength": MAX_TAG_LEN, "pattern": "\\S"},
            },
            "attributes": {
                "type": ["object", "null"],
                "description": "Merged into the stored attributes; null deletes a key. "
                "sys_phone and sys_email are the lead's phone and e-mail.",
                "maxProperties": MAX_ATTRIBUTES,
                "propertyNames": {"maxLength": MAX_ATTRIBUTE_KEY, "minLength": 1},
                "additionalProperties": ATTRIBUTE_VALUE,
            },
        },
        "example": {"name": "Anna", "messenger": "telegram", "tags": ["vip"],
                    "attributes": {"sys_phone": "+15551234567", "plan": "pro", "old_key": None}},
    },
    "Lead": {
        "type": "object",
        "required": ["id", "lead_ref", "bot", "tags", "attributes", "created_at", "last_activity_at", "dialog"],
        "properties": {
            "id": {"type": "string"},
            "lead_ref": {"type": "string"},
            "bot": {"type": "string"},
            "name": NULLABLE_TEXT,
            "avatar_url": {"type": ["string", "null"]},
            "channel": NULLABLE_TEXT,
            "messenger": NULLABLE_TEXT,
            "language": NULLABLE_TEXT,
            "status": NULLABLE_TEXT,
            "tags": {"type": "array", "items": {"type": "string"}},
            "attributes": {"type": "object", "additionalProperties": ATTRIBUTE_VALUE},
            "phone": {"type": ["string", "null"]},
            "email": {"type": ["string", "null"]},
            "created_at": TIME,
            "last_activity_at": TIME,
            "dialog": {"$ref": "#/components/schemas/Dialog"},
        },
        "example": LEAD_EXAMPLE,
    },
    "MessageInput": {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "from"],
        "properties": {
            "id": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[\\x21-\\x7e]+$",
                   "description": "The bot's own message id: posting the same id again stores nothing new."},
            "from": {"type": "string", "enum": ["lead", "bot"]},
            "text": {"type": "string", "maxLength": MAX_TEXT},
            "attachments": {
                "type": "array",
                "maxItems": MAX_ATTACHMENTS,
                "items": {
                    "type": "object",
                    "required": ["upload_id"],
                    "properties": {"upload_id": {"type": "string", "pattern": "^up_[a-z0-9]{20,40}$"}},
                },
            },
            "sent_at": TIME,
        },
        "example": {"id": "msg-1001", "from": "lead", "text": "I need a human, please"},
    },
    "Attachment": {
        "type": "object",
        "required": ["upload_id", "name", "content_type", "size", "preview"],
        "properties": {
            "upload_id": {"type": "string"},
            "name": {"type": "string"},
            "content_type": {"type": "string"},
            "size": {"type": "integer"},
            "preview": {"type": "boolean", "description": "True only for a checked PNG/JPEG/GIF under 2 MB."},
        },
    },
    "Message": {
        "type": "object",
        "required": ["seq", "from", "attachments", "created_at", "dialog"],
        "properties": {
            "id": {"type": ["string", "null"]},
            "seq": {"type": "integer", "minimum": 1},
            "from": {"type": "string", "enum": ["lead", "bot", "operator", "system"]},
            "text": {"type": ["string", "null"]},
            "attachments": {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}},
            "created_at": TIME,
            "sent_at": TIME,
            "dialog": {"$ref": "#/components/schemas/Dialog"},
        },
        "example": MESSAGE_EXAMPLE,
    },
    "HandoffInput": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"reason": {"type": ["string", "null"], "maxLength": MAX_REASON}},
        "example": {"reason": "the lead asked for a human"},
    },
    "HandoffResult": {
        "type": "object",
        "required": ["dialog"],
        "properties": {"dialog": {"$ref": "#/components/schemas/Dialog"}},
        "example": {"dialog": {"state": "waiting", "operators": []}},
    },
    "UploadInput": {
        "type": "object",
        "additionalProperties": False,
        "required": ["filename", "content_type", "size"],
        "properties": {
            "filename": {"type": "string", "minLength": 1, "maxLength": 1024, "pattern": "\\S"},
            # chalicelib/domain/files.py CONTENT_TYPE_RE, either case.
            "content_type": {"type": "string", "examples": ["image/png"],
                             "pattern": "^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$"},
            "size": {"type": "integer", "minimum": 1, "maximum": MAX_UPLOAD_BYTES},
        },
        "example": {"filename": "photo.png", "content_type": "image/png", "size": 48213},
    },
    "Upload": {
        "type": "object",
        "required": ["upload_id", "url", "fields", "expires_at"],
        "properties": {
            "upload_id": {"type": "string"},
            "url": {"type": "string", "description": "POST the file here as multipart/form-data with `fields`."},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            "expires_at": TIME,
        },
        "example": {
            "upload_id": "up_abcdefghijklmnopqrstuvwx",
            "url": "https://handover-attachments.s3.amazonaws.com/",
            "fields": {"key": "uploads/bot/up_abcdefghijklmnopqrstuvwx", "Content-Type": "image/png"},
            "expires_at": "2026-11-25T08:20:00.000Z",
        },
    },
}

LEAD_REF = {
    "name": "lead_ref",
    "in": "path",
    "required": True,
    "description": "The bot's own reference for the lead.",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:@-]{1,128}$"},
}

COMMON_ERRORS = {
    "401": _error("No API key, or a wrong one"),
    "429": _error("Too many requests for this key (rate_limited); wait Retry-After seconds"),
    "503": _error("Busy (busy) or DynamoDB unavailable (unavailable); nothing was written, retry after Retry-After"),
}
BODY_ERRORS = {
    "400": _error("Malformed JSON"),
    "413": _error("Body over 256 KB"),
    "415": _error("The body is not application/json"),
    "422": _error("Valid JSON with invalid fields (named in details.fields)"),
}


def _body(schema: str, required: bool = True) -> dict[str, Any]:
    return {
        "required": required,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"},
                                         "example": SCHEMAS[schema]["example"]}},
    }


@lru_cache(maxsize=1)
def bot_openapi() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Handover bot API",
            "version": "1.0.0",
            "description": "How a chatbot hands its dialogs with leads over to Handover's operators. "
            "Errors are {\"error\": {\"code\", \"message\", \"details\"?}}.",
        },
        "servers": [{"url": "/"}],
        "security": [{"botKey": []}],
        "paths": {
            "/bot/v1/leads/{lead_ref}": {
                "parameters": [LEAD_REF],
                "put": {
                    "operationId": "putLead",
                    "summary": "Create or update a lead",
                    "requestBody": _body("LeadInput", required=False),
                    "responses": {
                        "200": _json("Lead", "Updated", LEAD_EXAMPLE),
                        "201": _json("Lead", "Created", LEAD_EXAMPLE),
                        **COMMON_ERRORS,
                        **BODY_ERRORS,
                    },
                },
                "get": {
                    "operationId": "getLead",
                    "summary": "Read a lead",
                    "responses": {
                        "200": _json("Lead", "The lead", LEAD_EXAMPLE),
                        **COMMON_ERRORS,
                        "404": _error("No such lead (lead_not_found)"),
                        "422": _error("Invalid lead_ref"),
                    },
                },
            },
            "/bot/v1/leads/{lead_ref}/messages": {
                "parameters": [LEAD_REF],
                "post": {
                    "operationId": "postMessage",
                    "summary": "Add a lead's or the bot's message to the dialog (idempotent by id)",
                    "requestBody": _body("MessageInput"),
                    "responses": {
                        "200": _json("Message", "Already stored under this id: nothing new was stored", MESSAGE_EXAMPLE),
                        "201": _json("Message", "Stored", MESSAGE_EXAMPLE),
                        **COMMON_ERRORS,
                        **BODY_ERRORS,
                        "404": _error("No such lead (lead_not_found)"),
                        "409": _error("The id was used for a different message (idempotency_conflict)"),
                    },
                },
            },
            "/bot/v1/leads/{lead_ref}/handoff": {
                "parameters": [LEAD_REF],
                "post": {
                    "operationId": "handoff",
                    "summary": "Ask for an operator: a dialog in state bot goes to waiting",
                    "requestBody": _body("HandoffInput", required=False),
                    "responses": {
                        "200": _json("HandoffResult", "The dialog's state", SCHEMAS["HandoffResult"]["example"]),
                        **COMMON_ERRORS,
                        **BODY_ERRORS,
                        "404": _error("No such lead (lead_not_found)"),
                    },
                },
            },
            "/bot/v1/uploads": {
                "post": {
                    "operationId": "createUpload",
                    "summary": "Announce a file and get a presigned S3 POST for it (max 20 MB)",
                    "requestBody": _body("UploadInput"),
                    "responses": {
                        "201": _json("Upload", "Upload it with a multipart POST to url", SCHEMAS["Upload"]["example"]),
                        **COMMON_ERRORS,
                        **BODY_ERRORS,
                    },
                },
            },
            "/bot/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}},
                },
            },
        },
        "components": {
            "securitySchemes": {"botKey": {"type": "http", "scheme": "bearer", "description": "The bot's API key"}},
            "schemas": SCHEMAS,
        },
    }
