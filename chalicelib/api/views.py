"""How leads and messages look on the wire: JSON, snake_case, ISO 8601 UTC times."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.domain.commands import EMAIL_ATTRIBUTE, PHONE_ATTRIBUTE
from chalicelib.storage.dialogs import lead_attributes
from chalicelib.storage.models import Attachment, LeadModel, MessageModel


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


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


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
    return view
