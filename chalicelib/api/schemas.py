"""The wire types both APIs share: the field types with their limits, the upload body, and the
JSON shapes of errors, dialogs, leads, attachments and uploads.

Each limit is written once, here or in `schemas_bot.py` / `schemas_operator.py` /
`schemas_admin.py`: `decoding.decode` checks a request against it and `openapi.py` writes it
into the documents. The numbers come from `chalicelib/domain/commands.py`. A Struct's
docstring is its description in the documents, so it is written for API readers.

Patterns are read the same way by Python's `re` (msgspec, the server) and by ECMA-262 (JSON
Schema validators, Schemathesis): no `\\s`, `\\d` or `\\w` (each engine has its own idea of
them), and no bare closing `$` (Python's also matches before a final newline).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from chalicelib.api.decoding import Check, Rule
from chalicelib.domain.commands import (
    MAX_ATTACHMENTS,
    MAX_ATTRIBUTE_KEY,
    MAX_ATTRIBUTE_VALUE,
    MAX_ATTRIBUTES,
    MAX_SHORT_FIELD,
    MAX_TAG_LEN,
    MAX_TAGS,
    MAX_TEXT,
)
from chalicelib.domain.files import MAX_UPLOAD_BYTES, UploadTooLarge


def whole(body: str) -> str:
    """A pattern the whole string must match: `$(?!\\n)` is the end of the string in both readings."""
    return f"^{body}$(?!\\n)"


# The characters Python's str.isspace() calls whitespace (and str.strip() removes), spelled out.
SPACES = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NON_BLANK = f"[^{SPACES}]"
NON_BLANK_RE = re.compile(NON_BLANK)
LEAD_REF = whole("[A-Za-z0-9._:@-]{1,128}")
PRINTABLE_ID = whole(r"[\x21-\x7e]{1,128}")
UPLOAD_ID = whole("up_[a-z0-9]{20,40}")
# chalicelib/domain/files.py CONTENT_TYPE_RE, in either case (the server lowers it).
CONTENT_TYPE = whole("[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}")


def non_blank(text: Any) -> bool:
    return isinstance(text, str) and NON_BLANK_RE.search(text) is not None


# --- field types ------------------------------------------------------------------------------

ShortText = Annotated[str, Meta(max_length=MAX_SHORT_FIELD, description=f"At most {MAX_SHORT_FIELD} characters.")]
LeadRef = Annotated[str, Meta(min_length=1, max_length=128, pattern=LEAD_REF,
                              description="The bot's own reference for the lead: 1-128 of A-Z a-z 0-9 . _ : @ -")]
UploadId = Annotated[str, Meta(pattern=UPLOAD_ID, description="An upload id from POST .../uploads")]
Text = Annotated[str, Meta(max_length=MAX_TEXT, description=f"At most {MAX_TEXT} characters.")]
Tag = Annotated[str, Meta(min_length=1, max_length=MAX_TAG_LEN, pattern=NON_BLANK,
                          description=f"A tag: 1-{MAX_TAG_LEN} characters, not blank.")]
Tags = Annotated[list[Tag], Meta(max_length=MAX_TAGS, description=f"At most {MAX_TAGS} tags; null clears them.")]

# DynamoDB keeps numbers of magnitude 1e-130 to 9.99...e125 with up to 38 digits; anything
# else fails the write. A float carries at most 17 digits; an integer is held to 38.
# (msgspec's own integer bounds stop at 64 bits, hence a Check for the integers too.)
STORABLE = Check(
    problem="a number of magnitude 1e-130 to 1e125 with at most 38 digits",
    schema={"anyOf": [{"const": 0}, {"minimum": 1e-130}, {"maximum": -1e-130}]},
    holds=lambda number: number == 0 or abs(number) >= 1e-130,
)
STORABLE_INTEGER = Check(
    problem=STORABLE.problem,
    schema={"minimum": -(10**38 - 1), "maximum": 10**38 - 1},
    holds=lambda number: abs(number) < 10**38,
)
AttributeKey = Annotated[str, Meta(min_length=1, max_length=MAX_ATTRIBUTE_KEY, pattern=whole(r"[^\x00-\x1f]*"),
                                   description=f"keys are 1-{MAX_ATTRIBUTE_KEY} characters, no control characters")]
AttributeValue = (
    Annotated[str, Meta(max_length=MAX_ATTRIBUTE_VALUE, description=f"At most {MAX_ATTRIBUTE_VALUE} characters.")]
    | Annotated[int, STORABLE_INTEGER.meta(description="An integer written out has at most 38 digits.")]
    | Annotated[float, STORABLE.meta(gt=-1e126, lt=1e126, description=STORABLE.problem)]
    | bool
    | None
)
Attributes = Annotated[dict[AttributeKey, AttributeValue], Meta(
    max_length=MAX_ATTRIBUTES,
    description=f"Merged into the stored attributes (a lead keeps at most {MAX_ATTRIBUTES}); null deletes a key. "
    "sys_phone and sys_email are the lead's phone and e-mail.")]

# The upper bound leaves room for any offset: the time is kept in UTC.
YEARS = Check(problem="an ISO 8601 time with a time zone, in the years 1000 to 9998",
              schema={"pattern": "^(?!9999)[1-9][0-9]{3}-"}, holds=lambda time: 1000 <= time.year <= 9998)
SentAt = Annotated[datetime, YEARS.meta(tz=True, description=YEARS.problem)]
Time = Annotated[str, Meta(extra_json_schema={"format": "date-time"}, examples=["2026-11-25T08:00:00.000Z"])]


class AttachmentRef(msgspec.Struct, forbid_unknown_fields=True):
    """An uploaded file, by the id its upload returned."""

    upload_id: UploadId


Attachments = Annotated[list[AttachmentRef], Meta(max_length=MAX_ATTACHMENTS,
                                                  description=f"At most {MAX_ATTACHMENTS} attachments.")]

# A message body: at least some text or a file, each file once.
NEEDS_TEXT_OR_FILE = Rule(
    reads=("text", "attachments"), where="text", problem="a message needs text or at least one attachment",
    schema={"anyOf": [{"required": ["text"], "properties": {"text": {"type": "string", "pattern": NON_BLANK}}},
                      {"required": ["attachments"], "properties": {"attachments": {"type": "array", "minItems": 1}}}]},
    holds=lambda body: non_blank(body.get("text")) or bool(body.get("attachments")),
)
FILES_ONCE = Rule(
    reads=("attachments",), where="attachments", problem="each upload can be attached once",
    schema={"properties": {"attachments": {"uniqueItems": True}}},
    holds=lambda body: len({a["upload_id"] for a in body.get("attachments") or []})
    == len(body.get("attachments") or []),
)


# --- uploads (both APIs) ------------------------------------------------------------------------

class UploadInput(msgspec.Struct, forbid_unknown_fields=True):
    """A file to upload: its name, type and exact size in bytes (at most 20 MB)."""

    example: ClassVar[dict[str, Any]] = {"filename": "photo.png", "content_type": "image/png", "size": 48213}
    rules: ClassVar[tuple[Rule, ...]] = (Rule(
        reads=("size",), where="size", problem="at most 20 MB", schema={"properties": {"size": {
            "maximum": MAX_UPLOAD_BYTES}}},
        holds=lambda body: body["size"] <= MAX_UPLOAD_BYTES,
        refuse=lambda: UploadTooLarge(f"files are at most {MAX_UPLOAD_BYTES} bytes (20 MB)",
                                      fields={"size": "at most 20 MB"})),)

    filename: Annotated[str, Meta(min_length=1, max_length=1024, pattern=NON_BLANK,
                                  description="The file's name, not blank; shown without its path, "
                                  "at most 255 characters.")]
    content_type: Annotated[str, Meta(pattern=CONTENT_TYPE, description="A MIME type such as image/png.",
                                      examples=["image/png"])]
    size: Annotated[int, Meta(ge=1, description="The file's size in bytes; over 20 MB is a 413.")]


class Upload(msgspec.Struct):
    """Where to upload the file: POST it to `url` as multipart/form-data with `fields`."""

    example: ClassVar[dict[str, Any]] = {
        "upload_id": "up_abcdefghijklmnopqrstuvwx",
        "url": "https://handover-attachments.s3.amazonaws.com/",
        "fields": {"key": "uploads/bot/up_abcdefghijklmnopqrstuvwx", "Content-Type": "image/png"},
        "expires_at": "2026-11-25T08:20:00.000Z",
    }

    upload_id: str
    url: Annotated[str, Meta(description="POST the file here as multipart/form-data with `fields`.")]
    fields: dict[str, str]
    expires_at: Time


# --- what the APIs answer -----------------------------------------------------------------------

class ErrorDetail(msgspec.Struct):
    code: Annotated[str, Meta(examples=["validation_failed"])]
    message: str
    details: Annotated[dict[str, Any], Meta(description="For a 422: `fields`, what is wrong with each field.")] \
        | UnsetType = UNSET


class Error(msgspec.Struct):
    """Every error: a code to branch on and a message for people."""

    error: ErrorDetail


class Dialog(msgspec.Struct):
    """Who has the dialog: the bot, nobody yet (waiting for an operator), or operators."""

    state: Literal["bot", "waiting", "operator"]
    operators: list[str]


class Attachment(msgspec.Struct):
    upload_id: str
    name: str
    content_type: str
    size: int
    preview: Annotated[bool, Meta(description="True only for a checked PNG/JPEG/GIF under 2 MB.")]


StoredValue = str | int | float | bool | None


class Lead(msgspec.Struct):
    """A lead: who the bot talks with, and the state of their dialog."""

    example: ClassVar[dict[str, Any]] = {
        "id": "ld_3m2x7q4vd5u6k7j8l9m0n1p2q3", "lead_ref": "tg:123456", "bot": "bot_mfrggzdfmztwq2lk",
        "name": "Anna", "avatar_url": "https://example.com/anna.png", "channel": "support",
        "messenger": "telegram", "language": "en", "status": "new", "tags": ["vip"],
        "attributes": {"sys_phone": "+15551234567", "sys_email": "anna@example.com", "plan": "pro", "age": 31},
        "phone": "+15551234567", "email": "anna@example.com", "created_at": "2026-11-25T08:00:00.000Z",
        "last_activity_at": "2026-11-25T08:05:00.000Z", "dialog": {"state": "bot", "operators": []},
    }

    id: str
    lead_ref: str
    bot: str
    name: str | None
    avatar_url: str | None
    channel: str | None
    messenger: str | None
    language: str | None
    status: str | None
    tags: list[str]
    attributes: dict[str, StoredValue]
    phone: str | None
    email: str | None
    created_at: Time
    last_activity_at: Time
    dialog: Dialog
