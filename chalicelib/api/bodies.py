"""Request bodies and parameters, parsed into commands (`chalicelib/domain/commands.py`).

One parser per kind of request; a route calls it and passes the command on. Every problem
is collected, so a 422 names all the fields that are wrong at once. Plain Python: no AWS,
no Chalice. The admin bodies (a bot's fields, the dead-letter replay) are in `admin_bodies.py`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from chalicelib.domain.commands import (
    ATTRIBUTE_KEY_RE,
    CLIENT_ID_RE,
    EMAIL_ATTRIBUTE,
    LEAD_REF_RE,
    LEAD_TEXT_FIELDS,
    MAX_ATTACHMENTS,
    MAX_ATTRIBUTE_KEY,
    MAX_ATTRIBUTE_VALUE,
    MAX_ATTRIBUTES,
    MAX_REASON,
    MAX_SHORT_FIELD,
    MAX_TAG_LEN,
    MAX_TAGS,
    MAX_TEXT,
    MAX_URL,
    MESSAGE_ID_RE,
    PHONE_ATTRIBUTE,
    UPLOAD_ID_RE,
    IncomingMessage,
    LeadChanges,
    MessageWindow,
    OperatorReply,
    UploadRequest,
)
from chalicelib.domain.errors import DomainError, Problems, ValidationFailed
from chalicelib.domain.files import CONTENT_TYPE_RE, MAX_UPLOAD_BYTES, clean_filename


def require_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValidationFailed("the body must be a JSON object", fields={"body": "must be an object"})
    return body


def reject_unknown(body: dict[str, Any], allowed: set[str] | tuple[str, ...], problems: Problems) -> None:
    """Every key of `body` that is not `allowed` is a problem (`unknown field`)."""
    for key in body:
        if key not in allowed:
            problems.add(key, "unknown field")


def _short_text(value: Any, where: str, problems: Problems, limit: int = MAX_SHORT_FIELD) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems.add(where, "must be a string or null")
        return None
    if len(value) > limit:
        problems.add(where, f"at most {limit} characters")
        return None
    return value


# --- bot API: leads and messages ----------------------------------------------------------------

def check_lead_ref(lead_ref: str) -> str:
    """The lead_ref from a URL path, percent-decoded: API Gateway (and Chalice) pass path
    parameters as sent, so a client that encodes `tg:1` as `tg%3A1` must name the same lead.
    Decoding first is safe because `%` itself is never a valid character."""
    if isinstance(lead_ref, str) and "%" in lead_ref:
        lead_ref = unquote(lead_ref)  # undecodable bytes become U+FFFD, which the pattern refuses
    if not isinstance(lead_ref, str) or not LEAD_REF_RE.match(lead_ref):
        raise ValidationFailed(
            "lead_ref must be 1-128 characters of A-Z a-z 0-9 . _ : @ -",
            fields={"lead_ref": "1-128 characters of A-Za-z0-9._:@-"},
        )
    return lead_ref


def check_tags(value: Any, problems: Problems, where: str = "tags") -> list[str] | None:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(where, "must be a list of strings")
        return None
    if len(value) > MAX_TAGS:
        problems.add(where, f"at most {MAX_TAGS} tags")
        return None
    tags: list[str] = []
    for i, tag in enumerate(value):
        if not isinstance(tag, str) or not tag.strip():
            problems.add(f"{where}[{i}]", "must be a non-empty string")
        elif len(tag) > MAX_TAG_LEN:
            problems.add(f"{where}[{i}]", f"at most {MAX_TAG_LEN} characters")
        elif tag not in tags:
            tags.append(tag)
    return tags


def _storable_number(value: int | float) -> bool:
    """DynamoDB keeps numbers of magnitude 1E-130 to 9.99…E+125 with up to 38 significant
    digits; anything else fails the write (a 500 before this check; found by Schemathesis)."""
    if value == 0:
        return True
    if not 1e-130 <= abs(value) < 1e126:
        return False
    return not isinstance(value, int) or len(str(abs(value)).rstrip("0")) <= 38


def _attribute_value(value: Any, where: str, problems: Problems) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):  # NaN, infinities
            problems.add(where, "must be a finite number")
        elif not _storable_number(value):
            problems.add(where, "a number of magnitude 1e-130 to 1e125 with at most 38 digits")
        return value
    if isinstance(value, str):
        if len(value) > MAX_ATTRIBUTE_VALUE:
            problems.add(where, f"at most {MAX_ATTRIBUTE_VALUE} characters")
        return value
    problems.add(where, "must be a string, number, boolean or null")
    return None


def check_attribute_changes(value: Any, problems: Problems, where: str = "attributes") -> dict[str, Any] | None:
    """Attribute changes: a value sets a key, null deletes it."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.add(where, "must be an object")
        return None
    if len(value) > MAX_ATTRIBUTES:
        problems.add(where, f"at most {MAX_ATTRIBUTES} attributes")
        return None
    changes: dict[str, Any] = {}
    for key, item in value.items():
        if not ATTRIBUTE_KEY_RE.match(key):
            problems.add(f"{where}.{key[:64]}", f"keys are 1-{MAX_ATTRIBUTE_KEY} characters, no control characters")
            continue
        changes[key] = _attribute_value(item, f"{where}.{key}", problems)
    return changes


def check_lead_changes(body: Any) -> LeadChanges:
    """The body of `PUT /bot/v1/leads/{lead_ref}`."""
    body = require_object(body)
    problems = Problems()
    reject_unknown(body, {*LEAD_TEXT_FIELDS, "avatar_url", "tags", "attributes"}, problems)
    fields: dict[str, str | None] = {}
    for name in LEAD_TEXT_FIELDS:
        if name in body:
            fields[name] = _short_text(body[name], name, problems)
    if "avatar_url" in body:
        url = _short_text(body["avatar_url"], "avatar_url", problems, MAX_URL)
        if url and not re.match(r"^https?://", url):
            problems.add("avatar_url", "must be an http(s) URL")
        fields["avatar_url"] = url
    tags = check_tags(body["tags"], problems) if "tags" in body else None
    attributes = check_attribute_changes(body.get("attributes"), problems) or {}
    problems.raise_if_any()
    return LeadChanges(fields=fields, tags=tags, attributes=attributes)


def parse_timestamp(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC)


def check_text_and_attachments(body: dict[str, Any], problems: Problems) -> tuple[str | None, tuple[str, ...]]:
    text = body.get("text")
    if text is not None and not isinstance(text, str):
        problems.add("text", "must be a string")
        text = None
    elif isinstance(text, str) and len(text) > MAX_TEXT:
        problems.add("text", f"at most {MAX_TEXT} characters")
    elif isinstance(text, str) and not text.strip():
        text = None
    uploads: list[str] = []
    attachments = body.get("attachments")
    if attachments is not None:
        if not isinstance(attachments, list):
            problems.add("attachments", "must be a list of {upload_id}")
        elif len(attachments) > MAX_ATTACHMENTS:
            problems.add("attachments", f"at most {MAX_ATTACHMENTS} attachments")
        else:
            for i, item in enumerate(attachments):
                upload_id = item.get("upload_id") if isinstance(item, dict) else None
                if not isinstance(upload_id, str) or not UPLOAD_ID_RE.match(upload_id):
                    problems.add(f"attachments[{i}].upload_id", "must be an upload id from POST .../uploads")
                elif upload_id in uploads:
                    problems.add(f"attachments[{i}].upload_id", "is listed twice")
                else:
                    uploads.append(upload_id)
    if text is None and not uploads and "text" not in problems.found and "attachments" not in problems.found:
        problems.add("text", "a message needs text or at least one attachment")
    return text, tuple(uploads)


def check_bot_message(body: Any) -> IncomingMessage:
    """The body of `POST /bot/v1/leads/{lead_ref}/messages`."""
    body = require_object(body)
    problems = Problems()
    reject_unknown(body, {"id", "from", "text", "attachments", "sent_at"}, problems)
    message_id = body.get("id")
    if not isinstance(message_id, str) or not MESSAGE_ID_RE.match(message_id):
        problems.add("id", "the bot's message id: 1-128 printable characters without spaces")
    sender = body.get("from")
    if sender not in ("lead", "bot"):
        problems.add("from", 'must be "lead" or "bot"')
    text, uploads = check_text_and_attachments(body, problems)
    sent_at = body.get("sent_at")
    if sent_at is not None:
        parsed = parse_timestamp(sent_at) if isinstance(sent_at, str) else None
        if parsed is None:
            problems.add("sent_at", "must be an ISO 8601 time with a time zone")
        else:
            sent_at = parsed.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    problems.raise_if_any()
    return IncomingMessage(str(message_id), str(sender), text, uploads, sent_at)


def check_handoff(body: Any) -> str:
    """The body of `POST /bot/v1/leads/{lead_ref}/handoff` (optional): the reason."""
    body = require_object(body if body is not None else {})
    problems = Problems()
    reject_unknown(body, {"reason"}, problems)
    reason = _short_text(body.get("reason"), "reason", problems, MAX_REASON)
    problems.raise_if_any()
    return reason or ""


# --- uploads (both APIs) ------------------------------------------------------------------------

class UploadTooLarge(DomainError):
    """HTTP 413 (its own `status`): the announced size is over MAX_UPLOAD_BYTES."""

    code = "upload_too_large"
    status = 413


def check_upload_request(body: Any) -> UploadRequest:
    """The body of `POST /bot/v1/uploads` and `POST /api/uploads`."""
    body = require_object(body)
    problems = Problems()
    reject_unknown(body, ("filename", "content_type", "size"), problems)
    filename = body.get("filename")
    if not isinstance(filename, str) or not filename.strip() or len(filename) > 1024:
        problems.add("filename", "a file name of 1-255 characters")
    content_type = body.get("content_type")
    if not isinstance(content_type, str) or not CONTENT_TYPE_RE.match(content_type.lower()):
        problems.add("content_type", "a MIME type such as image/png")
    size = body.get("size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        problems.add("size", "the file's size in bytes (a positive integer)")
    problems.raise_if_any()
    if size > MAX_UPLOAD_BYTES:
        raise UploadTooLarge(
            f"files are at most {MAX_UPLOAD_BYTES} bytes (20 MB)", fields={"size": "at most 20 MB"}
        )
    return UploadRequest(clean_filename(filename), content_type.lower(), size)


# --- operator API -------------------------------------------------------------------------------

def check_operator_lead_edit(body: Any) -> LeadChanges:
    """The operator's edit form (R3): phone and e-mail are written to sys_phone/sys_email."""
    body = require_object(body)
    problems = Problems()
    reject_unknown(body, {"name", "status", "tags", "phone", "email", "variables"}, problems)
    fields: dict[str, str | None] = {}
    for name in ("name", "status"):
        if name in body:
            fields[name] = _short_text(body[name], name, problems)
    tags = check_tags(body["tags"], problems) if "tags" in body else None
    attributes = check_attribute_changes(body.get("variables"), problems, "variables") or {}
    for name, attribute in (("phone", PHONE_ATTRIBUTE), ("email", EMAIL_ATTRIBUTE)):
        if name in body:
            value = _short_text(body[name], name, problems)
            if name == "email" and value and not re.match(r"^[^@\s]+@[^@\s]+$", value):
                problems.add("email", "must look like an e-mail address")
            attributes[attribute] = value or None
    problems.raise_if_any()
    return LeadChanges(fields=fields, tags=tags, attributes=attributes)


def check_operator_reply(body: Any) -> OperatorReply:
    """The body of `POST /api/dialogs/{lead_id}/messages`."""
    body = require_object(body)
    problems = Problems()
    reject_unknown(body, ("client_id", "text", "attachments"), problems)
    client_id = body.get("client_id")
    if not isinstance(client_id, str) or not CLIENT_ID_RE.match(client_id):
        problems.add("client_id", "the UI's id for this message: 1-128 printable characters without spaces")
    text, upload_ids = check_text_and_attachments(body, problems)
    problems.raise_if_any()
    return OperatorReply(str(client_id), text, upload_ids)


def int_param(params: Mapping[str, str] | None, name: str, low: int, high: int) -> int | None:
    """An integer query parameter from `low` to `high`, None when absent. (Not query_param():
    that reads `?limit=` as absent, but an empty integer is bad input.)"""
    raw = (params or {}).get(name)
    if raw is None:
        return None
    if not re.fullmatch(r"\d{1,12}", raw) or not low <= int(raw) <= high:
        raise ValidationFailed(f"{name} must be an integer from {low} to {high}",
                               fields={name: f"an integer from {low} to {high}"})
    return int(raw)


def page_limit(params: Mapping[str, str] | None, default: int, high: int) -> int:
    """`?limit=` of a page: 1 to `high`, `default` when absent."""
    limit = int_param(params, "limit", 1, high)
    return default if limit is None else limit


def check_message_window(params: Mapping[str, str] | None, default: int, high: int) -> MessageWindow:
    """The query of `GET /api/dialogs/{lead_id}/messages`: limit, and before or after a seq."""
    limit = page_limit(params, default, high)
    before = int_param(params, "before", 1, 10**12)
    after = int_param(params, "after", 0, 10**12)
    if before is not None and after is not None:
        raise ValidationFailed("send before or after, not both", fields={"after": "not with before"})
    return MessageWindow(limit, before, after)


def _credential(body: dict[str, Any], name: str, problems: Problems, limit: int = 4096) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value or len(value) > limit:
        problems.add(name, "a non-empty string")
        return ""
    return value


def check_login(body: Any) -> tuple[str, str]:
    """The body of `POST /api/auth/login`: (username, password)."""
    body = require_object(body)
    problems = Problems()
    username = _credential(body, "username", problems, 128)
    password = _credential(body, "password", problems, 256)
    problems.raise_if_any()
    return username, password


def check_refresh(body: Any) -> str:
    """The body of `POST /api/auth/refresh`: the refresh token."""
    body = require_object(body)
    problems = Problems()
    token = _credential(body, "refresh_token", problems)
    problems.raise_if_any()
    return token
