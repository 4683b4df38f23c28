"""Every JSON shape of Handover, in one place: how a lead, its dialog, a message, an
attachment and a bot look on the wire (JSON, snake_case, ISO 8601 UTC times).

The bot API, the operator API, the live frames and the webhook payloads all render through
these functions, so a field is added once. Attachments are shown three ways: to a bot with
no link, to an operator with a short-lived presigned link, and in a stored webhook body with
the S3 key, which the delivery function swaps for a fresh link at each attempt.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalicelib.adapters.attachments import AttachmentStorage
from chalicelib.clock import iso
from chalicelib.config import PasswordPolicy, Settings
from chalicelib.domain.commands import EMAIL_ATTRIBUTE, PHONE_ATTRIBUTE
from chalicelib.domain.operators import OperatorPresence
from chalicelib.domain.presence import TeamMember
from chalicelib.storage.dialogs import lead_attributes
from chalicelib.storage.models import Attachment, BotModel, LeadModel, MessageModel

# --- leads and dialogs ------------------------------------------------------------------------


def dialog_view(lead: LeadModel) -> dict[str, Any]:
    return {"state": lead.dialog_state, "operators": list(lead.operators or [])}


def lead_view(lead: LeadModel) -> dict[str, Any]:
    attributes = lead_attributes(lead)
    return {
        "id": lead.id,
        "lead_ref": lead.lead_ref,
        "bot": lead.bot_id,
        "name": lead.name,
        "avatar_url": lead.avatar_url,
        "channel": lead.channel,
        "messenger": lead.messenger,
        "language": lead.language,
        "status": lead.status,
        "tags": list(lead.tags or []),
        "attributes": attributes,
        "phone": _text(attributes.get(PHONE_ATTRIBUTE)),
        "email": _text(attributes.get(EMAIL_ATTRIBUTE)),
        "created_at": lead.created_at,
        "last_activity_at": lead.last_activity_at,
        "dialog": dialog_view(lead),
    }


def operator_lead_view(lead: LeadModel) -> dict[str, Any]:
    """The lead as the operator UI shows it: with the dialog's unread count."""
    view = lead_view(lead)
    view["unread"] = int(lead.unread or 0)
    view["wait_started_at"] = lead.wait_started_at
    return view


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


# --- messages and attachments ------------------------------------------------------------------


def attachment_view(attachment: Attachment, link: Callable[[Attachment], str] | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "upload_id": attachment.upload_id,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": int(attachment.size),
        "preview": bool(attachment.preview),
    }
    if link is not None:
        view["url"] = link(attachment)
    return view


def message_view(message: MessageModel, link: Callable[[Attachment], str] | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": message.bot_message_id,
        "seq": int(message.seq),
        "from": message.sender,
        "text": message.text,
        "attachments": [attachment_view(a, link) for a in message.attachments or []],
        "created_at": message.created_at,
    }
    if message.sent_at:
        view["sent_at"] = message.sent_at
    if message.operator:
        view["operator"] = message.operator
    if message.system_script:
        view["system_script"] = message.system_script
    if message.event:
        view["event"] = message.event
    if message.delivery:
        view["delivery"] = message.delivery
    if message.mentions:
        view["mentions"] = list(message.mentions)
    return view


def attachment_link(storage: AttachmentStorage) -> Callable[[Attachment], str]:
    """A short-lived presigned GET; a previewable picture opens inline (as its checked type),
    anything else downloads (as application/octet-stream)."""
    return lambda attachment: storage.download_url(attachment.key, attachment.name, inline=bool(attachment.preview),
                                                   content_type=attachment.content_type)


def operator_message_view(message: MessageModel, storage: AttachmentStorage) -> dict[str, Any]:
    """A message as the operator UI shows it: links to its attachments, and no `id` unless
    the bot gave one."""
    view = message_view(message, attachment_link(storage))
    if view.get("id") is None:
        view.pop("id", None)
    return view


def webhook_message_view(message: MessageModel) -> dict[str, Any]:
    """A message in a stored webhook body: what the bot relays to the lead, with each
    attachment's S3 `key` where the delivery function puts a fresh link at each attempt."""
    view: dict[str, Any] = {
        "seq": int(message.seq),
        "from": message.sender,
        "text": message.text,
        "attachments": [
            {"name": a.name, "content_type": a.content_type, "size": int(a.size), "key": a.key}
            for a in message.attachments or []
        ],
        "created_at": message.created_at,
    }
    if message.operator:
        view["operator"] = message.operator
    if message.system_script:
        view["system_script"] = message.system_script
    return view


# --- canned replies ----------------------------------------------------------------------------


def canned_reply_view(reply: Any, rendered: Any = None) -> dict[str, Any]:
    """A canned reply (storage/canned.py); with its text rendered for a dialog when asked
    (domain/canned.py `Rendered`: the text and the placeholders it could not fill)."""
    view: dict[str, Any] = {
        "scope": "team" if reply.owner == "team" else "personal",
        "shortcut": reply.shortcut,
        "text": reply.text or "",
        "updated_at": reply.updated_at,
        "updated_by": reply.updated_by,
    }
    if rendered is not None:
        view["rendered"] = rendered.text
        view["missing"] = list(rendered.missing)
    return view


# --- bots ----------------------------------------------------------------------------------------


def bot_view(bot: BotModel) -> dict[str, Any]:
    """A bot as admins see it: never its key (only a hint) nor its webhook secret."""
    return {
        "id": bot.id,
        "name": bot.name,
        "webhook_url": bot.webhook_url,
        "webhook_disabled_at": bot.webhook_disabled_at,
        "webhook_disabled_reason": bot.webhook_disabled_reason,
        "enabled": bool(bot.enabled),
        "allow_messages_with_operator": bool(bot.bot_messages_with_operator),
        "api_key_hint": "…" + (bot.api_key_hint or ""),
        "scripts": {"return": list(bot.return_script or []),
                    "operator_transfer": list(bot.operator_transfer_script or []),
                    "unanswered": list(bot.unanswered_script or [])},
        "created_at": bot.created_at,
        "updated_at": bot.updated_at,
    }


def bot_entry_view(bot: BotModel) -> dict[str, Any]:
    """A bot as every operator sees it in `GET /api/bots`: its name, for the dialog rows."""
    return {"id": bot.id, "name": bot.name, "enabled": bool(bot.enabled)}


def ping_view(outcome: Any) -> dict[str, Any]:
    """A test delivery's outcome (`webhooks/ping.py` `PingOutcome`)."""
    return {"event_id": outcome.event_id, "url": outcome.url, "ok": outcome.ok, "status": outcome.status,
            "latency_ms": outcome.latency_ms, "error": outcome.error, "answer": outcome.answer}


# --- operators (the admin screens) ---------------------------------------------------------------


def operator_presence_view(entry: OperatorPresence) -> dict[str, Any]:
    """An operator's Cognito account and whether they are online now."""
    account = entry.account
    return {
        "username": account.username,
        "email": account.email,
        "enabled": account.enabled,
        "status": account.status,
        "admin": entry.admin,
        "created_at": account.created_at,
        "online": entry.online,
        "connections": entry.connections,
        "visible": entry.visible,
        "connected_at": entry.connected_at,
    }
# --- signing in (schemas_auth.py) ------------------------------------------------------------------


def me_view(operator: Any, settings: Settings, now: datetime) -> dict[str, Any]:
    """`/api/me`: who signed in, and what the UI's waiting clocks need: the threshold of the
    "waiting too long" mark and the server's time (the UI corrects its clock's skew by it)."""
    return {**operator.view(), "waiting_too_long_seconds": settings.waiting_too_long_seconds, "now": iso(now)}


def password_policy_view(policy: PasswordPolicy) -> dict[str, Any]:
    return {"min_length": policy.min_length, "require_lowercase": policy.require_lowercase,
            "require_uppercase": policy.require_uppercase, "require_digits": policy.require_digits,
            "require_symbols": policy.require_symbols}


def challenge_view(name: str, session: str, username: str, policy: PasswordPolicy | None) -> dict[str, Any]:
    """A Cognito challenge the UI must answer (auth/cognito.py's Challenge); with the password
    policy when the answer is a new password."""
    view: dict[str, Any] = {"challenge": name, "session": session, "username": username}
    if policy is not None:
        view["password_policy"] = password_policy_view(policy)
    return view


def totp_setup_view(secret: str, otpauth_uri: str, session: str | None) -> dict[str, Any]:
    view: dict[str, Any] = {"secret": secret, "otpauth_uri": otpauth_uri}
    if session:
        view["session"] = session
    return view



def team_member_view(member: TeamMember) -> dict[str, Any]:
    """An operator as pickers and the dialog's participants show them (docs/assignment.md):
    `presence` is online / away / offline, `status` what the operator set."""
    return {"username": member.username, "presence": member.presence.value, "status": member.status.value,
            "open_dialogs": member.open_dialogs}


def presence_frame(member: TeamMember) -> dict[str, Any]:
    """The live frame sent to every operator when one's presence changes."""
    return {"type": "operator.presence", "operator": team_member_view(member)}
