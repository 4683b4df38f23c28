"""The operator API's bodies and query strings (docs/operator-api.md): sign-in, the tabs, the
dialog panel, an operator's message and lead edit, and what each answers. The shared types are
in `schemas.py`, the admin's in `schemas_admin.py`; `openapi_operator.py` lists the routes."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from chalicelib.api import schemas
from chalicelib.api.decoding import Rule
from chalicelib.api.schemas import (
    FILES_ONCE,
    NEEDS_TEXT_OR_FILE,
    NON_BLANK,
    PRINTABLE_ID,
    SPACES,
    Attachments,
    Attributes,
    ShortText,
    Tags,
    Text,
    Time,
    whole,
)
from chalicelib.domain.commands import MAX_SHORT_FIELD, MAX_TEXT
from chalicelib.storage.tab_pages import DEFAULT_PAGE, MAX_PAGE

LEAD_ID = whole("ld_[a-z2-7]{26}")
MESSAGE_PAGE = 50
# An empty string, like null, removes the e-mail.
EMAIL = f"^(?:[^@{SPACES}]+@[^@{SPACES}]+)?$(?!\\n)"

LeadId = Annotated[str, Meta(pattern=LEAD_ID, description="The lead's id (ld_...); any other is a 404.")]
TabName = Literal["waiting", "mine", "all"]
PageLimit = Annotated[int, Meta(ge=1, le=MAX_PAGE, description=f"An integer from 1 to {MAX_PAGE}.")]
Cursor = Annotated[str, Meta(description="Opaque: the next_cursor of the previous page; empty for the first.")]
Seq = Annotated[int, Meta(ge=1, le=10**12, description="A message's seq, from 1.")]


# --- sign-in -------------------------------------------------------------------------------------

class LoginInput(msgspec.Struct, forbid_unknown_fields=True):
    example: ClassVar[dict[str, Any]] = {"username": "alice", "password": "correct horse battery staple"}

    username: Annotated[str, Meta(min_length=1, max_length=128, description="1-128 characters.")]
    password: Annotated[str, Meta(min_length=1, max_length=256, description="1-256 characters.")]


class RefreshInput(msgspec.Struct, forbid_unknown_fields=True):
    example: ClassVar[dict[str, Any]] = {"refresh_token": "eyJjdHkiOi…"}

    refresh_token: Annotated[str, Meta(min_length=1, max_length=4096, description="The refresh token from login.")]


class Operator(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {"username": "alice", "admin": False}

    username: str
    admin: bool


class Me(Operator):
    """`/api/me`: the operator, and what the UI needs to run the waiting clocks."""

    example: ClassVar[dict[str, Any]] = {**Operator.example, "waiting_too_long_seconds": 300,
                                         "now": "2026-11-25T08:05:00.000Z"}

    waiting_too_long_seconds: Annotated[float, Meta(gt=0, description=(
        "A dialog whose wait began this long ago is marked \"waiting too long\" (the ladder's broadcast rung)."))]
    now: Annotated[Time, Meta(description="The server's clock, so the UI can correct its own for skew.")]


class Tokens(msgspec.Struct, kw_only=True):
    example: ClassVar[dict[str, Any]] = {
        "access_token": "eyJraWQiOi…", "id_token": "eyJraWQiOi…", "refresh_token": "eyJjdHkiOi…",
        "expires_in": 3600, "operator": Operator.example}

    access_token: Annotated[str, Meta(description="Send as Authorization: Bearer <access_token>.")]
    id_token: str
    refresh_token: Annotated[str, Meta(description="Only from login.")] | UnsetType = UNSET
    expires_in: int
    operator: Operator


class WsTicket(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {"ticket": "wst_3q2…", "expires_at": "2026-11-25T08:01:00.000Z",
                                         "ws_url": "wss://ws.example.com/live"}

    ticket: str
    expires_at: Time
    ws_url: str


# --- tabs ------------------------------------------------------------------------------------------

class TabQuery(msgspec.Struct):
    limit: PageLimit = DEFAULT_PAGE
    cursor: Cursor = ""
    # The All tab's filters (one Query on an index each; docs/operator-api.md, "Tabs").
    state: Annotated[Literal["", "bot", "waiting", "operator"],
                     Meta(description="All tab only: dialogs in this state; empty for every state.")] = ""
    bot_id: Annotated[str, Meta(max_length=80, pattern=whole("[A-Za-z0-9_-]*"),
                                description="All tab only: this bot's dialogs; empty for every bot.")] = ""


class LastMessage(msgspec.Struct):
    seq: int
    sender: str = msgspec.field(name="from")
    text: str
    at: Time


class DialogSummary(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {
        "lead_id": schemas.Lead.example["id"], "bot_id": schemas.Lead.example["bot"], "name": "Anna",
        "avatar_url": None, "messenger": "telegram", "state": "waiting", "operators": [],
        "last_activity_at": "2026-11-25T08:05:00.000Z", "unread": 2,
        "wait_started_at": "2026-11-25T08:04:10.000Z",
        "last_message": {"seq": 7, "from": "lead", "text": "hello", "at": "2026-11-25T08:05:00.000Z"}}

    lead_id: str
    bot_id: str
    name: str | None
    avatar_url: str | None
    messenger: str | None
    state: Literal["bot", "waiting", "operator"]
    operators: list[str]
    last_activity_at: Time
    unread: Annotated[int, Meta(ge=0)]
    wait_started_at: Annotated[Time, Meta(description=(
        "When the lead's current wait for an operator began: entering Waiting, or with operators the first "
        "lead message no operator has answered yet; null when nobody waits (docs/notifications.md)."))] | None
    last_message: LastMessage | None


class TabPage(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {"items": [DialogSummary.example], "next_cursor": None}

    items: list[DialogSummary]
    next_cursor: Annotated[str, Meta(description="Opaque; null on the last page.")] | None


class Counts(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {"waiting": 3, "mine": 1, "all": 120}

    waiting: Annotated[int, Meta(ge=0)]
    mine: Annotated[int, Meta(ge=0)]
    all: Annotated[int, Meta(ge=0)]


# --- the dialog panel ------------------------------------------------------------------------------

class PanelQuery(msgspec.Struct):
    limit: PageLimit = MESSAGE_PAGE


class MessageWindow(msgspec.Struct):
    """Older messages (`before` a seq, newest first) or newer ones (`after` a seq, oldest
    first); the newest page without either."""

    rules: ClassVar[tuple[Rule, ...]] = (Rule(
        reads=("before", "after"), where="after", problem="not with before",
        schema={"not": {"required": ["before", "after"]}},
        holds=lambda window: "before" not in window or "after" not in window),)

    limit: PageLimit = MESSAGE_PAGE
    before: Seq | UnsetType = UNSET
    after: Annotated[int, Meta(ge=0, le=10**12, description="A message's seq, from 0.")] | UnsetType = UNSET


class Lead(schemas.Lead):
    """The lead as the operator UI shows it: with the dialog's unread count."""

    example: ClassVar[dict[str, Any]] = {**schemas.Lead.example, "unread": 0, "wait_started_at": None,
                                         "dialog": {"state": "operator", "operators": ["alice"]}}

    unread: Annotated[int, Meta(ge=0)]
    wait_started_at: Annotated[Time, Meta(description="As in DialogSummary.")] | None


class Attachment(schemas.Attachment):
    url: Annotated[str, Meta(description="A presigned GET link, valid for 10 minutes.")]


class Message(msgspec.Struct, kw_only=True):
    """A message of the dialog as operators see it."""

    example: ClassVar[dict[str, Any]] = {
        "seq": 8, "from": "operator", "operator": "alice", "text": "Hello, I am Alice", "delivery": "sent",
        "attachments": [{"upload_id": "up_abcdefghijklmnopqrstuvwx", "name": "photo.png",
                         "content_type": "image/png", "size": 48213, "preview": True,
                         "url": "https://handover-attachments.s3.amazonaws.com/uploads/operator/up_abc?X-Amz-…"}],
        "created_at": "2026-11-25T08:06:00.000Z"}

    id: Annotated[str, Meta(description="The bot's message id (bot and lead messages).")] | UnsetType = UNSET
    seq: Annotated[int, Meta(ge=1)]
    sender: Literal["lead", "bot", "operator", "system", "note"] = msgspec.field(name="from")
    text: str | None
    attachments: list[Attachment]
    created_at: Time
    sent_at: Time | UnsetType = UNSET
    operator: str | UnsetType = UNSET
    system_script: Literal["return", "operator_transfer", "unanswered"] | UnsetType = UNSET
    event: str | UnsetType = UNSET
    delivery: Literal["sent", "delivered", "failed"] | UnsetType = UNSET
    mentions: Annotated[list[str], Meta(description="A note's @-mentioned operators (usernames).")] \
        | UnsetType = UNSET


class MessagePage(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {"items": [Message.example], "next_cursor": "8"}

    items: list[Message]
    next_cursor: Annotated[str, Meta(description="Pass as `before` (or `after`) for the next page.")] | None


class DialogPanel(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {"lead": Lead.example,
                                         "messages": {"items": [Message.example], "next_cursor": None}}

    lead: Lead
    messages: MessagePage


class LeadResult(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {"lead": Lead.example}

    lead: Lead


class LeadEdit(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The operator's edit of a lead. A field left out stays as it is; null clears it."""

    example: ClassVar[dict[str, Any]] = {"status": "hot", "phone": "+15551234567",
                                         "variables": {"plan": "enterprise", "old": None}}

    name: ShortText | None | UnsetType = UNSET
    status: ShortText | None | UnsetType = UNSET
    tags: Tags | None | UnsetType = UNSET
    phone: Annotated[str, Meta(max_length=MAX_SHORT_FIELD, description="Stored as the attribute sys_phone.")] \
        | None | UnsetType = UNSET
    email: Annotated[str, Meta(max_length=MAX_SHORT_FIELD, pattern=EMAIL, description=(
        "Stored as the attribute sys_email: an e-mail address, or empty to remove it."))] | None | UnsetType = UNSET
    variables: Attributes | None | UnsetType = UNSET


class MessageInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An operator's message: some text, files, or both."""

    example: ClassVar[dict[str, Any]] = {"client_id": "c-1732521960-1", "text": "Hello, I am Alice"}
    rules: ClassVar[tuple[Rule, ...]] = (NEEDS_TEXT_OR_FILE, FILES_ONCE)

    client_id: Annotated[str, Meta(max_length=128, pattern=PRINTABLE_ID, description=(
        "The UI's id for this message, 1-128 printable characters without spaces: "
        "sending it again stores nothing new."))]
    text: Text | None = None
    attachments: Attachments | None = None


class NoteInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A private note: operators only, never the lead or the bot. `@username` mentions an operator."""

    example: ClassVar[dict[str, Any]] = {"client_id": "n-1732521960-1", "text": "@bob can you check the refund?"}

    client_id: Annotated[str, Meta(max_length=128, pattern=PRINTABLE_ID, description=(
        "The UI's id for this note, 1-128 printable characters without spaces: "
        "sending it again stores nothing new."))]
    text: Annotated[str, Meta(max_length=MAX_TEXT, pattern=NON_BLANK, description=(
        f"1-{MAX_TEXT} characters, not blank."))]


class BotSummary(msgspec.Struct):
    """A bot by name, as every operator sees it."""

    example: ClassVar[dict[str, Any]] = {"id": "bot_mfrggzdfmztwq2lk", "name": "Support bot", "enabled": True}

    id: str
    name: str
    enabled: bool


class BotList(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {"items": [BotSummary.example]}

    items: list[BotSummary]
