"""Alerts that provably reach the operator (issue 19 item 1; docs/operator-ui.md "Alerts"):
desktop notifications beside the sounds under R13, the unseen count in the title and on the
favicon, the blocked-sound state and its fallback, one tab per alert, and the `ack` frames.

A headless page cannot show a real notification: the init script below puts a recorder in
place of `window.Notification` (the context is also granted the permission, as a user would).
It also replaces `play()` so that a test can make the browser refuse it (autoplay policy):
`window.__refusePlay = true` rejects with NotAllowedError, as Chromium does."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import Console, wait_for

CLAIM_WINDOW_MS = 250  # static_site/js/sounds.js

ALERTS_SCRIPT = """
(() => {
  window.__notifications = [];
  window.__permissionAsked = 0;
  window.__refusePlay = false;
  window.__refused = [];
  class RecordedNotification {
    constructor(title, options = {}) {
      this.title = title;
      this.body = options.body;
      this.tag = options.tag;
      window.__notifications.push(this);
    }
    close() { this.closed = true; }
    static get permission() { return window.__notificationPermission || 'granted'; }
    static requestPermission() {
      window.__permissionAsked += 1;
      window.__notificationPermission = 'granted';
      return Promise.resolve('granted');
    }
  }
  window.Notification = RecordedNotification;
  HTMLMediaElement.prototype.play = function () {
    const name = (this.getAttribute('src') || '').split('/').pop().split('.')[0];
    if (window.__refusePlay) {
      window.__refused.push(name);
      return Promise.reject(new DOMException('play() needs a user gesture', 'NotAllowedError'));
    }
    window.__played.push(name);
    return Promise.resolve();
  };
})();
"""


def _context(new_context, **options):
    context = new_context(permissions=["notifications"], **options)
    context.add_init_script(ALERTS_SCRIPT)  # after conftest's: its `play` is replaced
    return context


def _notifications(page, reminders: bool = False) -> list[dict]:
    """The desktop notifications shown, without the reminders' (R14: the test runtime ticks
    every few seconds, so a hidden page soon gets them) unless asked."""
    shown = page.evaluate("window.__notifications.map((n) => ({ title: n.title, body: n.body, tag: n.tag }))")
    return [n for n in shown if reminders or n["tag"] != "handover-reminder"]


def _heard(console: Console) -> list[str]:
    """The sounds played, without the reminders (the test runtime reminds every few seconds)."""
    return [s for s in console.played() if s != "reminder"]


def _refused(page) -> list[str]:
    return [s for s in page.evaluate("window.__refused.slice()") if s != "reminder"]


def _acks(console: Console) -> list[str]:
    return [f["alert"] for f in console.sent if f.get("action") == "ack"]


def _alert_of(console: Console, lead_id: str, frame_type: str = "dialog.added") -> str:
    """The `alert` id the server gave the frame about this lead."""
    found = [f["alert"] for f in console.received
             if f.get("type") == frame_type and "alert" in f and f.get("dialog", {}).get("lead_id") == lead_id]
    assert found, f"no {frame_type} frame with an alert for {lead_id}"
    return found[0]


def _icon(page) -> tuple[str, str | None]:
    return tuple(page.evaluate("""(() => { const l = document.querySelector('link[rel="icon"]');
      return [l.getAttribute('href'), l.dataset.badge || null]; })()"""))


def test_a_hidden_page_notifies_counts_in_the_title_and_badge_and_acknowledges(new_context, open_console, bot):
    me = open_console("operator", context=_context(new_context))
    page = me.page
    expect(page).to_have_title("Handover contact center")
    assert _icon(page) == ("favicon.svg", None)
    me.hide()
    lead = bot.waiting_lead(name="Notify Me")
    wait_for(page, lambda: len(_notifications(page)) == 1)
    notification, = _notifications(page)
    assert notification["title"] == "New dialog waiting" and notification["body"] == "Notify Me"
    assert _heard(me) == ["new-dialog"]  # beside the sound, not instead of it
    expect(page).to_have_title("(1) Handover contact center")
    wait_for(page, lambda: _icon(page)[1] == "1")
    assert _icon(page)[0].startswith("blob:")
    alert = _alert_of(me, lead["id"])
    wait_for(page, lambda: _acks(me) == [alert])

    bot.say(lead["ref"], "still there?")
    wait_for(page, lambda: len(_notifications(page)) == 2)
    assert _notifications(page)[1]["title"] == "New message"
    expect(page).to_have_title("(2) Handover contact center")
    wait_for(page, lambda: _icon(page)[1] == "2")
    wait_for(page, lambda: len(_acks(me)) == 2)

    # A click on the notification focuses the window and opens that dialog.
    page.evaluate("window.__notifications[0].onclick()")
    expect(page.locator(f'[data-testid="dialog-panel"][data-lead-id="{lead["id"]}"]')).to_be_visible()

    # Looking at the page: the count goes, the plain icon comes back.
    me.show()
    expect(page).to_have_title("Handover contact center")
    wait_for(page, lambda: _icon(page) == ("favicon.svg", None))


def test_a_visible_page_neither_notifies_nor_counts_but_acknowledges_the_alert_as_seen(new_context, open_console, bot):
    me = open_console("operator", context=_context(new_context))
    page = me.page
    seen = bot.waiting_lead(name="Seen On Screen")
    expect(me.item(seen["id"])).to_be_visible()
    alert = _alert_of(me, seen["id"])
    wait_for(page, lambda: _acks(me) == [alert])
    expect(page).to_have_title("Handover contact center")
    assert _icon(page) == ("favicon.svg", None)
    # A barrier: hidden now, the next alert notifies; the visible one never did.
    me.hide()
    bot.waiting_lead(name="Seen Later")
    wait_for(page, lambda: len(_notifications(page)) == 1)
    assert [n["body"] for n in _notifications(page)] == ["Seen Later"]
    assert _heard(me) == ["new-dialog"]


def test_a_refused_play_shows_the_fix_and_falls_back_to_a_notification(new_context, open_console, bot):
    me = open_console("operator", context=_context(new_context))
    page = me.page
    toggle = page.get_by_test_id("sound-enable")
    expect(toggle).to_contain_text("Sound on")
    page.evaluate("window.__refusePlay = true")
    me.hide()
    lead = bot.waiting_lead(name="Autoplay Refused")
    expect(toggle).to_contain_text("Sound blocked — click to fix")
    expect(toggle).to_have_attribute("data-refused", "true")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert _refused(page) == ["new-dialog"]
    assert _heard(me) == []
    wait_for(page, lambda: [n["body"] for n in _notifications(page)] == ["Autoplay Refused"])
    alert = _alert_of(me, lead["id"])
    wait_for(page, lambda: _acks(me) == [alert])  # delivered by the notification

    # While refused, the tab does not try again: the notification alone.
    bot.say(lead["ref"], "hello?")
    wait_for(page, lambda: len(_notifications(page)) == 2)
    assert _refused(page) == ["new-dialog"]

    # The fix: one click plays the test chime (the browser allows it now).
    page.evaluate("window.__refusePlay = false")
    toggle.click()
    expect(toggle).to_contain_text("Sound on")
    expect(toggle).to_have_attribute("data-refused", "false")
    wait_for(page, lambda: _heard(me) == ["new-message"])
    bot.waiting_lead(name="Heard Again")
    wait_for(page, lambda: _heard(me) == ["new-message", "new-dialog"])


def test_with_no_notification_permission_a_refused_alert_is_not_acknowledged(new_context, open_console, bot):
    context = _context(new_context)
    context.add_init_script("window.__notificationPermission = 'denied'")
    me = open_console("operator", context=context)
    page = me.page
    page.evaluate("window.__refusePlay = true")
    me.hide()
    lost = bot.waiting_lead(name="Nobody Told")
    expect(page.get_by_test_id("sound-enable")).to_contain_text("Sound blocked — click to fix")
    assert _notifications(page) == []
    # A barrier that is delivered: the refused one was decided before it.
    page.evaluate("window.__refusePlay = false")
    page.get_by_test_id("sound-enable").click()
    barrier = bot.waiting_lead(name="Heard")
    wait_for(page, lambda: "new-dialog" in _heard(me))
    wait_for(page, lambda: len(_acks(me)) == 1)
    assert _acks(me) == [_alert_of(me, barrier["id"])]
    assert _alert_of(me, lost["id"]) not in _acks(me)


def test_the_one_click_enable_plays_a_test_chime_and_asks_for_notifications(new_context, open_console, bot):
    context = _context(new_context)
    context.add_init_script("window.__notificationPermission = 'default'")
    me = open_console("operator", context=context)
    page = me.page
    enable = page.get_by_test_id("alerts-enable")
    expect(enable).to_have_text("Enable sound and notifications")
    assert page.evaluate("window.__permissionAsked") == 0  # never without a click
    enable.click()
    wait_for(page, lambda: _heard(me) == ["new-message"])
    assert page.evaluate("window.__permissionAsked") == 1
    expect(enable).to_have_count(0)
    # Russian too.
    page.locator("select[aria-label='Language']").select_option("ru")
    expect(page.get_by_test_id("sound-enable")).to_contain_text("Звук включён")


def test_one_alert_across_three_tabs_is_delivered_once_and_handed_over_when_refused(new_context, open_console, bot):
    context = _context(new_context)
    tabs = [open_console("operator", context=context)]
    for _ in range(2):
        other = Console(context.new_page(), tabs[0].runtime)
        other.page.goto("/")  # the same browser: the session is shared
        other.wait_online()
        # A reload has had no gesture: the one-click enable makes this tab able to play too.
        other.page.get_by_test_id("alerts-enable").click()
        wait_for(other.page, lambda o=other: _heard(o) == ["new-message"])
        tabs.append(other)
    for tab in tabs:
        tab.hide()
        tab.page.evaluate("window.__played.length = 0")

    def played() -> list[str]:
        return [s for tab in tabs for s in _heard(tab) if s == "new-dialog"]

    def notified() -> int:
        return sum(len(_notifications(tab.page)) for tab in tabs)

    def acks() -> list[str]:
        return [alert for tab in tabs for alert in _acks(tab)]

    first = bot.waiting_lead(name="Three Tabs One Sound")
    wait_for(tabs[0].page, lambda: len(played()) == 1 and notified() == 1 and len(acks()) == 1)
    tabs[0].page.wait_for_timeout(CLAIM_WINDOW_MS * 4)
    assert (len(played()), notified(), acks()) == (1, 1, [_alert_of(tabs[0], first["id"])])

    # The tab that played is refused by the browser now: it hands the alert over.
    player = next(tab for tab in tabs if "new-dialog" in _heard(tab))
    player.page.evaluate("window.__refusePlay = true")
    second = bot.waiting_lead(name="Handed Over")
    wait_for(tabs[0].page, lambda: len(played()) == 2 and len(acks()) == 2)
    expect(player.page.get_by_test_id("sound-enable")).to_contain_text("Sound blocked — click to fix")
    assert _refused(player.page) == ["new-dialog"]
    assert "new-dialog" in [s for tab in tabs if tab is not player for s in _heard(tab)]
    # And it does not keep the role: the next alert is played elsewhere without a refusal.
    bot.waiting_lead(name="After The Handover")
    wait_for(tabs[0].page, lambda: len(played()) == 3 and len(acks()) == 3)
    tabs[0].page.wait_for_timeout(CLAIM_WINDOW_MS * 4)
    assert _refused(player.page) == ["new-dialog"]
    assert len(played()) == 3 and notified() == 3
    assert acks()[1] == _alert_of(tabs[0], second["id"])
    assert len(set(acks())) == 3
    for tab in tabs:
        assert re.match(r"^\(3\) ", tab.page.title()), tab.page.title()
