"""The reminder sound (R14, docs/notifications.md) in the real UI on the local runtime, whose
scheduled function runs every 2 s and reminds after one period (HANDOVER_SCHEDULE_SECONDS)."""

from __future__ import annotations

from playwright.sync_api import expect

from local_runtime.testing import TEST_SCHEDULE_SECONDS
from tests.browser.conftest import wait_for

PERIOD_MS = int(float(TEST_SCHEDULE_SECONDS) * 1000)
# operator2 is signed in by no other browser test, so its notification state is this test's.
OPERATOR = "operator2"


def _count(console, kind: str) -> int:
    return console.played().count(kind)


def test_r14_a_hidden_page_is_reminded_every_period_until_it_is_opened(open_console, bot):
    me = open_console(OPERATOR)
    lead = bot.waiting_lead(name="Reminder Lead")
    expect(me.item(lead["id"])).to_be_visible()
    assert "reminder" not in me.played()
    # The page reported that it loaded visible (so the new dialog left nothing pending).
    assert [f["visible"] for f in me.sent if f.get("action") == "visibility"][:1] == [True]

    me.hide()
    bot.say(lead["ref"], "is anybody there?")
    wait_for(me.page, lambda: "new-message" in me.played())
    # After a period the first reminder; then one every period while the page stays hidden.
    wait_for(me.page, lambda: _count(me, "reminder") >= 1, timeout_ms=3 * PERIOD_MS + 5_000)
    wait_for(me.page, lambda: _count(me, "reminder") >= 3, timeout_ms=3 * PERIOD_MS + 5_000)
    assert me.played().index("new-message") < me.played().index("reminder")

    assert sum(1 for f in me.received if f.get("type") == "reminder") >= 3

    me.show()
    wait_for(me.page, lambda: [f.get("visible") for f in me.received if f.get("type") == "visibility"][-1:] == [True])
    # The server has the visible report: nothing more, neither sound nor push.
    me.page.wait_for_timeout(PERIOD_MS)
    pushed = sum(1 for f in me.received if f.get("type") == "reminder")
    reminded = _count(me, "reminder")
    me.page.wait_for_timeout(3 * PERIOD_MS)
    assert _count(me, "reminder") == reminded
    assert sum(1 for f in me.received if f.get("type") == "reminder") == pushed

    # Hidden again, and nothing new arrives: no reminder (nothing is pending any more).
    me.hide()
    me.page.wait_for_timeout(3 * PERIOD_MS)
    assert _count(me, "reminder") == reminded


def test_r14_two_hidden_tabs_play_each_reminder_once(new_context, open_console, bot):
    context = new_context()
    first = open_console(OPERATOR, context=context)
    second_page = context.new_page()
    second_page.goto("/")  # the same browser: the session is shared, no second sign-in
    expect(second_page.get_by_test_id("connection-status")).to_have_attribute("data-status", "online")
    first.hide()
    second_page.evaluate("window.__setVisibility('hidden')")

    def reminders(page) -> int:
        return page.evaluate("window.__played.slice()").count("reminder")

    bot.waiting_lead(name="Two Tabs Reminder")  # new-dialog while both are hidden
    wait_for(first.page, lambda: reminders(first.page) + reminders(second_page) >= 3,
             timeout_ms=5 * PERIOD_MS + 5_000)
    # Both tabs get every reminder; the claims on the BroadcastChannel let one of them play.
    assert 0 in (reminders(first.page), reminders(second_page))
    assert sum(1 for f in first.received if f.get("type") == "reminder") >= 3

    second_page.evaluate("window.__setVisibility('visible')")  # opening either tab stops them
    second_page.wait_for_timeout(PERIOD_MS)
    total = reminders(first.page) + reminders(second_page)
    second_page.wait_for_timeout(3 * PERIOD_MS)
    assert reminders(first.page) + reminders(second_page) == total
