"""The lead's messages: portions and scrolling (R9), Start conversation (R10), the message
box (R11), pictures and files (R12), and safe rendering of whatever leads and bots send."""

from __future__ import annotations

import base64
import re
import struct
import zlib

from playwright.sync_api import expect

from tests.browser.conftest import TRANSFER_SCRIPT, Bot

GIF_1X1 = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def png(width: int = 4, height: int = 4, extra: int = 0) -> bytes:
    """A real PNG (red pixels); `extra` bytes of padding after IEND make it as large as wanted."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    body = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return body + b"\x00" * extra


def test_r9_newest_portion_first_and_scrolling_up_loads_the_previous_one_keeping_the_position(open_console, bot):
    lead = bot.lead(name="Long History")
    total = 80
    for n in range(1, total + 1):
        bot.say(lead["ref"], f"History message {n:03d}")
    bot.handoff(lead["ref"])
    me = open_console("operator")
    me.open(lead["id"])
    page = me.page
    messages = me.messages()
    expect(messages.filter(has_text="History message 080")).to_have_count(1)
    # Only the newest portion is loaded at first.
    expect(messages.filter(has_text="History message 001")).to_have_count(0)
    first_portion = messages.count()
    assert first_portion < total
    oldest_shown = int(messages.first.get_attribute("data-seq"))

    message_list = page.get_by_test_id("message-list")
    top = message_list.bounding_box()["y"]
    with page.expect_response(re.compile(r"/messages\?before=\d+")):
        message_list.evaluate("el => { el.scrollTop = 0; }")
    expect(messages.filter(has_text="History message 001")).to_have_count(1)
    assert messages.count() > first_portion
    # The message that was at the top is still where the operator was reading.
    anchor = me.message(oldest_shown).bounding_box()["y"]
    assert abs(anchor - top) < 60, f"the reading position jumped: {anchor} vs {top}"
    seqs = [int(s) for s in messages.evaluate_all("els => els.map(e => e.dataset.seq)")]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    me.shot("long-history")


def test_r10_start_conversation_joins_and_runs_the_transfer_script(open_console, bot):
    lead = bot.waiting_lead(name="Start Test")
    me = open_console("operator")
    page = me.page
    me.open(lead["id"])
    expect(page.get_by_test_id("composer-input")).to_have_count(0)
    expect(page.get_by_test_id("dialog-state")).to_have_attribute("data-state", "waiting")
    page.get_by_test_id("btn-start-conversation").click()
    expect(page.get_by_test_id("dialog-state")).to_have_attribute("data-state", "operator")
    expect(page.get_by_test_id("dialog-state")).to_contain_text("operator")
    script = me.messages().filter(has_text=TRANSFER_SCRIPT.replace("{{name}}", "Start Test"))
    expect(script).to_have_count(1)
    expect(script).to_have_attribute("data-from", "bot")
    expect(page.get_by_test_id("btn-start-conversation")).to_have_count(0)
    expect(page.get_by_test_id("composer-input")).to_be_visible()


def test_r11_enter_is_a_new_line_and_ctrl_or_cmd_enter_or_the_button_sends(open_console, bot):
    lead = bot.waiting_lead(name="Composer Test")
    me = open_console("operator")
    page = me.page
    me.open(lead["id"])
    me.start()
    box = page.get_by_test_id("composer-input")
    mine = me.messages().and_(page.locator('[data-from="operator"]'))

    box.click()
    page.keyboard.type("line one")
    page.keyboard.press("Enter")
    page.keyboard.type("line two")
    expect(box).to_have_value("line one\nline two")
    expect(mine).to_have_count(0)

    page.keyboard.press("Control+Enter")
    expect(mine).to_have_count(1)
    assert mine.first.locator(".message-text").inner_text() == "line one\nline two"
    expect(box).to_have_value("")

    box.fill("sent with Cmd+Enter")
    box.press("Meta+Enter")
    expect(mine.filter(has_text="sent with Cmd+Enter")).to_have_count(1)

    box.fill("sent with the button")
    page.get_by_test_id("composer-send").click()
    expect(mine.filter(has_text="sent with the button")).to_have_count(1)
    expect(mine).to_have_count(3)
    me.shot("composer")


def test_r11_what_is_typed_while_a_message_is_on_its_way_is_kept(open_console, bot):
    lead = bot.waiting_lead(name="Slow Send")
    me = open_console("operator")
    page = me.page
    me.open(lead["id"])
    me.start()
    held = []
    # Hold the send request until the operator has typed the next message.
    page.route(re.compile(r".*/api/dialogs/[^/]+/messages$"),
               lambda route: held.append(route) if route.request.method == "POST" else route.continue_())
    box = page.get_by_test_id("composer-input")
    box.fill("first reply")
    box.press("Control+Enter")
    expect(box).to_have_value("")
    for _ in range(100):  # the route handler runs while Playwright pumps events
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    box.fill("the next one")
    held[0].continue_()
    expect(me.messages().filter(has_text="first reply")).to_have_count(1)
    expect(box).to_have_value("the next one")


def test_r11_attach_a_file_with_a_progress_bar_and_a_clear_error_when_refused(open_console, bot, tmp_path):
    lead = bot.waiting_lead(name="Attach Test")
    me = open_console("operator")
    page = me.page
    me.open(lead["id"])
    me.start()

    page.get_by_test_id("composer-attach").set_input_files(
        files=[{"name": "photo.png", "mimeType": "image/png", "buffer": png(8, 8)}])
    progress = page.locator("progress.upload-progress")
    expect(progress).to_have_count(1)
    expect(progress).to_have_js_property("value", 1)
    page.get_by_test_id("composer-input").fill("here is the picture")
    page.get_by_test_id("composer-send").click()
    sent = me.messages().filter(has_text="here is the picture")
    expect(sent.get_by_test_id("attachment-preview")).to_have_count(1)
    expect(progress).to_have_count(0)

    # Too large: the server refuses to take it, and the operator is told why.
    huge = tmp_path / "huge-video.mp4"
    with huge.open("wb") as sparse:  # a sparse file: the browser reads it from disk, nothing is copied
        sparse.truncate(20 * 1024 * 1024 + 1)
    page.get_by_test_id("composer-attach").set_input_files(huge)
    alert = page.locator(".composer-error")
    expect(alert).to_contain_text("huge-video.mp4")
    expect(alert).to_contain_text("refused")
    expect(progress).to_have_count(0)

    # A "picture" that is not one: uploaded, but refused when the message uses it.
    page.get_by_test_id("composer-attach").set_input_files(
        files=[{"name": "fake.png", "mimeType": "image/png", "buffer": b"this is not a png at all"}])
    expect(progress).to_have_js_property("value", 1)
    page.get_by_test_id("composer-send").click()
    expect(alert).to_contain_text("fake.png")
    expect(alert).to_contain_text("refused")
    expect(alert).to_contain_text("PNG")
    expect(progress).to_have_count(0)
    me.shot("composer-refused")


def test_r12_pictures_under_2_mb_preview_and_open_in_a_new_window_other_files_are_links(open_console, bot, page):
    page.set_content("<p>jpeg</p>")
    jpeg = page.screenshot(type="jpeg", clip={"x": 0, "y": 0, "width": 8, "height": 8})
    lead = bot.lead(name="Pictures")
    uploads = [
        bot.upload("small.png", "image/png", png(16, 16)),
        bot.upload("small.jpg", "image/jpeg", jpeg),
        bot.upload("small.gif", "image/gif", GIF_1X1),
        bot.upload("report.pdf", "application/pdf", b"%PDF-1.4 test document"),
        bot.upload("huge.png", "image/png", png(4, 4, extra=2 * 1024 * 1024 + 10)),
    ]
    bot.say(lead["ref"], "Files for you", uploads=uploads)
    bot.handoff(lead["ref"])

    me = open_console("operator")
    me.open(lead["id"])
    message = me.messages().filter(has_text="Files for you")
    previews = message.get_by_test_id("attachment-preview")
    links = message.get_by_test_id("attachment-link")
    expect(previews).to_have_count(3)
    expect(links).to_have_count(2)
    expect(links.nth(0)).to_have_text("report.pdf")
    expect(links.nth(1)).to_have_text("huge.png")
    for i in range(3):
        expect(previews.nth(i)).to_have_attribute("target", "_blank")
        expect(previews.nth(i)).to_have_attribute("rel", re.compile(r"\bnoopener\b"))
        expect(previews.nth(i).locator("img")).to_be_visible()
    expect(links.nth(0)).to_have_attribute("rel", re.compile(r"\bnoopener\b"))
    me.page.wait_for_function("() => [...document.querySelectorAll('[data-testid=attachment-preview] img')]"
                              ".every(i => i.complete && i.naturalWidth > 0)")
    me.shot("pictures")

    href = previews.first.get_attribute("href")
    with me.page.context.expect_page() as opened:
        previews.first.click()
    picture = opened.value
    picture.wait_for_load_state()
    assert picture.url == href
    # noopener: the new window has no handle back on the contact center.
    assert picture.evaluate("() => window.opener") is None


def test_nothing_from_leads_or_bots_is_executed(open_console, bot):
    evil = "<img src=x onerror=alert(1)>"
    lead = bot.lead(
        name=evil, status=evil, channel=evil, messenger=evil, language="<b>x</b>",
        tags=[evil, "<script>alert(2)</script>"],
        attributes={evil: evil, "note": "<svg onload=alert(3)>", "sys_email": evil, "sys_phone": evil},
    )
    upload = bot.upload("<img src=x onerror=alert(4)>.pdf", "application/pdf", b"%PDF-1.4 x")
    bot.say(lead["ref"], f"{evil} <script>alert(5)</script> https://example.com/?q=<script>alert(6)</script>", uploads=[upload])
    bot.say(lead["ref"], "javascript:alert(7) and [link](javascript:alert(8))", sender="bot")
    bot.handoff(lead["ref"])

    me = open_console("operator")
    page = me.page
    alerts: list[str] = []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    me.open(lead["id"])
    expect(me.item(lead["id"])).to_contain_text(evil)
    expect(page.get_by_test_id("lead-name")).to_have_text(evil)
    expect(page.get_by_test_id("info-status")).to_have_text(evil)
    expect(page.get_by_test_id("info-tags")).to_contain_text("<script>alert(2)</script>")
    expect(page.get_by_test_id("info-variables")).to_contain_text("<svg onload=alert(3)>")
    expect(page.get_by_test_id("attachment-link")).to_have_text("<img src=x onerror=alert(4)>.pdf")
    expect(me.messages().filter(has_text="<script>alert(5)</script>")).to_have_count(1)
    links = page.get_by_test_id("message-list").locator(".message-text a")
    expect(links).to_have_count(1)
    expect(links).to_have_attribute("rel", "noopener noreferrer")
    expect(links).to_have_attribute("href", re.compile(r"^https://example\.com/"))
    page.get_by_test_id("lead-name").click()
    expect(page.get_by_test_id("lead-edit-name")).to_have_value(evil)
    me.shot("xss")
    page.get_by_role("button", name=re.compile("Back to the dialog")).click()

    assert page.locator('img[src="x"], script:not([src]), svg').count() == 0
    assert page.locator("[onerror], [onload]").count() == 0
    page.wait_for_load_state("networkidle")
    assert alerts == []


def gradient_png(width: int = 160, height: int = 100) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            row += bytes((40 + x * 180 // width, 110 + y * 100 // height, 200))
        rows.append(bytes(row))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


def test_lead_bot_operator_and_system_messages_look_different(open_console, runtime):
    """Also the README's screenshot (test-artifacts/browser/contact-center.png): a dialog open.
    With the demo bot, whose webhook takes the operator's message (so it shows as delivered)."""
    bot = Bot(runtime.url, runtime.bot["api_key"], "", runtime.bot["name"])
    lead = bot.lead(name="Anna Petrova", channel="support", messenger="telegram", language="ru", status="customer",
                    tags=["delivery", "priority"],
                    attributes={"sys_phone": "+7 900 123-45-67", "sys_email": "anna@example.com", "order": "A-1042",
                                "first_name": "Anna",
                                "city": "Kazan"})
    bot.say(lead["ref"], "Hi! Where is my order A-1042?")
    bot.say(lead["ref"], "Let me check that for you… It left the warehouse yesterday.", sender="bot")
    photo = bot.upload("parcel.png", "image/png", gradient_png())
    bot.say(lead["ref"], "The courier brought a damaged box, see the photo", uploads=[photo])
    bot.handoff(lead["ref"])
    me = open_console("operator", viewport={"width": 1440, "height": 900})
    me.open(lead["id"])
    me.start()
    page = me.page
    page.get_by_test_id("composer-input").fill("Hello Anna, I am sorry about the box. I will send a replacement today.")
    page.get_by_test_id("composer-input").press("Control+Enter")
    expect(me.messages().and_(page.locator('[data-from="operator"]'))).to_have_count(1)
    expect(page.locator(".delivery-delivered")).not_to_have_count(0)
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=attachment-preview] img')]"
                           ".every(i => i.complete && i.naturalWidth > 0)")

    looks = {}
    for kind in ("lead", "bot", "operator", "system"):
        element = page.locator(f'[data-testid="message"][data-from="{kind}"]').first
        looks[kind] = element.evaluate(
            "e => { const s = getComputedStyle(e); return [s.backgroundColor, s.alignSelf, s.fontStyle].join(' ') }")
    assert len(set(looks.values())) == 4, looks
    page.get_by_test_id("composer-input").fill("Could you also send a photo of the label?")
    me.shot("contact-center")
