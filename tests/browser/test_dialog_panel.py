"""The dialog panel: information panel (R1-R4), the header's buttons (R5-R8), Start
conversation (R10)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.browser.conftest import RETURN_SCRIPT, wait_for


def _local_clock(iso: str, zone: str) -> str:
    """How en-US shows the time of day of `iso` in `zone` (e.g. '5:07 PM')."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo(zone))
    return f"{moment.hour % 12 or 12}:{moment.minute:02d}\u202f{'AM' if moment.hour < 12 else 'PM'}"


def test_r1_info_panel_shows_every_main_field_in_the_operators_time_zone(open_console, bot):
    lead = bot.waiting_lead(
        name="Maria Info", channel="web-widget", messenger="whatsapp", language="es", status="vip",
        tags=["premium", "returning"], attributes={"city": "Madrid", "plan": "gold", "visits": 3},
    )
    me = open_console("operator", timezone_id="Asia/Tokyo")
    me.open(lead["id"])
    page = me.page
    panel = page.get_by_test_id("info-panel")
    expect(panel).to_be_visible()
    expect(page.get_by_test_id("info-id")).to_have_text(lead["id"])
    expect(page.get_by_test_id("info-bot")).to_have_text(bot.name)
    expect(page.get_by_test_id("info-channel")).to_have_text("web-widget")
    expect(page.get_by_test_id("info-messenger")).to_have_text("whatsapp")
    expect(page.get_by_test_id("info-language")).to_have_text("es")
    expect(page.get_by_test_id("info-status")).to_have_text("vip")
    expect(page.get_by_test_id("info-operators")).to_have_text("—")
    for tag in ("premium", "returning"):
        expect(page.get_by_test_id("info-tags")).to_contain_text(tag)
    variables = page.get_by_test_id("info-variables")
    for text in ("city", "Madrid", "plan", "gold", "visits", "3"):
        expect(variables).to_contain_text(text)
    # Times in the operator's time zone (Tokyo here), not UTC.
    fresh = bot.get_lead(lead["ref"])
    expect(page.get_by_test_id("info-created")).to_contain_text(_local_clock(fresh["created_at"], "Asia/Tokyo"))
    expect(page.get_by_test_id("info-last-activity")).to_contain_text(_local_clock(fresh["last_activity_at"], "Asia/Tokyo"))

    # Operators in the dialog appear once they join.
    me.start()
    expect(page.get_by_test_id("info-operators")).to_have_text("operator")
    me.shot("info-panel")


def test_r2_phone_and_email_come_from_sys_phone_and_sys_email(open_console, bot):
    lead = bot.waiting_lead(name="Phone Owner", attributes={"sys_phone": "+34 600 111 222", "sys_email": "owner@example.com"})
    me = open_console("operator")
    me.open(lead["id"])
    expect(me.page.get_by_test_id("info-phone")).to_have_text("+34 600 111 222")
    expect(me.page.get_by_test_id("info-email")).to_have_text("owner@example.com")
    # The bot changes the attribute: the panel shows the new value without a reload.
    bot.lead(lead["ref"], attributes={"sys_phone": "+34 600 999 000"})
    me.page.get_by_test_id("btn-refresh").click()
    expect(me.page.get_by_test_id("info-phone")).to_have_text("+34 600 999 000")


def test_r3_avatar_and_name_open_the_lead_page_with_messages_and_an_edit_form(open_console, bot):
    lead = bot.waiting_lead(name="Edit Me", status="new", tags=["a"], attributes={"color": "blue", "size": "L"})
    bot.say(lead["ref"], "Second message from the lead")
    me = open_console("operator")
    me.open(lead["id"])
    page = me.page

    page.get_by_test_id("lead-avatar").click()
    lead_page = page.get_by_test_id("lead-page")
    expect(lead_page).to_be_visible()
    expect(lead_page.get_by_test_id("message-list")).to_contain_text("Second message from the lead")
    page.get_by_role("button", name=re.compile("Back to the dialog")).click()
    expect(lead_page).to_have_count(0)

    page.get_by_test_id("lead-name").click()
    expect(lead_page).to_be_visible()
    expect(page.get_by_test_id("lead-edit-name")).to_have_value("Edit Me")
    page.get_by_test_id("lead-edit-name").fill("Edited Name")
    page.get_by_test_id("lead-edit-status").fill("customer")
    page.get_by_test_id("lead-edit-phone").fill("+1 555 0100")
    page.get_by_test_id("lead-edit-email").fill("edited@example.com")
    page.get_by_test_id("lead-edit-tags").fill("alpha, beta")
    # color changed, size removed, mood added
    page.get_by_test_id("lead-edit-variables").fill("color = green\nmood = happy")
    me.shot("lead-page")
    with page.expect_response(re.compile(r"/api/dialogs/[^/]+/lead$")) as saved:
        page.get_by_test_id("lead-save").click()
    assert saved.value.status == 200
    expect(lead_page).to_contain_text("Saved.")

    stored = bot.get_lead(lead["ref"])
    assert stored["name"] == "Edited Name"
    assert stored["status"] == "customer"
    assert stored["tags"] == ["alpha", "beta"]
    assert stored["attributes"]["sys_phone"] == "+1 555 0100"
    assert stored["attributes"]["sys_email"] == "edited@example.com"
    assert stored["attributes"]["color"] == "green"
    assert stored["attributes"]["mood"] == "happy"
    assert "size" not in stored["attributes"]

    page.get_by_role("button", name=re.compile("Back to the dialog")).click()
    expect(page.get_by_test_id("lead-name")).to_have_text("Edited Name")
    expect(page.get_by_test_id("info-phone")).to_have_text("+1 555 0100")
    expect(me.item(lead["id"])).to_contain_text("Edited Name")


def test_r4_the_cross_hides_the_info_panel(open_console, bot):
    lead = bot.waiting_lead(name="Cross Test")
    me = open_console("operator")
    me.open(lead["id"])
    page = me.page
    expect(page.get_by_test_id("info-panel")).to_be_visible()
    page.get_by_test_id("info-panel-close").click()
    expect(page.get_by_test_id("info-panel")).to_have_count(0)
    # The dialog itself stays open, and the panel can be brought back.
    expect(page.get_by_test_id("message-list")).to_be_visible()
    page.get_by_role("button", name="Lead information").click()
    expect(page.get_by_test_id("info-panel")).to_be_visible()


def test_r5_refresh_reloads_all_messages(open_console, bot):
    lead = bot.waiting_lead(name="Refresh Test")
    me = open_console("operator", cutter=True)
    page = me.page
    me.open(lead["id"])
    expect(me.messages().filter(has_text="Hello, I need a human")).to_have_count(1)
    # With the live connection down, only Refresh can bring the new messages.
    me.link.cut()
    expect(page.get_by_test_id("connection-status")).to_have_attribute("data-status", "offline")
    bot.say(lead["ref"], "Written while the operator was offline")
    bot.say(lead["ref"], "And once more")
    with page.expect_response(re.compile(rf"/api/dialogs/{lead['id']}$")):
        page.get_by_test_id("btn-refresh").click()
    expect(me.messages().last).to_contain_text("And once more")
    expect(me.messages().nth(-2)).to_contain_text("Written while the operator was offline")


def test_r6_leave_puts_the_dialog_back_on_waiting(open_console, bot):
    lead = bot.waiting_lead(name="Leave Test")
    me = open_console("operator")
    page = me.page
    me.open(lead["id"])
    me.start()
    expect(page.get_by_test_id("dialog-state")).to_have_attribute("data-state", "operator")
    page.get_by_test_id("btn-leave").click()
    expect(page.get_by_test_id("dialog-state")).to_have_attribute("data-state", "waiting")
    expect(page.get_by_test_id("btn-start-conversation")).to_be_visible()
    expect(page.get_by_test_id("composer-input")).to_have_count(0)
    me.tab("waiting")
    expect(me.item(lead["id"])).to_be_visible()
    me.tab("mine")
    expect(me.item(lead["id"])).to_have_count(0)


def test_r7_resolve_returns_the_dialog_to_the_bot_and_runs_the_return_script(open_console, bot):
    lead = bot.waiting_lead(name="Resolve Test")
    me = open_console("operator")
    page = me.page
    me.open(lead["id"])
    me.start()
    page.get_by_test_id("btn-resolve").click()
    expect(page.get_by_test_id("dialog-state")).to_have_attribute("data-state", "bot")
    script = me.messages().filter(has_text=RETURN_SCRIPT)
    expect(script).to_have_count(1)
    expect(script).to_have_attribute("data-from", "bot")
    expect(page.get_by_test_id("btn-start-conversation")).to_be_visible()
    me.tab("mine")
    expect(me.item(lead["id"])).to_have_count(0)


def test_r8_hiding_the_panel_sends_view_null_and_stops_live_messages_of_that_dialog(open_console, bot):
    lead = bot.waiting_lead(name="Hide Test")
    me = open_console("operator")
    page = me.page
    me.open(lead["id"])
    # From the server's `viewing` acknowledgement on, the dialog's messages are pushed.
    wait_for(page, lambda: any(f.get("type") == "viewing" and f.get("dialog_id") == lead["id"] for f in me.received))
    bot.say(lead["ref"], "Live while open")
    expect(me.messages().filter(has_text="Live while open")).to_have_count(1)
    wait_for(page, lambda: any(f.get("type") == "message.created" and f.get("dialog_id") == lead["id"] for f in me.received))

    page.get_by_test_id("btn-hide-panel").click()
    expect(page.get_by_test_id("dialog-panel")).to_have_count(0)
    wait_for(page, lambda: any(f.get("action") == "view" and f.get("dialog_id", "x") is None for f in me.sent))
    wait_for(page, lambda: any(f.get("type") == "viewing" and f.get("dialog_id") is None for f in me.received))
    received_before = len(me.received)

    bot.say(lead["ref"], "Written after the panel was hidden")
    # The Waiting tab still shows the dialog's news (the list is live)...
    expect(me.item(lead["id"])).to_contain_text("Written after the panel was hidden")
    # ...but no message of the hidden dialog was pushed to this page any more.
    later = me.received[received_before:]
    assert not [f for f in later if f.get("type") == "message.created" and f.get("dialog_id") == lead["id"]]


def test_dialog_state_and_operators_follow_other_operators_live(open_console, bot):
    lead = bot.waiting_lead(name="Two Operators")
    me = open_console("operator")
    other = open_console("operator2")
    me.open(lead["id"])
    state = me.page.get_by_test_id("dialog-state")
    expect(state).to_have_attribute("data-state", "waiting")

    other.open(lead["id"])
    other.start()
    expect(state).to_have_attribute("data-state", "operator")
    expect(state).to_contain_text("operator2")
    expect(me.page.get_by_test_id("info-operators")).to_have_text("operator2")
    expect(me.item(lead["id"])).to_have_count(0)  # it left Waiting for everyone

    me.start()
    expect(other.page.get_by_test_id("info-operators")).to_have_text(re.compile(r"operator2, operator|operator, operator2"))
    other.page.get_by_test_id("btn-leave").click()
    expect(state).to_have_text(re.compile(r"With operators: operator$"))
