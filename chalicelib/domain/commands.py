"""What bots, operators and admins ask for, as plain values, and the limits on them.

Limits (the bot API v1 contract, docs/bot-api.md): text <= 10,000 chars; <= 50 tags of
<= 64 chars; <= 200 attributes, key <= 64 chars, value <= 2,000 chars; <= 10 attachments.
The request schemas (`chalicelib/api/schemas*.py`) are written from these constants; the
server's checks and both OpenAPI documents are generated from those schemas, and
`chalicelib/api/bodies.py` turns a decoded body into these values. They are frozen
msgspec Structs rather than dataclasses: the same values, made in a tenth of the import time.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, TypedDict

import msgspec

from chalicelib.domain.errors import ValidationFailed

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
MAX_BOT_NAME = 128
MAX_SCRIPT_MESSAGES = 10

LEAD_TEXT_FIELDS = ("name", "channel", "messenger", "language", "status")
PHONE_ATTRIBUTE = "sys_phone"
EMAIL_ATTRIBUTE = "sys_email"


class LeadChanges(msgspec.Struct, frozen=True):
    """What a PUT (bot) or an edit (operator) changes; absent fields are left as they are."""

    fields: dict[str, str | None]
    tags: list[str] | None
    attributes: dict[str, Any]


class IncomingMessage(msgspec.Struct, frozen=True):
    message_id: str
    sender: str
    text: str | None
    upload_ids: tuple[str, ...]
    sent_at: str | None

    def fingerprint(self) -> str:
        """What makes a repeated post 'the same': used to tell a retry from a conflict."""
        data = json.dumps([self.sender, self.text, list(self.upload_ids), self.sent_at], ensure_ascii=False)
        return hashlib.sha256(data.encode()).hexdigest()


class OperatorReply(msgspec.Struct, frozen=True):
    """An operator's message; `client_id` is the UI's id, so a resend stores nothing new."""

    client_id: str
    text: str | None
    upload_ids: tuple[str, ...]


class UploadRequest(msgspec.Struct, frozen=True):
    filename: str
    content_type: str
    size: int


class BotFields(TypedDict, total=False):
    """What a create or an edit of a bot sets, by model attribute; a None webhook_url removes it."""

    name: str
    webhook_url: str | None
    enabled: bool
    bot_messages_with_operator: bool
    return_script: list[str]
    operator_transfer_script: list[str]
    unanswered_script: list[str]


class MessageWindow(msgspec.Struct, frozen=True):
    """Which page of a dialog's messages to read: the newest, those `before` a seq, or `after` one."""

    limit: int
    before: int | None
    after: int | None


class ReplayRequest(msgspec.Struct, frozen=True):
    """Replay up to `limit` dead letters, of one bot or of all."""

    bot_id: str | None
    limit: int


def merged_attributes(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A lead's attributes after `changes` (a value sets a key, None deletes it); a lead keeps
    at most MAX_ATTRIBUTES, counted after the merge."""
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
