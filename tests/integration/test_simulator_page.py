"""The lead simulator page at /demo/ in Chromium: a person plays a lead, the demo bot
answers, "operator" hands off, and an operator's reply (sent in the contact center) shows up.
Whatever anyone typed is shown as text, never as markup."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from playwright.sync_api import Page, expect, sync_playwright

from local_runtime.demo.files import small_png

CHROMIUM = os.environ.get("HANDOVER_CHROMIUM", "/usr/bin/chromium")
TIMEOUT_MS = 20_000
# An operator's reply reaches the page through the webhook pipeline (stream, delivery, demo bot,
# the page's poll): give it longer on a loaded machine.
REPLY_TIMEOUT_MS = 45_000


def in_a_browser(scenario: Callable[[Page], None]) -> None:
    """Run `scenario` with a fresh page, in a thread of its own: Playwright's sync API cannot
    start where another session (tests/browser's, in the same xdist worker) holds the loop."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (make test installs Debian's chromium)")

    def run() -> None:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            try:
                page = browser.new_page()
                page.set_default_timeout(TIMEOUT_MS)
                scenario(page)
            finally:
                browser.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(run).result()


def test_a_person_plays_a_lead_through_handoff_and_an_operators_reply(handover_runtime):
    in_a_browser(lambda page: _play_a_lead(handover_runtime, page))


def _play_a_lead(rt, page: Page) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: errors.append(f"a dialog opened: {dialog.message}"))
    page.goto(f"{rt.url}/demo/")
    page.fill("#name", "Browser Lead")
    lead_ref = page.text_content("#lead-ref")

    hostile = '<img src=x onerror="alert(1)"> hi'
    page.fill("#text", hostile)
    page.keyboard.press("Enter")
    expect(page.locator("#messages li.lead").first).to_contain_text(hostile, timeout=TIMEOUT_MS)
    expect(page.locator("#messages li.bot").first).to_contain_text("demo bot", timeout=TIMEOUT_MS)
    assert page.locator("#messages img").count() == 0
    expect(page.locator("#state")).to_have_text("bot", timeout=TIMEOUT_MS)

    # The lead sends a picture: through the demo bot to the bot API and S3's presigned POST.
    page.set_input_files("#file", files=[{"name": "my-parcel.png", "mimeType": "image/png", "buffer": small_png()}])
    expect(page.locator("#messages li.bot", has_text="my-parcel.png")).to_contain_text("Thanks, I got",
                                                                                     timeout=TIMEOUT_MS)

    page.fill("#text", "operator, please")
    page.keyboard.press("Enter")
    expect(page.locator("#state")).to_have_text("waiting", timeout=TIMEOUT_MS)

    # An operator starts the conversation and answers in the contact center (its API).
    operator = rt.operator("operator")
    token = requests.post(f"{rt.url}/api/auth/login", timeout=10,
                          json={"username": operator["username"], "password": operator["password"]}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    lead = requests.get(f"{rt.url}/bot/v1/leads/{lead_ref}", timeout=10,
                        headers={"Authorization": f"Bearer {rt.bot['api_key']}"}).json()
    assert lead["name"] == "Browser Lead"
    requests.post(f"{rt.url}/api/dialogs/{lead['id']}/start", headers=headers, timeout=10).raise_for_status()
    requests.post(f"{rt.url}/api/dialogs/{lead['id']}/messages", headers=headers, timeout=10,
                  json={"client_id": "b1", "text": "<b>Hello</b> from a person"}).raise_for_status()

    dialog = requests.get(f"{rt.url}/api/dialogs/{lead['id']}", headers=headers, timeout=10).json()
    pictures = [a for m in dialog["messages"]["items"] for a in m["attachments"]]
    assert [(a["name"], a["preview"]) for a in pictures] == [("my-parcel.png", True)]

    reply = page.locator("#messages li.operator", has_text="from a person")
    expect(reply).to_contain_text("<b>Hello</b> from a person", timeout=REPLY_TIMEOUT_MS)
    expect(reply).to_contain_text("Operator operator", timeout=TIMEOUT_MS)
    expect(page.locator("#state")).to_have_text("operator", timeout=TIMEOUT_MS)
    assert page.locator("#messages b").count() == 0
    assert errors == []
