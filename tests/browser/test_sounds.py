"""Sound notifications (R13, R14). The init script of conftest.py records which `<audio>`
source played and lets the test set `document.visibilityState`.

Where a test must show that something did NOT play, it ends with an event that does play
(a barrier): events reach the page in order, so once the barrier's sound played, every
earlier event has been decided."""

from __future__ import annotations

from playwright.sync_api import expect

from local_runtime.testing import TEST_SCHEDULE_SECONDS
from tests.browser.conftest import wait_for

# How long a page waits for the other tabs' claims before it plays (static_site/js/sounds.js).
CLAIM_WINDOW_MS = 250


def _sounds(console, kinds=("new-dialog", "new-message")) -> list[str]:
    return [s for s in console.played() if s in kinds]


def test_r13_nothing_plays_while_the_page_is_visible(open_console, bot):
    me = open_console("operator")
    seen = bot.waiting_lead(name="Seen Arrival")
    expect(me.item(seen["id"])).to_be_visible()
    bot.say(seen["ref"], "a message while visible")
    expect(me.item(seen["id"])).to_contain_text("a message while visible")
    me.hide()
    barrier = bot.waiting_lead(name="Hidden Arrival")
    wait_for(me.page, lambda: "new-dialog" in me.played())
    expect(me.item(barrier["id"])).to_be_visible()
    assert _sounds(me) == ["new-dialog"]


def test_r13_nothing_plays_for_a_dialog_only_on_the_all_tab(open_console, bot):
    me = open_console("operator")
    me.tab("all")
    me.hide()
    with_bot = bot.lead(name="Only On All")
    bot.say(with_bot["ref"], "talking to the bot")
    expect(me.item(with_bot["id"])).to_be_visible()
    bot.say(with_bot["ref"], "still talking to the bot")
    expect(me.item(with_bot["id"])).to_contain_text("still talking to the bot")
    barrier = bot.waiting_lead(name="On Waiting")
    wait_for(me.page, lambda: "new-dialog" in me.played())
    expect(me.item(barrier["id"])).to_be_visible()
    assert _sounds(me) == ["new-dialog"]


def test_r14_three_sounds_for_new_dialog_new_message_and_their_tabs(open_console, bot):
    me = open_console("operator")
    page = me.page
    mine = bot.waiting_lead(name="Mine Sound")
    me.open(mine["id"])
    me.start()
    me.hide()

    # New dialog: a dialog appears on Waiting.
    waiting = bot.waiting_lead(name="Waiting Sound")
    wait_for(page, lambda: _sounds(me) == ["new-dialog"])
    # New message from a lead already on Waiting.
    bot.say(waiting["ref"], "one more thing")
    wait_for(page, lambda: _sounds(me) == ["new-dialog", "new-message"])
    # New message from a lead on Mine.
    bot.say(mine["ref"], "hello operator")
    wait_for(page, lambda: _sounds(me) == ["new-dialog", "new-message", "new-message"])
    # A bot's message is no lead's message: it has no sound.
    bot.say(waiting["ref"], "the bot answers", sender="bot")
    bot.say(waiting["ref"], "the lead again")
    wait_for(page, lambda: len(_sounds(me)) == 4)
    assert _sounds(me) == ["new-dialog", "new-message", "new-message", "new-message"]
    # The page reports its visibility to the server.
    visibility = [f["visible"] for f in me.sent if f.get("action") == "visibility"]
    assert visibility[-1] is False


def test_r13_only_one_of_the_operators_tabs_plays(new_context, open_console, bot):
    context = new_context()
    first = open_console("operator", context=context)
    second_page = context.new_page()
    second_page.goto("/")  # the same browser: the session is shared, no second sign-in
    expect(second_page.get_by_test_id("connection-status")).to_have_attribute("data-status", "online")
    first.hide()
    second_page.evaluate("window.__setVisibility('hidden')")

    def played() -> list[str]:
        both = first.played() + second_page.evaluate("window.__played.slice()")
        return [s for s in both if s == "new-dialog"]

    bot.waiting_lead(name="Two Tabs One Sound")
    wait_for(first.page, lambda: len(played()) >= 1)
    bot.waiting_lead(name="Two Tabs Barrier")
    wait_for(first.page, lambda: len(played()) >= 2)
    second_page.wait_for_timeout(CLAIM_WINDOW_MS * 2)
    assert len(played()) == 2, "each event must play in exactly one tab"


def test_r13_the_sound_toggle_plays_a_test_sound_and_silences(open_console, bot):
    me = open_console("operator")
    page = me.page
    toggle = page.get_by_test_id("sound-enable")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    toggle.click()  # off
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert me.played() == []
    toggle.click()  # on again: a test sound proves it works
    expect(toggle).to_have_attribute("aria-pressed", "true")
    wait_for(page, lambda: me.played() == ["new-message"])

    toggle.click()  # off
    me.hide()
    silent = bot.waiting_lead(name="Silenced Arrival")
    expect(me.item(silent["id"])).to_be_visible()
    page.wait_for_timeout(CLAIM_WINDOW_MS * 4)  # past the claim window of the silenced event
    toggle.click()  # on (plays the test sound)
    barrier = bot.waiting_lead(name="Heard Arrival")
    wait_for(page, lambda: "new-dialog" in me.played())
    expect(me.item(barrier["id"])).to_be_visible()
    assert _sounds(me, ("new-dialog",)) == ["new-dialog"]

    # After a reload the browser has had no gesture: the toggle asks for a click.
    page.reload()
    expect(toggle).to_contain_text("Click to enable sound")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_contain_text("Sound on")
    wait_for(page, lambda: me.played() == ["new-message"])


def test_r14_reminder_sound_while_unread_and_none_once_the_page_was_opened(open_console, bot):
    """The test runtime ticks every TEST_SCHEDULE_SECONDS and reminds after one tick."""
    me = open_console("operator")
    page = me.page
    me.hide()
    bot.waiting_lead(name="Remind Me")
    wait_for(page, lambda: "new-dialog" in me.played())
    wait_for(page, lambda: "reminder" in me.played())
    assert any(f.get("type") == "reminder" for f in me.received)

    # Opening the contact-center page turns the reminder off: the page says it is visible,
    # and after that, hidden again with nothing new, no reminder comes any more.
    me.show()
    wait_for(page, lambda: any(f.get("type") == "visibility" and f.get("visible") is True for f in me.received))
    # A tick that read the pending notification just before the page said so may still
    # push its reminder: let it land before counting (tests/browser/test_reminders.py does
    # the same), or this test fails now and then on a loaded machine.
    period_ms = int(float(TEST_SCHEDULE_SECONDS) * 1000)
    page.wait_for_timeout(period_ms)
    me.hide()
    reminders = me.played().count("reminder")
    frames = len(me.received)
    page.wait_for_timeout(3 * period_ms)  # three ticks
    assert me.played().count("reminder") == reminders
    assert not [f for f in me.received[frames:] if f.get("type") == "reminder"]
