"""Validation of what bots and operators send: plain Python, shared by every API.

Limits (the bot API v1 contract, docs/bot-api.md): text <= 10,000 chars; <= 50 tags of
<= 64 chars; <= 200 attributes, key <= 64 chars, value <= 2,000 chars; <= 10 attachments.
Every problem is collected, so a 422 names all the fields that are wrong at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from chalicelib.domain.errors import ValidationFailed

LEAD_REF_RE = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")
MESSAGE_ID_RE = re.compile(r"^[\x21-\x7e]{1,128}$")  # printable ASCII, no spaces
UPLOAD_ID_RE = re.compile(r"^up_[a-z0-9]{20,40}$")
ATTRIBUTE_KEY_RE = re.compile(r"^[^\x00-\x1f]{1,64}$")

MAX_TEXT = 10_000
MAX_TAGS = 50
MAX_TAG_LEN = 64
MAX_ATTRIBUTES = 200
MAX_ATTRIBUTE_KEY = 64
MAX_ATTRIBUTE_VALUE = 2_000
MAX_ATTACHMENTS = 10
MAX_SHORT_FIELD = 256
MAX_URL = 2_048
MAX_REASON = 500

LEAD_TEXT_FIELDS = ("name", "channel", "messenger", "language", "status")
PHONE_ATTRIBUTE = "sys_phone"
EMAIL_ATTRIBUTE = "sys_email"


@dataclass
class Problems:
    found: dict[str, str] = field(default_factory=dict)

    def add(self, where: str, what: str) -> None:
        self.found.setdefault(where, what)

    def raise_if_any(self) -> None:
        if self.found:
            fields = ", ".join(sorted(self.found))
            raise ValidationFailed(f"invalid fields: {fields}", fields=dict(self.found))


def require_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValidationFailed("the body must be a JSON object", fields={"body": "must be an object"})
    return body


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


def _unknown(body: dict[str, Any], allowed: set[str], problems: Problems) -> None:
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


def merged_attributes(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = dict(current)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    if len(merged) > MAX_ATTRIBUTES:
        raise ValidationFailed(
            f"a lead has at most {MAX_ATTRIBUTES} attributes",
            fields={"attributes": f"at most {MAX_ATTRIBUTES} attributes after the merge"},
        )
    return merged


@dataclass(frozen=True)
class LeadChanges:
    """What a PUT (bot) or an edit (operator) changes; absent fields are left as they are."""

    fields: dict[str, str | None]
    tags: list[str] | None
    attributes: dict[str, Any]


def check_lead_changes(body: Any) -> LeadChanges:
    """The body of `PUT /bot/v1/leads/{lead_ref}`."""
    body = require_object(body)
    problems = Problems()
    _unknown(body, {*LEAD_TEXT_FIELDS, "avatar_url", "tags", "attributes"}, problems)
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


def check_operator_lead_edit(body: Any) -> LeadChanges:
    """The operator's edit form (R3): phone and e-mail are written to sys_phone/sys_email."""
    body = require_object(body)
    problems = Problems()
    _unknown(body, {"name", "status", "tags", "phone", "email", "variables"}, problems)
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


@dataclass(frozen=True)
class IncomingMessage:
    message_id: str
    sender: str
    text: str | None
    upload_ids: tuple[str, ...]
    sent_at: str | None

    def fingerprint(self) -> str:
        """What makes a repeated post 'the same': used to tell a retry from a conflict."""
        import hashlib
        import json

        data = json.dumps([self.sender, self.text, list(self.upload_ids), self.sent_at], ensure_ascii=False)
        return hashlib.sha256(data.encode()).hexdigest()


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
    _unknown(body, {"id", "from", "text", "attachments", "sent_at"}, problems)
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
    body = require_object(body if body is not None else {})
    problems = Problems()
    _unknown(body, {"reason"}, problems)
    reason = _short_text(body.get("reason"), "reason", problems, MAX_REASON)
    problems.raise_if_any()
    return reason or ""
