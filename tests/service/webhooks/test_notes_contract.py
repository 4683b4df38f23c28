"""The contract of private notes: they never reach the lead or the bot. A dialog with notes
between every change goes through every webhook event type of the catalog, and every bot
route is called on it; no webhook body and no bot API answer carries a note's text or id."""

from __future__ import annotations

import json

from chalicelib.api.bodies import check_lead_changes
from chalicelib.webhooks.events import EVENT_TYPES
from tests.service.webhooks.flows import handoff, lead_says, new_lead, operator_says

SECRET = "NOTE-SECRET-7f3a"


class Notes:
    def __init__(self, hooks, lead: str) -> None:
        self.hooks, self.lead, self.count = hooks, lead, 0

    def add(self, author: str = "alice") -> None:
        """A note by `author`, whose text and client id both carry the marker."""
        self.count += 1
        _, created = self.hooks.services.dialogs.add_note(
            self.lead, author, f"{SECRET}-id-{self.count}", f"{SECRET} text {self.count} @bob", ("bob",))
        assert created


def escalate(hooks, seconds: float) -> None:
    """The per-minute tick, `seconds` later: the escalation ladder's next rung (docs/notifications.md)."""
    hooks.advance(seconds)
    assert hooks.services.notifications.escalation.tick() == 1


def bot_routes() -> set[tuple[str, str]]:
    from app import app

    return {(method, path) for path, entries in app.routes.items() if path.startswith("/bot/v1")
            for method in entries}


def test_no_webhook_event_and_no_bot_route_carries_a_note(hooks, client):
    lead = new_lead(hooks)
    notes = Notes(hooks, lead)
    dialogs = hooks.services.dialogs
    steps = [
        lambda: lead_says(hooks, "I need a human"),
        lambda: handoff(hooks),  # dialog.waiting
        lambda: escalate(hooks, 301),  # rung 1: the operators' broadcast (no webhook)
        lambda: escalate(hooks, 600),  # rung 2: dialog.escalated
        lambda: dialogs.start(lead, "alice"),  # dialog.operator_joined + the script's message.created
        lambda: operator_says(hooks, lead, "Hello, I am Alice"),  # message.created
        lambda: dialogs.edit_lead(lead, "alice", check_lead_changes({"status": "vip"})),  # lead.updated
        lambda: dialogs.start(lead, "bob"),
        lambda: dialogs.leave(lead, "bob"),  # dialog.operator_left
        lambda: dialogs.resolve(lead, "alice"),  # dialog.returned_to_bot + the Return script
    ]
    notes.add()
    for step in steps:
        step()
        notes.add("alice" if notes.count % 2 else "bob")
    hooks.drain()

    calls = hooks.receiver.delivered()
    seen = {call.payload["type"] for call in calls}
    assert seen == set(EVENT_TYPES), f"the flow must cause every event type of the catalog; missing {set(EVENT_TYPES) - seen}"
    for call in calls:
        assert SECRET not in call.body.decode(), call.payload["type"]
    # The notes are there for operators: in the timeline, between the bot-visible messages.
    stored = hooks.services.store.message_page(lead, 100)
    assert sum(1 for message in stored if message.sender == "note") == notes.count == len(steps) + 1

    # Every bot route, on the dialog with notes (a route added later must be added here).
    key = {"Authorization": f"Bearer {hooks.api_key}", "Content-Type": "application/json"}
    answers = {
        ("PUT", "/bot/v1/leads/{lead_ref}"): client.http.put("/bot/v1/leads/tg:1", headers=key,
                                                               body=json.dumps({"status": "back"})),
        ("GET", "/bot/v1/leads/{lead_ref}"): client.http.get("/bot/v1/leads/tg:1", headers=key),
        ("POST", "/bot/v1/leads/{lead_ref}/messages"): client.http.post(
            "/bot/v1/leads/tg:1/messages", headers=key, body=json.dumps({"id": "m9", "from": "lead", "text": "hi"})),
        ("POST", "/bot/v1/leads/{lead_ref}/handoff"): client.http.post("/bot/v1/leads/tg:1/handoff", headers=key,
                                                                        body=json.dumps({"reason": "again"})),
        ("POST", "/bot/v1/uploads"): client.http.post(
            "/bot/v1/uploads", headers=key,
            body=json.dumps({"filename": "a.png", "content_type": "image/png", "size": 10})),
        ("GET", "/bot/v1/openapi.json"): client.http.get("/bot/v1/openapi.json"),
    }
    assert set(answers) == bot_routes()
    for route, answer in answers.items():
        assert answer.status_code < 300, (route, answer.body)
        assert SECRET not in answer.body.decode(), route
    # The handoff above caused one more event: still no note in it.
    hooks.drain()
    assert all(SECRET not in call.body.decode() for call in hooks.receiver.delivered())
