"""Dialog changes that cause webhooks, driven through the dialog service as the APIs do."""

from __future__ import annotations

from chalicelib.api.bodies import check_bot_message, check_lead_changes
from chalicelib.domain.credentials import parse_api_key
from chalicelib.domain.ids import lead_id


def new_lead(hooks, ref: str = "tg:1", **fields) -> str:
    key = parse_api_key(hooks.api_key)
    hooks.services.dialogs.upsert_lead(key, ref, check_lead_changes({"name": "Anna", **fields}))
    return lead_id(hooks.bot_id, ref)


def handoff(hooks, ref: str = "tg:1") -> None:
    hooks.services.dialogs.handoff(parse_api_key(hooks.api_key), ref, "asked for a human")


def lead_says(hooks, text: str, ref: str = "tg:1", message_id: str = "m1") -> None:
    body = check_bot_message({"id": message_id, "from": "lead", "text": text})
    hooks.services.dialogs.post_bot_message(parse_api_key(hooks.api_key), ref, body)


def operator_says(hooks, lead: str, text: str, operator: str = "alice", client_id: str | None = None):
    message, _, _ = hooks.services.dialogs.send_operator_message(lead, operator, client_id or text, text, ())
    return message


def conversation(hooks, ref: str = "tg:1") -> tuple[str, list[str]]:
    """A whole handover; answers the lead id and the webhook event types it must cause, in order."""
    lead = new_lead(hooks, ref)
    lead_says(hooks, "I need a human", ref)
    handoff(hooks, ref)
    hooks.services.dialogs.start(lead, "alice")
    operator_says(hooks, lead, "Hello, I am Alice")
    operator_says(hooks, lead, "How can I help?")
    hooks.services.dialogs.edit_lead(lead, "alice", check_lead_changes({"status": "vip"}))
    hooks.services.dialogs.resolve(lead, "alice")
    expected = [
        "dialog.waiting",
        "dialog.operator_joined", "message.created",  # the Transfer-to-operator script
        "message.created", "message.created",
        "lead.updated",
        "dialog.returned_to_bot", "message.created",  # the Return script
    ]
    return lead, expected
