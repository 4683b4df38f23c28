"""Which webhook events a committed change causes, and what they say (docs/webhooks.md).

Pure: a `Change` in, a list of `Outgoing` events out. Attachment download links are NOT
made here: they are short-lived, so the delivery function makes them at each attempt
(`render_body`), and the stored body keeps only the S3 key.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.events import DialogEvent, DialogWaiting, OperatorJoined, ReturnedToBot, SystemScriptDue
from chalicelib.services.changes import Change
from chalicelib.storage.models import LeadModel, MessageModel
from chalicelib.text import dumps
from chalicelib.views import dialog_view, lead_view, webhook_message_view

MESSAGE_CREATED = "message.created"
LEAD_UPDATED = "lead.updated"
DIALOG_ESCALATED = "dialog.escalated"
EVENT_TYPES = (
    MESSAGE_CREATED,
    "dialog.operator_joined",
    "dialog.operator_left",
    "dialog.waiting",
    "dialog.returned_to_bot",
    LEAD_UPDATED,
    DIALOG_ESCALATED,
)


@dataclass(frozen=True)
class Outgoing:
    id: str
    type: str
    body: str  # JSON, attachments carry their S3 `key` until rendered
    message_seq: int | None = None


def new_event_id() -> str:
    # Standard Webhooks ids are opaque strings; this one is 128 random bits.
    return "evt_" + base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=").lower()


def _dumps(value: Any) -> str:
    # text.dumps: a lone surrogate in a lead stored before the edge refused them is sent as
    # U+FFFD, so its rendering cannot fail and stall the lead's queue.
    return dumps(value, compact=True)


def _operator(username: str | None) -> dict[str, str] | None:
    return {"username": username} if username else None


def for_webhook(message: MessageModel) -> bool:
    """Operator replies and system-script messages: the bot must relay them to the lead.
    (The lead's and the bot's own messages came from the bot; system messages are for the UI;
    private notes, `from: "note"`, are for operators only and never leave: the contract test
    tests/service/webhooks/test_notes_contract.py holds every event type to it.)"""
    if message.sender == "note":
        return False
    return message.sender == "operator" or (message.sender == "bot" and bool(message.system_script))


def events_of(change: Change, at: str, new_id: Callable[[], str] = new_event_id) -> list[Outgoing]:
    """The webhook events of a change, in the order the bot should see them: the dialog's
    transition first, then the messages it appended (a script's messages after the
    `dialog.operator_joined` / `dialog.returned_to_bot` that ran it)."""
    lead = change.lead
    common = {
        "bot_id": lead.bot_id,
        "lead": {"id": lead.id, "lead_ref": lead.lead_ref},
        "dialog": dialog_view(lead),
    }
    out: list[Outgoing] = []

    def add(kind: str, operator: str | None, extra: dict[str, Any], message_seq: int | None = None) -> None:
        event_id = new_id()
        payload = {"id": event_id, "type": kind, "timestamp": at,
                   "data": {**common, "operator": _operator(operator), **extra}}
        out.append(Outgoing(event_id, kind, _dumps(payload), message_seq))

    for event in change.events:
        if isinstance(event, SystemScriptDue):
            continue  # the script's messages go out as message.created below
        add(event.name, _event_operator(event, change.actor), _event_details(event))
    for message in change.messages:
        if for_webhook(message):
            operator = message.operator or change.actor
            add(MESSAGE_CREATED, operator, {"message": webhook_message_view(message)},
                message_seq=int(message.seq) if message.delivery else None)
    if change.lead_updated and change.actor and not change.created:
        add(LEAD_UPDATED, change.actor, {"lead": lead_view(lead)})
    return out


def escalated_event(lead: LeadModel, rung: int, waiting_seconds: int, at: str,
                    new_id: Callable[[], str] = new_event_id) -> Outgoing:
    """`dialog.escalated`: the lead's wait reached the ladder's supervisor rung (no dialog
    change carries it: the scheduled function enqueues it on its own)."""
    event_id = new_id()
    payload = {"id": event_id, "type": DIALOG_ESCALATED, "timestamp": at,
               "data": {"bot_id": lead.bot_id, "lead": {"id": lead.id, "lead_ref": lead.lead_ref},
                        "dialog": dialog_view(lead), "operator": None, "rung": rung,
                        "wait_started_at": lead.wait_started_at, "waiting_seconds": waiting_seconds}}
    return Outgoing(event_id, DIALOG_ESCALATED, _dumps(payload))


def _event_operator(event: DialogEvent, actor: str | None) -> str | None:
    return getattr(event, "operator", "") or actor


def _event_details(event: DialogEvent) -> dict[str, Any]:
    if isinstance(event, DialogWaiting):
        return {"reason": event.reason or None}
    if isinstance(event, OperatorJoined):
        return {"previous_state": event.previous_state.value}
    if isinstance(event, ReturnedToBot):
        return {"previous_operators": list(event.previous_operators)}
    return {}


def render_body(body: str, link: Callable[[str, str, bool], str] | None, link_seconds: int) -> bytes:
    """The bytes to POST: the stored body with each attachment's S3 key replaced by a fresh
    presigned download URL (`link(key, filename, inline)`). Raises on a stored body that is
    not what events_of writes (the delivery function dead-letters it as `render_failed`)."""
    payload = json.loads(body)
    message = payload.get("data", {}).get("message")
    if message and message.get("attachments"):
        rendered = []
        for attachment in message["attachments"]:
            key = attachment.pop("key", None)
            if key and link is not None:
                attachment["url"] = link(key, attachment["name"], False)
                attachment["url_expires_in"] = link_seconds
            rendered.append(attachment)
        message["attachments"] = rendered
    return _dumps(payload).encode("utf-8")
