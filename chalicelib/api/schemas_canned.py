"""Canned replies' bodies and answers (docs/operator-api.md, "Canned replies"); the limits are
domain/canned.py's. Listed by openapi_operator.py."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from chalicelib.api.schemas import NON_BLANK, Time
from chalicelib.api.schemas_operator import LeadId
from chalicelib.domain.canned import MAX_CANNED_PER_OWNER, MAX_CANNED_TEXT, SHORTCUT

Shortcut = Annotated[str, Meta(pattern=SHORTCUT, description=(
    "1-32 of a-z 0-9 _ -, starting with a letter or digit; unique per owner (409 shortcut_taken)."))]
CannedText = Annotated[str, Meta(max_length=MAX_CANNED_TEXT, pattern=NON_BLANK, description=(
    f"1-{MAX_CANNED_TEXT} characters, not blank; {{{{key}}}} and {{{{key|default}}}} are filled from the lead."))]


class CannedReplyInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    example: ClassVar[dict[str, Any]] = {"shortcut": "hello", "text": "Hello {{name|there}}, how can I help?"}

    shortcut: Shortcut
    text: CannedText


class CannedReplyEdit(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A field left out stays as it is."""

    example: ClassVar[dict[str, Any]] = {"text": "Hi {{name|there}}! How can I help?"}

    shortcut: Shortcut | UnsetType = UNSET
    text: CannedText | UnsetType = UNSET


class CannedQuery(msgspec.Struct):
    lead_id: Annotated[LeadId, Meta(description="Render each reply for this dialog's lead.")] | UnsetType = UNSET


class CannedReply(msgspec.Struct, kw_only=True):
    example: ClassVar[dict[str, Any]] = {
        "scope": "team", "shortcut": "hello", "text": "Hello {{name|there}}, your plan is {{plan}}.",
        "updated_at": "2026-11-25T08:06:00.000Z", "updated_by": "root",
        "rendered": "Hello Anna, your plan is {{plan}}.", "missing": ["plan"]}

    scope: Literal["team", "personal"]
    shortcut: str
    text: str
    updated_at: Time | None
    updated_by: str | None
    rendered: Annotated[str, Meta(description="With lead_id: the text filled for that lead.")] | UnsetType = UNSET
    missing: Annotated[list[str], Meta(description=(
        "With lead_id: placeholders with no value and no default, kept as written for the operator to fill."))] \
        | UnsetType = UNSET


class CannedReplyList(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {"items": [CannedReply.example]}

    items: Annotated[list[CannedReply], Meta(description=(
        f"The team's replies, then the operator's own, each by shortcut (at most {MAX_CANNED_PER_OWNER} each)."))]
