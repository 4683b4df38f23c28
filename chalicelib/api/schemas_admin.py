"""The admin part of the operator API (docs/operator-api.md, docs/webhooks.md): a bot's fields,
its secrets, the webhook dead letters and their replay. Shared types are in `schemas.py`."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

import msgspec
from msgspec import UNSET, Meta, UnsetType

from chalicelib.api.schemas import NON_BLANK, Time
from chalicelib.domain.commands import MAX_BOT_NAME, MAX_SCRIPT_MESSAGES, MAX_TEXT, MAX_URL
from chalicelib.webhooks.dead_letters import MAX_PAGE as DEAD_LETTER_PAGE

# https to a host name or IPv4 address (no user:pass@, no IPv6 literal: a bracketed host that
# is not a valid address makes urlparse raise), or empty to remove the webhook. The local
# runtime also takes http to loopback; in AWS that is refused (webhook_url_problem).
WEBHOOK_URL = (r"^(?:(?:https://[A-Za-z0-9._-]+|http://(?:127\.0\.0\.1|localhost|\[::1\]))"
               r"(?::[0-9]{1,5})?(?:[/?#][\x21-\x7e]*)?)?$(?!\n)")

ScriptTexts = Annotated[
    list[Annotated[str, Meta(min_length=1, max_length=MAX_TEXT)]],
    Meta(max_length=MAX_SCRIPT_MESSAGES, description=(
        f"At most {MAX_SCRIPT_MESSAGES} message texts of 1-{MAX_TEXT} characters; {{{{name}}}}-style "
        "placeholders are filled from the lead. Null clears the script.")),
]


class BotScriptsInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The messages the bot sends when the dialog returns to it, when an operator joins, and
    when the escalation ladder gives an unanswered lead back to it (docs/notifications.md)."""

    return_: ScriptTexts | None | UnsetType = msgspec.field(default=UNSET, name="return")
    operator_transfer: ScriptTexts | None | UnsetType = UNSET
    unanswered: ScriptTexts | None | UnsetType = UNSET


class BotInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A bot's fields; an edit changes only the fields it sends."""

    example: ClassVar[dict[str, Any]] = {"name": "Support bot", "webhook_url": "https://bots.example.com/handover",
                                         "scripts": {"return": ["The bot is back, {{name}}."]}}

    name: Annotated[str, Meta(min_length=1, max_length=MAX_BOT_NAME, pattern=NON_BLANK, description=(
        f"1-{MAX_BOT_NAME} characters, not blank; kept without surrounding spaces."))] | UnsetType = UNSET
    webhook_url: Annotated[str, Meta(max_length=MAX_URL, pattern=WEBHOOK_URL, description=(
        "Where Handover sends the bot's events: https (http to localhost in the local runtime); "
        "empty or null removes it."))] | None | UnsetType = UNSET
    enabled: bool | UnsetType = UNSET
    allow_messages_with_operator: Annotated[bool, Meta(description=(
        "Whether the bot's own messages (`from: \"bot\"`) are accepted while an operator is in the "
        "dialog; false (the default) refuses them with 409 `dialog_with_operator`."))] | UnsetType = UNSET
    scripts: BotScriptsInput | UnsetType = UNSET


class BotCreateInput(BotInput, kw_only=True):
    """A new bot: its name is required."""

    name: Annotated[str, Meta(min_length=1, max_length=MAX_BOT_NAME, pattern=NON_BLANK, description=(
        f"1-{MAX_BOT_NAME} characters, not blank; kept without surrounding spaces."))]


class BotScripts(msgspec.Struct):
    return_: list[str] = msgspec.field(name="return")
    operator_transfer: list[str]
    unanswered: list[str]


class Bot(msgspec.Struct):
    """A bot as admins see it: never its key (only a hint) nor its webhook secret."""

    example: ClassVar[dict[str, Any]] = {
        "id": "bot_mfrggzdfmztwq2lk", "name": "Support bot", "webhook_url": "https://bots.example.com/handover",
        "webhook_disabled_at": None, "webhook_disabled_reason": None, "enabled": True,
        "allow_messages_with_operator": False, "api_key_hint": "…x9Qa",
        "scripts": {"return": ["The bot is back, {{name}}."], "operator_transfer": ["An operator joined."],
                    "unanswered": []},
        "created_at": "2026-11-25T08:00:00.000Z", "updated_at": "2026-11-25T08:00:00.000Z"}

    id: str
    name: str
    webhook_url: str | None
    webhook_disabled_at: str | None
    webhook_disabled_reason: str | None
    enabled: bool
    allow_messages_with_operator: bool
    api_key_hint: str
    scripts: BotScripts
    created_at: Time
    updated_at: Time


class AdminBotList(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {"items": [Bot.example]}

    items: list[Bot]


class BotCreated(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {"bot": Bot.example, "api_key": "hbk.bot_mfrggzdfmztwq2lk.…",
                                         "webhook_secret": "whsec_…"}

    bot: Bot
    api_key: Annotated[str, Meta(description="Shown once.")]
    webhook_secret: Annotated[str, Meta(description="Shown once.")]


class BotKey(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {"bot": Bot.example, "api_key": "hbk.bot_mfrggzdfmztwq2lk.…"}

    bot: Bot
    api_key: str


class BotWebhookSecret(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {"bot": Bot.example, "webhook_secret": "whsec_…"}

    bot: Bot
    webhook_secret: str


# --- dead letters ------------------------------------------------------------------------------

DeadLetterLimit = Annotated[int, Meta(ge=1, le=DEAD_LETTER_PAGE, description=f"From 1 to {DEAD_LETTER_PAGE}.")]
BotId = Annotated[str, Meta(max_length=80, description="Only this bot's; empty for every bot.")]


class DeadLetterQuery(msgspec.Struct):
    limit: DeadLetterLimit = 50
    cursor: Annotated[str, Meta(description="Opaque: the next_cursor of the previous page.")] = ""
    bot_id: BotId = ""


class ReplayInput(msgspec.Struct, forbid_unknown_fields=True):
    """Which dead letters to deliver again, oldest first."""

    example: ClassVar[dict[str, Any]] = {"bot_id": "bot_mfrggzdfmztwq2lk", "limit": 10}

    bot_id: BotId | None = None
    limit: DeadLetterLimit = DEAD_LETTER_PAGE


class DeadLetter(msgspec.Struct):
    """A webhook call that failed for good, and what it would have sent."""

    example: ClassVar[dict[str, Any]] = {
        "id": "evt_01", "type": "message.created", "bot_id": "bot_mfrggzdfmztwq2lk",
        "lead_id": "ld_3m2x7q4vd5u6k7j8l9m0n1p2q3", "reason": "10 attempts failed", "attempts": 10,
        "last_status": 502, "last_error": None, "created_at": "2026-11-25T08:00:00.000Z",
        "dead_at": "2026-11-26T08:00:00.000Z", "payload": {"type": "message.created", "data": {}}}

    id: str
    type: str
    bot_id: str
    lead_id: str
    reason: str
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: Time
    dead_at: Time
    payload: dict[str, Any]


class DeadLetters(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {"items": [DeadLetter.example], "next_cursor": None}

    items: list[DeadLetter]
    next_cursor: str | None


class Replayed(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {"replayed": ["dl_01"]}

    replayed: list[str]


# --- the admin screens: test delivery, script preview, operators ---------------------------------

class PingResult(msgspec.Struct):
    """What one signed `ping` to the bot's webhook came to (nothing is stored or retried)."""

    example: ClassVar[dict[str, Any]] = {
        "event_id": "evt_01", "url": "https://bots.example.com/handover", "ok": True, "status": 200,
        "latency_ms": 84, "error": None, "answer": "{\"ok\":true}"}

    event_id: Annotated[str, Meta(description="The webhook-id the ping was sent with.")]
    url: str
    ok: Annotated[bool, Meta(description="The webhook answered 2xx.")]
    status: Annotated[int | None, Meta(description="The HTTP status; null when no answer came.")]
    latency_ms: Annotated[int, Meta(ge=0, description="From sending to the answer (or the failure).")]
    error: Annotated[str | None, Meta(description="Why no answer came (timeout, refused address, ...).")]
    answer: Annotated[str, Meta(description=f"The first {500} characters of the answer's body.")]


AttributeValue = Annotated[str, Meta(max_length=MAX_TEXT)] | int | float | bool | None


class SampleLead(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The lead a preview is rendered against; omitted, a built-in sample is used."""

    name: Annotated[str, Meta(max_length=MAX_BOT_NAME)] | None = None
    attributes: Annotated[dict[Annotated[str, Meta(min_length=1, max_length=64)], AttributeValue],
                          Meta(max_length=50)] = msgspec.field(default_factory=dict)


class ScriptPreviewInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Script texts to render as a bot would send them, without saving them."""

    example: ClassVar[dict[str, Any]] = {"texts": ["An operator joined the chat, {{first_name|friend}}."]}

    texts: Annotated[list[Annotated[str, Meta(max_length=MAX_TEXT)]], Meta(max_length=MAX_SCRIPT_MESSAGES)]
    lead: SampleLead | UnsetType = UNSET


class ScriptPreview(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {
        "messages": ["An operator joined the chat, Anna."],
        "lead": {"name": "Anna Petrova", "attributes": {"first_name": "Anna"}}}

    messages: Annotated[list[str], Meta(description="The texts as the lead would get them (blank ones left out).")]
    lead: SampleLead


class OperatorEntry(msgspec.Struct):
    """An operator (a user of the Cognito pool) and whether they are online now."""

    example: ClassVar[dict[str, Any]] = {
        "username": "alice", "email": "alice@example.com", "enabled": True, "status": "CONFIRMED", "admin": False,
        "created_at": "2026-11-25T08:00:00Z", "online": True, "connections": 2, "visible": True,
        "connected_at": "2026-11-25T09:00:00.000Z"}

    username: str
    email: str | None
    enabled: bool
    status: Annotated[str, Meta(description="Cognito's UserStatus (CONFIRMED, FORCE_CHANGE_PASSWORD, ...).")]
    admin: bool
    created_at: str | None
    online: Annotated[bool, Meta(description="Has an open websocket connection now.")]
    connections: Annotated[int, Meta(ge=0, description="Open websocket connections (one per browser tab).")]
    visible: Annotated[bool, Meta(description="One of them shows the page (document.visibilityState).")]
    connected_at: Annotated[str | None, Meta(description="When the newest connection opened.")]


class OperatorQuery(msgspec.Struct):
    limit: Annotated[int, Meta(ge=1, le=60, description="From 1 to 60 (Cognito's page).")] = 60
    cursor: Annotated[str, Meta(description="Opaque: the next_cursor of the previous page.")] = ""


class OperatorList(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {
        "items": [OperatorEntry.example], "next_cursor": None,
        "console_url": "https://us-east-1.console.aws.amazon.com/cognito/v2/idp/user-pools/us-east-1_x/users"
                       "?region=us-east-1"}

    items: list[OperatorEntry]
    next_cursor: str | None
    console_url: Annotated[str, Meta(description="The user pool's page in the AWS console, where operators are "
                                                 "created, disabled and added to admins.")]
