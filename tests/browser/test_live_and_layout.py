"""The live connection (reconnect, backfill, offline indicator), the languages, a phone-sized
screen, and the page running under a strict Content-Security-Policy."""

from __future__ import annotations

import re

from playwright.sync_api import Route, expect

from infra.csp import UiOrigins, content_security_policy
from tests.browser.conftest import Console


def test_reconnect_backfills_every_missed_message_in_order_without_a_refresh(open_console, bot):
    lead = bot.waiting_lead(name="Reconnect Test")
    me = open_console("operator", cutter=True)
    page = me.page
    me.open(lead["id"])
    me.start()
    page.evaluate("window.__sameDocument = true")

    me.link.cut()
    status = page.get_by_test_id("connection-status")
    expect(status).to_have_attribute("data-status", "offline")
    expect(status).to_be_visible()
    me.shot("offline")
    missed = [f"missed while offline {n}" for n in range(1, 6)]
    for text in missed:
        bot.say(lead["ref"], text)
    newcomer = bot.waiting_lead(name="Arrived While Offline")

    me.link.restore()
    expect(status).to_have_attribute("data-status", "online")
    for text in missed:
        expect(me.messages().filter(has_text=text)).to_have_count(1)
    texts = me.messages().evaluate_all("els => els.map(e => e.textContent)")
    positions = [next(i for i, t in enumerate(texts) if text in t) for text in missed]
    assert positions == sorted(positions)
    seqs = [int(s) for s in me.messages().evaluate_all("els => els.map(e => e.dataset.seq)")]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
    # The tabs were re-read too: the dialog that arrived meanwhile is listed.
    expect(me.item(newcomer["id"])).to_be_visible()
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"

    # And it is live again.
    bot.say(lead["ref"], "after the reconnect")
    expect(me.messages().filter(has_text="after the reconnect")).to_have_count(1)


def test_language_follows_the_browser_and_can_be_switched(new_context, runtime):
    page = new_context(locale="ru-RU").new_page()
    page.goto("/")
    expect(page.get_by_test_id("login-submit")).to_have_text("Войти")
    page.get_by_label("Язык").select_option("en")
    expect(page.get_by_test_id("login-submit")).to_have_text("Sign in")
    operator = runtime.operator("operator")
    page.get_by_test_id("login-username").fill(operator["username"])
    page.get_by_test_id("login-password").fill(operator["password"])
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("tab-waiting")).to_contain_text("Waiting")
    page.get_by_label("Language").select_option("ru")
    expect(page.get_by_test_id("tab-waiting")).to_contain_text("Ожидают")
    expect(page.get_by_test_id("tab-mine")).to_contain_text("Мои")
    page.reload()
    expect(page.get_by_test_id("tab-all")).to_contain_text("Все")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    Console(page, runtime).wait_online()
    Console(page, runtime).shot("russian")


def test_phone_sized_screen_shows_the_dialog_as_a_full_screen_view(open_console, bot):
    lead = bot.waiting_lead(name="Phone Screen", attributes={"sys_phone": "+1 555 0199"})
    me = open_console("operator", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = me.page
    expect(me.item(lead["id"])).to_be_visible()
    list_box = page.get_by_test_id("dialog-list").bounding_box()
    assert list_box["width"] >= 380
    me.open(lead["id"])
    panel = page.get_by_test_id("dialog-panel").bounding_box()
    assert panel["x"] == 0 and panel["y"] == 0
    assert panel["width"] == 390 and panel["height"] == 844
    expect(page.get_by_test_id("dialog-list")).to_be_hidden()
    expect(page.get_by_test_id("btn-start-conversation")).to_be_in_viewport()
    me.start()
    expect(page.get_by_test_id("composer-send")).to_be_in_viewport()
    me.shot("phone-dialog")
    page.get_by_role("button", name="Lead information").click()
    expect(page.get_by_test_id("info-phone")).to_have_text("+1 555 0199")
    page.get_by_test_id("info-panel-close").click()
    page.get_by_test_id("btn-hide-panel").click()
    expect(page.get_by_test_id("dialog-list")).to_be_visible()


def test_the_ui_runs_under_a_strict_content_security_policy(new_context, runtime, bot):
    """The policy CloudFront sends in AWS (infra/csp.py): no inline script or style, no eval,
    nothing foreign. Any violation is reported by the page's securitypolicyviolation event."""
    lead = bot.lead(name="CSP Test")
    upload = bot.upload("note.txt", "text/plain", b"hello")
    bot.say(lead["ref"], "with a file https://example.com/x", uploads=[upload])
    bot.handoff(lead["ref"])
    bucket_url = bot.http.post(f"{bot.url}/bot/v1/uploads", timeout=30, json={
        "filename": "x.txt", "content_type": "text/plain", "size": 1}).json()["url"].rstrip("/")
    policy = content_security_policy(UiOrigins(api=runtime.url, websocket=runtime.ws_url.rsplit("/", 1)[0],
                                               attachments=(bucket_url, f"{bucket_url}/")))
    context = new_context()
    context.add_init_script("""
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
    """)

    def with_policy(route: Route) -> None:
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": policy})

    page = context.new_page()
    page.route(re.compile(r"^http://127\.0\.0\.1:\d+/(index\.html)?(\?.*)?$"), with_policy)
    page.goto("/")
    operator = runtime.operator("operator")
    page.get_by_test_id("login-username").fill(operator["username"])
    page.get_by_test_id("login-password").fill(operator["password"])
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("connection-status")).to_have_attribute("data-status", "online")
    page.locator(f'[data-testid="dialog-item"][data-lead-id="{lead["id"]}"]').click()
    expect(page.get_by_test_id("attachment-link")).to_have_text("note.txt")
    page.get_by_test_id("btn-start-conversation").click()
    expect(page.get_by_test_id("composer-input")).to_be_visible()
    page.get_by_test_id("composer-attach").set_input_files(
        files=[{"name": "a.txt", "mimeType": "text/plain", "buffer": b"uploaded under the CSP"}])
    expect(page.locator("progress.upload-progress")).to_have_js_property("value", 1)
    # The sounds load when the page starts (preload); a test sound plays them once more.
    page.get_by_test_id("sound-enable").click()  # off
    page.get_by_test_id("sound-enable").click()  # on
    assert page.evaluate("window.__csp") == []
    # And the policy was in force: an inline style is refused (and reported).
    page.evaluate("() => { const s = document.createElement('style'); s.textContent = 'p{}'; document.head.append(s); }")
    page.wait_for_function("() => window.__csp.some(v => v.startsWith('style-src'))")
