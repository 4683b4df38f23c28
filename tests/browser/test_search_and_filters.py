"""The search box and the All tab's filter, in Chromium against the local runtime."""

from __future__ import annotations

import random
import string
import uuid

import requests
from playwright.sync_api import expect

from tests.browser.conftest import Bot, admin_token


def _letters(n: int = 8) -> str:
    return "".join(random.choice(string.ascii_lowercase) for _ in range(n))


def _second_bot(runtime) -> Bot:
    name = f"Filter bot {uuid.uuid4().hex[:6]}"
    answer = requests.post(f"{runtime.url}/api/admin/bots", timeout=30, json={"name": name},
                           headers={"Authorization": f"Bearer {admin_token(runtime)}"})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    return Bot(runtime.url, body["api_key"], body["bot"]["id"], name)


def test_search_finds_a_lead_by_phone_and_by_an_accented_name_prefix(console, bot):
    word = _letters()
    digits = "".join(random.choice(string.digits) for _ in range(7))
    lead = bot.lead(name=f"Élodie Ünï{word}", attributes={"sys_phone": f"+7 (999) {digits}"})
    console.sign_in("operator")
    page = console.page
    box = page.get_by_test_id("search")

    box.fill(f"7-999-{digits}")
    results = page.get_by_test_id("search-results")
    row = results.locator(f'[data-testid="dialog-item"][data-lead-id="{lead["id"]}"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text(f"Élodie Ünï{word}")
    expect(row.get_by_test_id("item-state")).to_have_text("With the bot")
    expect(results.get_by_test_id("dialog-item")).to_have_count(1)

    # No accents, another case, half a word: still the lead.
    box.fill(f"ELODIE UNI{word[:3].upper()}")
    expect(row).to_be_visible()
    expect(results.get_by_test_id("dialog-item")).to_have_count(1)
    console.shot("search-by-name")
    row.click()
    expect(page.locator(f'[data-testid="dialog-panel"][data-lead-id="{lead["id"]}"]')).to_be_visible()

    box.fill(f"unï{word}x")
    expect(page.get_by_text("Nothing found.")).to_be_visible()
    # Clearing the box brings the tabs back.
    box.fill("")
    expect(page.get_by_test_id("tab-waiting")).to_be_visible()


def test_the_all_tab_shows_states_and_filters_by_state_and_bot(runtime, open_console, bot):
    other = _second_bot(runtime)
    waiting = bot.waiting_lead(name=f"Waiting {_letters()}")
    with_other_bot = other.lead(name=f"Other {_letters()}")
    me = open_console("operator")
    page = me.page
    me.tab("all")
    expect(me.item(waiting["id"]).get_by_test_id("item-state")).to_have_text("Waiting for an operator")
    expect(me.item(with_other_bot["id"]).get_by_test_id("item-state")).to_have_text("With the bot")

    with page.expect_response(lambda r: "/api/tabs/all?state=waiting" in r.url and r.status == 200):
        page.get_by_test_id("filter-state").select_option("waiting")
    expect(me.item(waiting["id"])).to_be_visible()
    expect(me.item(with_other_bot["id"])).to_have_count(0)
    states = page.get_by_test_id("dialog-list").get_by_test_id("item-state").all_inner_texts()
    assert states and set(states) == {"Waiting for an operator"}

    page.get_by_test_id("filter-state").select_option("")
    with page.expect_response(lambda r: f"bot_id={other.id}" in r.url and r.status == 200):
        page.get_by_test_id("filter-bot").select_option(other.id)
    expect(me.item(with_other_bot["id"])).to_be_visible()
    expect(me.item(waiting["id"])).to_have_count(0)
    me.shot("all-tab-filtered-by-bot")

    # A live change: the operator starts the waiting dialog; its row says who is in it.
    page.get_by_test_id("filter-bot").select_option("")
    me.open(waiting["id"], tab="all")
    me.start()
    expect(me.item(waiting["id"]).get_by_test_id("item-state")).to_have_text("With operators: operator")
