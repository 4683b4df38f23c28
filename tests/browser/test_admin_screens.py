"""The admin screens in real Chromium (docs/operator-ui.md, "Admin screens"): an admin creates a
bot (its key shown once), tests its webhook, rotates its key (the old key then gets 401 from
the bot API, the new one works), edits a script and sees the preview, and replays dead letters;
an operator sees no admin entry and gets 403 from the admin routes.

The dead letters are real ones, made by the delivery function: the bot's webhook is a receiver
in this test that answers 410 Gone, the one answer dead-lettered at the first attempt. (An
unreachable URL is retried 13 times over about two days, docs/webhooks.md, too long to wait
for here; nothing is written into the store by hand.)
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import Bot, admin_token, wait_for


class _Receiver(BaseHTTPRequestHandler):
    """A bot's webhook: `/ok` answers 204, `/gone` 410 Gone; every call is recorded."""

    calls: list[dict[str, Any]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.calls.append({"path": self.path, "id": self.headers["webhook-id"], "event": json.loads(body)})
        self.send_response(410 if self.path.startswith("/gone") else 204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    handler = type("Receiver", (_Receiver,), {"calls": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler.calls
    server.shutdown()
    server.server_close()


def _api(runtime, token: str, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(method, f"{runtime.url}{path}", json=body, timeout=30,
                            headers={"Authorization": f"Bearer {token}"})


def test_an_admin_manages_a_bot_and_replays_its_dead_letters(open_console, runtime, receiver):
    base, calls = receiver
    console = open_console("admin", permissions=["clipboard-read", "clipboard-write"])
    page = console.page
    page.get_by_test_id("admin-open").click()
    expect(page.get_by_test_id("admin-bots")).to_be_visible()

    # Create: the key and the webhook secret are shown once, with copy buttons.
    name = f"Admin screens bot {uuid.uuid4().hex[:6]}"
    page.get_by_test_id("bot-new").click()
    page.get_by_test_id("bot-new-name").fill(name)
    page.get_by_test_id("bot-new-webhook-url").fill(f"{base}/ok")
    page.get_by_test_id("bot-new-submit").click()
    once = page.get_by_test_id("shown-once")
    expect(once).to_contain_text("You will not see this again")
    first_key = page.get_by_test_id("secret-api-key").input_value()
    assert first_key.startswith("hbk.")
    assert page.get_by_test_id("secret-webhook-secret").input_value().startswith("whsec_")
    page.get_by_test_id("secret-api-key-copy").click()
    expect(once).to_contain_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == first_key
    console.shot("admin-bot-created")
    page.get_by_test_id("shown-once-done").click()
    bot_page = page.get_by_test_id("bot-page")
    expect(bot_page).to_contain_text(name)
    bot_id = bot_page.get_attribute("data-bot-id")
    expect(page.get_by_test_id("secret-api-key")).to_have_count(0)  # gone for good
    first = Bot(runtime.url, first_key, bot_id, name)
    first.lead()

    # Test delivery: a signed ping, answered 204.
    page.get_by_test_id("bot-test-delivery").click()
    result = page.get_by_test_id("test-delivery-result")
    expect(result).to_have_attribute("data-ok", "true")
    expect(result).to_contain_text("HTTP 204")
    assert [c["event"]["type"] for c in calls] == ["ping"]

    # Rotate the key: the old one stops at once, the new one works.
    page.get_by_test_id("bot-rotate-key").click()
    page.get_by_test_id("rotate-confirm").click()
    expect(page.get_by_test_id("shown-once")).to_be_visible()
    new_key = page.get_by_test_id("secret-api-key").input_value()
    assert new_key != first_key
    page.get_by_test_id("shown-once-done").click()
    expect(page.get_by_test_id("bot-key-hint")).to_have_text("…" + new_key[-4:])
    refused = first.http.put(f"{runtime.url}/bot/v1/leads/after-rotation", json={"name": "x"}, timeout=30)
    assert refused.status_code == 401
    bot = Bot(runtime.url, new_key, bot_id, name)
    bot.lead()

    # A script with a live preview, rendered against the sample lead, then saved.
    page.get_by_test_id("script-operator_transfer-add").click()
    page.get_by_test_id("script-operator_transfer-text").fill("An operator joined the chat, {{first_name|friend}}. {{company}}")
    preview = page.get_by_test_id("script-operator_transfer-preview")
    expect(preview.get_by_test_id("script-preview-message")).to_have_text(["An operator joined the chat, Anna."])
    page.get_by_test_id("script-operator_transfer-text").fill("Hello {{nickname|there}}!")
    expect(preview.get_by_test_id("script-preview-message")).to_have_text(["Hello there!"])
    page.get_by_test_id("scripts-save").click()
    expect(page.get_by_test_id("scripts-saved")).to_be_visible()
    console.shot("admin-bot-page")
    token = admin_token(runtime)
    stored = _api(runtime, token, "GET", f"/api/admin/bots/{bot_id}").json()
    assert stored["scripts"]["operator_transfer"] == ["Hello {{nickname|there}}!"]

    # Dead letters: the webhook now answers 410 Gone. The handoff's dialog.waiting gets the 410
    # (and the webhook is disabled); an operator joining then makes dialog.operator_joined and
    # the script's message.created, dead-lettered at once as webhook_disabled.
    page.get_by_test_id("bot-webhook-url").fill(f"{base}/gone")
    # ... and the bot may write while an operator is in the dialog (off by default: 409).
    expect(page.get_by_test_id("bot-with-operator")).not_to_be_checked()
    page.get_by_test_id("bot-with-operator").check()
    page.get_by_test_id("bot-save").click()
    expect(page.get_by_test_id("bot-saved")).to_be_visible()
    assert _api(runtime, token, "GET", f"/api/admin/bots/{bot_id}").json()["allow_messages_with_operator"] is True
    lead = bot.waiting_lead(name="Dead letter lead")
    lead_id = lead["id"]
    assert _api(runtime, token, "POST", f"/api/dialogs/{lead_id}/start").status_code == 200

    def letters() -> list[dict[str, Any]]:
        answer = _api(runtime, token, "GET", f"/api/admin/webhooks/dead-letters?bot_id={bot_id}&limit=100")
        return [letter for letter in answer.json()["items"] if letter["lead_id"] == lead_id]

    wait_for(page, lambda: len(letters()) == 3, timeout_ms=30_000)
    dead = letters()
    assert sorted(letter["type"] for letter in dead) == ["dialog.operator_joined", "dialog.waiting", "message.created"]
    assert {letter["reason"] for letter in dead} == {"gone", "webhook_disabled"}
    dead_ids = {letter["id"] for letter in dead}

    # The 410 disabled the webhook: a new URL enables it again (done in the UI).
    page.get_by_test_id("bot-back").click()
    page.locator(f'[data-testid="bot-row"][data-bot-id="{bot_id}"] button').click()
    expect(page.get_by_test_id("bot-webhook-disabled")).to_be_visible()
    page.get_by_test_id("bot-webhook-url").fill(f"{base}/ok/again")
    page.get_by_test_id("bot-save").click()
    expect(page.get_by_test_id("bot-webhook-disabled")).to_have_count(0)

    page.get_by_test_id("admin-nav-dead_letters").click()
    page.get_by_test_id("dead-letter-bot").select_option(bot_id)
    rows = page.get_by_test_id("dead-letter-row")
    expect(rows).to_have_count(3)
    oldest = next(letter["id"] for letter in dead if letter["reason"] == "gone")
    page.locator(f'[data-testid="dead-letter-row"][data-letter-id="{oldest}"]').get_by_test_id("dead-letter-open").click()
    expect(page.get_by_test_id("dead-letter-last-error")).to_contain_text("HTTP 410")
    expect(page.get_by_test_id("dead-letter-attempts")).to_have_text("1")
    expect(page.get_by_test_id("dead-letter-payload")).to_contain_text(lead_id)
    console.shot("admin-dead-letter")
    page.get_by_test_id("dead-letter-replay").click()
    expect(page.get_by_test_id("dead-letter-notice")).to_have_text("Queued again: 1.")
    expect(rows).to_have_count(2)
    # Delivered again, with the same webhook-id (bots dedupe on it).
    wait_for(page, lambda: oldest in {c["id"] for c in calls if c["path"] == "/ok/again"}, timeout_ms=30_000)

    page.get_by_test_id("dead-letter-replay-all").click()
    expect(page.get_by_test_id("dead-letter-notice")).to_have_text("Queued again: 2.")
    expect(page.get_by_test_id("dead-letters-empty")).to_be_visible()
    wait_for(page, lambda: dead_ids <= {c["id"] for c in calls if c["path"] == "/ok/again"}, timeout_ms=30_000)
    assert letters() == []

    # Operators: the admin is online (this page's websocket); managing them is in the console.
    page.get_by_test_id("admin-nav-operators").click()
    expect(page.locator('[data-testid="operator-row"][data-username="admin"]')).to_have_attribute("data-online", "true")
    expect(page.locator('[data-testid="operator-row"][data-username="operator2"]')).to_be_visible()
    link = page.get_by_test_id("operators-console")
    assert "console.aws.amazon.com/cognito/v2/idp/user-pools/" in (link.get_attribute("href") or "")
    assert link.get_attribute("rel") == "noopener noreferrer"
    console.shot("admin-operators")

    # Back to the dialogs.
    page.get_by_test_id("admin-open").click()
    expect(page.get_by_test_id("tab-waiting")).to_be_visible()


def test_an_operator_sees_no_admin_entry_and_gets_403(open_console, runtime, bot):
    console = open_console("operator")
    expect(console.page.get_by_test_id("tab-waiting")).to_be_visible()
    expect(console.page.get_by_test_id("admin-open")).to_have_count(0)
    token = console.page.evaluate("JSON.parse(localStorage.getItem('handover.session')).access_token")
    for method, path, body in (
        ("GET", "/api/admin/bots", None),
        ("POST", "/api/admin/bots", {"name": "Nope"}),
        ("POST", f"/api/admin/bots/{bot.id}/rotate-key", {}),
        ("POST", f"/api/admin/bots/{bot.id}/test-delivery", {}),
        ("POST", "/api/admin/scripts/preview", {"texts": ["Hi"]}),
        ("GET", "/api/admin/webhooks/dead-letters", None),
        ("POST", "/api/admin/webhooks/replay", {}),
        ("GET", "/api/admin/operators", None),
    ):
        answer = _api(runtime, token, method, path, body)
        assert answer.status_code == 403, (method, path, answer.text)
        assert answer.json()["error"]["code"] == "forbidden"
