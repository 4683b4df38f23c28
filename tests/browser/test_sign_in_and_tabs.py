"""Sign-in, sign-out, the token refresh, and the tabs with their live counts and list."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_sign_in_rejects_a_wrong_password(console):
    page = console.page
    page.goto("/")
    page.get_by_test_id("login-username").fill("operator")
    page.get_by_test_id("login-password").fill("not-the-password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_be_visible()
    expect(page.get_by_test_id("tab-waiting")).to_have_count(0)
    console.shot("sign-in-error")


def test_sign_in_survives_a_reload_and_sign_out_ends_it(console):
    console.sign_in("operator")
    page = console.page
    console.shot("signed-in")
    page.reload()
    expect(page.get_by_test_id("tab-waiting")).to_be_visible()
    console.wait_online()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_test_id("login-username")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("login-username")).to_be_visible()


def test_session_refreshes_its_token_before_expiry(console):
    console.sign_in("operator")
    page = console.page
    # Pretend the access token is about to expire: the UI must refresh before its next call.
    page.evaluate("""() => {
      const s = JSON.parse(localStorage.getItem('handover.session'));
      s.expires_at = Date.now() + 1000;
      localStorage.setItem('handover.session', JSON.stringify(s));
    }""")
    with page.expect_response(re.compile(r"/api/auth/refresh$")) as refreshed:
        page.reload()
    assert refreshed.value.status == 200
    expect(page.get_by_test_id("tab-waiting")).to_be_visible()
    console.wait_online()
    expires_at = page.evaluate("JSON.parse(localStorage.getItem('handover.session')).expires_at")
    assert expires_at > page.evaluate("Date.now()") + 60_000


def _count(console, tab: str) -> int:
    return int(console.page.get_by_test_id(f"tab-{tab}").get_by_test_id("tab-count").inner_text())


def test_tabs_show_live_counts_and_dialogs(open_console, bot):
    me = open_console("operator")
    page = me.page
    waiting_before = _count(me, "waiting")

    lead = bot.waiting_lead(name="Tabs Tester", messenger="telegram")
    item = me.item(lead["id"])
    expect(item).to_be_visible()
    expect(item).to_contain_text("Tabs Tester")
    expect(item).to_contain_text("telegram")
    expect(item).to_contain_text(bot.name)
    expect(page.get_by_test_id("tab-waiting").get_by_test_id("tab-count")).to_have_text(str(waiting_before + 1))

    # A new message from the lead: the preview and the unread badge follow live.
    bot.say(lead["ref"], "Are you there?")
    expect(item).to_contain_text("Are you there?")
    expect(item.get_by_test_id("dialog-unread")).to_be_visible()
    me.shot("tabs-waiting")

    # Start the conversation: the dialog leaves Waiting and shows on Mine.
    me.open(lead["id"])
    expect(item.get_by_test_id("dialog-unread")).to_have_count(0)  # opening it read it
    me.start()
    expect(item).to_have_count(0)
    me.tab("mine")
    expect(me.item(lead["id"])).to_be_visible()
    expect(page.get_by_test_id("tab-mine").get_by_test_id("tab-count")).not_to_have_text("0")
    me.tab("all")
    expect(me.item(lead["id"])).to_be_visible()
    assert _count(me, "all") >= 1
