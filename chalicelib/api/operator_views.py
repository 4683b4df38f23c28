"""How the operator API shows leads and messages (docs/operator-api.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.adapters.attachments import AttachmentStorage
from chalicelib.api.views import lead_view, message_view
from chalicelib.storage.models import Attachment, LeadModel, MessageModel


def operator_lead_view(lead: LeadModel) -> dict[str, Any]:
    view = lead_view(lead)
    view["unread"] = int(lead.unread or 0)
    return view


def attachment_link(storage: AttachmentStorage) -> Callable[[Attachment], str]:
    """A short-lived presigned GET; a previewable picture opens inline, anything else downloads."""
    return lambda attachment: storage.download_url(attachment.key, attachment.name, inline=bool(attachment.preview))


def operator_message_view(message: MessageModel, storage: AttachmentStorage) -> dict[str, Any]:
    view = message_view(message, attachment_link(storage))
    if view.get("id") is None:
        view.pop("id", None)
    return view
