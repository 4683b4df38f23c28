"""The bot API's own bodies (docs/bot-api.md): a lead's fields, a message, a handoff, and the
message and handoff it answers. The shared types are in `schemas.py`; `openapi_bot.py` lists
the routes that use them."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from chalicelib.api.decoding import Rule
from chalicelib.api.schemas import (
    FILES_ONCE,
    NEEDS_TEXT_OR_FILE,
    PRINTABLE_ID,
    Attachment,
    Attachments,
    Attributes,
    Dialog,
    SentAt,
    ShortText,
    Tags,
    Text,
    Time,
)
from chalicelib.domain.commands import MAX_REASON, MAX_URL

# An empty string, like null, clears the avatar.
AVATAR_URL = r"^(?:https?://|$(?!\n))"


class LeadInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What a bot knows about a lead. A field left out stays as it is; null clears it."""

    example: ClassVar[dict[str, Any]] = {
        "name": "Anna", "messenger": "telegram", "tags": ["vip"],
        "attributes": {"sys_phone": "+15551234567", "plan": "pro", "old_key": None},
    }

    name: ShortText | None | UnsetType = UNSET
    avatar_url: Annotated[str, Meta(max_length=MAX_URL, pattern=AVATAR_URL,
                                    description="An http(s) URL; empty clears it.")] | None | UnsetType = UNSET
    channel: ShortText | None | UnsetType = UNSET
    messenger: ShortText | None | UnsetType = UNSET
    language: ShortText | None | UnsetType = UNSET
    status: ShortText | None | UnsetType = UNSET
    tags: Tags | None | UnsetType = UNSET
    attributes: Attributes | None | UnsetType = UNSET


class MessageInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A lead's or the bot's message: some text, files, or both."""

    example: ClassVar[dict[str, Any]] = {"id": "msg-1001", "from": "lead", "text": "I need a human, please"}
    rules: ClassVar[tuple[Rule, ...]] = (NEEDS_TEXT_OR_FILE, FILES_ONCE)

    id: Annotated[str, Meta(max_length=128, pattern=PRINTABLE_ID, description=(
        "The bot's message id, 1-128 printable characters without spaces: "
        "posting the same id again stores nothing new."))]
    sender: Literal["lead", "bot"] = msgspec.field(name="from")
    text: Text | None = None
    attachments: Attachments | None = None
    sent_at: SentAt | None = None


class HandoffInput(msgspec.Struct, forbid_unknown_fields=True):
    """Why the bot asks for an operator (shown to operators in the dialog)."""

    example: ClassVar[dict[str, Any]] = {"reason": "the lead asked for a human"}

    reason: Annotated[str, Meta(max_length=MAX_REASON, description=f"At most {MAX_REASON} characters.")] \
        | None = None


class Message(msgspec.Struct, kw_only=True):
    """A message of the dialog, and the dialog's state after it."""

    example: ClassVar[dict[str, Any]] = {
        "id": "msg-1001", "seq": 7, "from": "lead", "text": "I need a human, please",
        "attachments": [{"upload_id": "up_abcdefghijklmnopqrstuvwx", "name": "photo.png",
                         "content_type": "image/png", "size": 48213, "preview": True}],
        "created_at": "2026-11-25T08:05:00.000Z", "dialog": {"state": "bot", "operators": []},
    }

    id: Annotated[str, Meta(description="The bot's message id; null for operators' and system messages.")] | None
    seq: Annotated[int, Meta(ge=1, description="The message's place in the dialog, from 1.")]
    sender: Literal["lead", "bot", "operator", "system"] = msgspec.field(name="from")
    text: str | None
    attachments: list[Attachment]
    created_at: Time
    sent_at: Time | UnsetType = UNSET
    operator: str | UnsetType = UNSET
    system_script: Literal["return", "operator_transfer", "unanswered"] | UnsetType = UNSET
    event: str | UnsetType = UNSET
    delivery: Literal["sent", "delivered", "failed"] | UnsetType = UNSET
    dialog: Dialog


class HandoffResult(msgspec.Struct):
    """The dialog's state after the handoff."""

    example: ClassVar[dict[str, Any]] = {"dialog": {"state": "waiting", "operators": []}}

    dialog: Dialog

