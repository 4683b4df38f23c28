"""Private notes with @mentions between two operators, and the `/` canned-reply picker, in
real Chromium against the local runtime."""

from __future__ import annotations

import uuid

import requests
from playwright.sync_api import expect

from tests.browser.conftest import admin_token, wait_for


def test_a_note_mentions_a_colleague_who_is_not_in_the_dialog_and_never_reaches_the_bot(open_console, bot):
    lead = bot.waiting_lead(name="Nora Notes")
    colleague = open_console("operator2")  # signed in, not in the dialog, page hidden
    colleague.hide()
    me = open_console("operator")
    me.open(lead["id"])
    me.start()
    page = me.page

    page.get_by_test_id("composer-mode-note").click()
    expect(page.locator(".composer")).to_have_attribute("data-mode", "note")
    # Note mode looks different and sends no files.
    expect(page.get_by_test_id("composer-attach")).to_have_count(0)
    text = f"@operator2 please check the refund {uuid.uuid4().hex[:6]}"
    page.get_by_test_id("composer-input").fill(text)
    page.get_by_test_id("composer-send").click()

    note = me.messages().filter(has_text=text)
    expect(note).to_have_count(1)
    expect(note).to_have_attribute("data-from", "note")
    expect(note.get_by_test_id("note-label")).to_have_text("Note")
    note_bg = note.evaluate("el => getComputedStyle(el).backgroundColor")
    operator_bg = page.evaluate(
        "() => { const d = document.createElement('div'); d.className = 'message from-operator';"
        " document.body.appendChild(d); const c = getComputedStyle(d).backgroundColor; d.remove(); return c; }")
    assert note_bg != operator_bg
    expect(page.get_by_test_id("composer-input")).to_have_value("")

    # The colleague, in no dialog, is told: a notice and the new-message sound (hidden page).
    alert = colleague.page.locator(f'[data-testid="mention-alert"][data-lead-id="{lead["id"]}"]')
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("operator")
    wait_for(colleague.page, lambda: "new-message" in colleague.played())
    colleague.show()
    alert.get_by_test_id("mention-open").click()
    expect(colleague.page.locator(f'[data-testid="dialog-panel"][data-lead-id="{lead["id"]}"]')).to_be_visible()
    shown = colleague.messages().filter(has_text=text)
    expect(shown).to_have_count(1)
    expect(shown).to_have_attribute("data-from", "note")
    expect(alert).to_have_count(0)
    # The lead and the bot: the note is nowhere in what the bot API answers.
    assert text not in str(bot.get_lead(lead["ref"]))
    colleague.shot("note-mention-colleague")


def test_the_canned_reply_picker_is_keyboard_driven_and_inserts_the_rendered_text(open_console, bot, runtime):
    tag = uuid.uuid4().hex[:6]
    token = admin_token(runtime)
    for shortcut, text in ((f"q{tag}hello", "Hello {{name|there}}, I am on it."),
                           (f"q{tag}plan", "Your plan is {{plan}}, {{name|friend}}.")):
        answer = requests.post(f"{runtime.url}/api/admin/canned-replies", timeout=30,
                               headers={"Authorization": f"Bearer {token}"}, json={"shortcut": shortcut, "text": text})
        assert answer.status_code == 201, answer.text
    lead = bot.waiting_lead(name="Mila Canned")
    me = open_console("operator")
    me.open(lead["id"])
    me.start()
    page = me.page
    box = page.get_by_test_id("composer-input")

    box.press_sequentially(f"/q{tag}")
    options = page.get_by_test_id("canned-option")
    expect(options).to_have_count(2)
    expect(options.nth(0)).to_have_attribute("data-shortcut", f"q{tag}hello")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    # Filtered as typed: the shortcut narrows it to one.
    box.press_sequentially("p")
    expect(options).to_have_count(1)
    expect(options.nth(0)).to_contain_text("Your plan is {{plan}}, Mila Canned.")
    box.press("Backspace")
    expect(options).to_have_count(2)
    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    box.press("ArrowUp")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    box.press("Escape")
    expect(page.get_by_test_id("canned-picker")).to_have_count(0)
    expect(box).to_have_value(f"/q{tag}")

    box.fill("")
    box.press_sequentially(f"Hi! /q{tag}")
    expect(options).to_have_count(2)
    box.press("Enter")  # the highlighted one: its text rendered for this lead, for editing
    expect(page.get_by_test_id("canned-picker")).to_have_count(0)
    expect(box).to_have_value("Hi! Hello Mila Canned, I am on it.")
    box.press_sequentially(" Give me a minute.")
    box.press("Control+Enter")
    expect(me.messages().filter(has_text="Hi! Hello Mila Canned, I am on it. Give me a minute.")).to_have_count(1)
    me.shot("canned-reply-sent")


def test_admins_manage_the_team_replies_on_their_screen(open_console):
    tag = uuid.uuid4().hex[:6]
    admin = open_console("admin")
    page = admin.page
    page.on("dialog", lambda dialog: dialog.accept())  # the delete confirmation
    page.get_by_test_id("admin-open").click()
    page.get_by_test_id("admin-nav-canned").click()
    expect(page.get_by_test_id("admin-canned")).to_be_visible()

    page.get_by_test_id("canned-new").click()
    form = page.get_by_test_id("canned-new-form")
    form.get_by_test_id("canned-shortcut").fill(f"t{tag}")
    form.get_by_test_id("canned-text").fill("Thanks {{name|there}}!")
    form.get_by_test_id("canned-save").click()
    row = page.locator(f'[data-testid="canned-row"][data-shortcut="t{tag}"]')
    expect(row).to_contain_text("Thanks {{name|there}}!")
    expect(row).to_contain_text("admin")

    # A duplicate shortcut is refused with the server's reason.
    page.get_by_test_id("canned-new").click()
    form.get_by_test_id("canned-shortcut").fill(f"t{tag}")
    form.get_by_test_id("canned-text").fill("Again")
    form.get_by_test_id("canned-save").click()
    expect(page.get_by_test_id("admin-error")).to_be_visible()
    page.get_by_role("button", name="Cancel").click()

    row.get_by_test_id("canned-edit").click()
    edit = page.get_by_test_id("canned-edit-form")
    edit.get_by_test_id("canned-shortcut").fill(f"u{tag}")
    edit.get_by_test_id("canned-text").fill("Thank you, {{name|there}}.")
    edit.get_by_test_id("canned-save").click()
    renamed = page.locator(f'[data-testid="canned-row"][data-shortcut="u{tag}"]')
    expect(renamed).to_contain_text("Thank you, {{name|there}}.")
    expect(row).to_have_count(0)

    renamed.get_by_test_id("canned-delete").click()
    expect(renamed).to_have_count(0)
    admin.shot("admin-team-canned-replies")
