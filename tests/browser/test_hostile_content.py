"""Hostile content in Chromium (issue 10): an XSS corpus after OWASP's XSS Filter Evasion cheat
sheet in every field a lead or a bot controls — the lead's name, status, channel, messenger,
language, avatar URL, tags, variables (keys and values), phone and e-mail, the handoff reason,
lead and bot message texts, attachment file names. The dialog is opened in the contact center,
the info panel and the lead's page are shown, the pointer goes over every message: nothing is
executed, no element or attribute of the corpus exists in the page, and the payloads are shown
as the text they are.

tests/browser/test_messages.py::test_nothing_from_leads_or_bots_is_executed is the short form.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

CORPUS = [
    "<script>alert('XSS')</script>",
    "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\">",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<IMG SRC=/ onerror=\"alert(String.fromCharCode(88,83,83))\"></img>",
    "<img src=x onerror=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112"
    "&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000039&#0000041\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<svg/onload=alert('XSS')>",
    "<BODY ONLOAD=alert('XSS')>",
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "<a href=\"javascript:alert(1)\">click me</a>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=\"alert(1)\">",
    "<STYLE>@import'javascript:alert(\"XSS\")';</STYLE>",
    "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert('XSS');\">",
    "<OBJECT TYPE=\"text/x-scriptlet\" DATA=\"https://xss.example/scriptlet.html\"></OBJECT>",
    "<EMBED SRC=\"data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIwMDAvc3ZnIiB4\">",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://example.com/\"onmouseover=\"alert(1)",
    "{{constructor.constructor('alert(1)')()}}",
    "${alert(1)}",
    "<a href=\"https://example.com\" onclick=\"alert(1)\">a link</a>",
    "<form action=\"javascript:alert(1)\"><button>go</button></form>",
    "\u202e<b>evil</b>\u0000<i>nul</i>",
]

# What must not exist in the page afterwards (the UI itself has none of these).
FORBIDDEN = ("script:not([src]), script[src*='xss'], img[src='x'], img[src='/'], img[src='#'], iframe, object, "
             "embed, svg, math, details, video, form, meta[http-equiv], body style, input[autofocus], "
             "[onerror], [onload], [onmouseover], [ontoggle], [onfocus], [onclick], "
             "a[href^='javascript:' i], a[href^='data:' i], [src^='javascript:' i], [action^='javascript:' i]")

TRAP = """
window.__xss = [];
for (const name of ['alert', 'confirm', 'prompt']) {
  window[name] = (...args) => { window.__xss.push(name + ':' + args.join(',')); };
}
"""


def test_the_xss_corpus_in_every_field_is_shown_as_text_and_never_run(open_console, bot):
    short = [p for p in CORPUS if len(p) <= 64]
    lead = bot.lead(
        name=CORPUS[0], status=CORPUS[5], channel=CORPUS[13], messenger=CORPUS[16], language=CORPUS[27],
        avatar_url="https://example.com/a.png\"><img src=x onerror=alert('avatar')>",
        tags=short[:50],
        attributes={**{f"v{i:02d}": p for i, p in enumerate(CORPUS)}, **{p: "key" for p in short[:20]},
                    "sys_email": CORPUS[14], "sys_phone": CORPUS[3]},
    )
    ref = lead["ref"]
    uploads = [bot.upload(name + ".pdf", "application/pdf", b"%PDF-1.7\n") for name in
               ("<img src=x onerror=alert('file')>", "\"><svg onload=alert(1)>", "../../<script>alert(1)</script>")]
    bot.say(ref, "here are files", uploads=uploads)
    for payload in CORPUS:
        bot.say(ref, payload)
    bot.say(ref, " ".join(CORPUS[:8]), sender="bot")
    bot._check(bot.http.post(f"{bot.url}/bot/v1/leads/{ref}/handoff", json={"reason": CORPUS[6]}, timeout=30))

    me = open_console("operator")
    page = me.page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script(TRAP)
    page.reload()
    me.wait_online()
    me.open(lead["id"])

    expect(me.item(lead["id"])).to_contain_text(CORPUS[0])
    expect(page.get_by_test_id("lead-name")).to_have_text(CORPUS[0])
    expect(page.get_by_test_id("info-status")).to_have_text(CORPUS[5])
    expect(page.get_by_test_id("info-tags")).to_contain_text(short[1])
    expect(page.get_by_test_id("info-variables")).to_contain_text(CORPUS[10])
    for name in ("<img src=x onerror=alert('file')>.pdf", "\"><svg onload=alert(1)>.pdf"):
        expect(page.get_by_test_id("attachment-link").filter(has_text=name)).to_have_count(1)
    for payload in CORPUS[:-1]:
        expect(me.messages().filter(has_text=payload).first).to_be_visible()
    # The pointer over every message and link, focus through the page: an injected handler would fire.
    for message in me.messages().all():
        message.hover()
    for _ in range(10):
        page.keyboard.press("Tab")
    links = page.get_by_test_id("message-list").locator("a")
    for index in range(links.count()):
        href = links.nth(index).get_attribute("href") or ""
        assert re.match(r"^https?://", href), href
        assert (links.nth(index).get_attribute("rel") or "").find("noopener") >= 0

    page.get_by_test_id("lead-name").click()
    expect(page.get_by_test_id("lead-edit-name")).to_have_value(CORPUS[0])
    me.shot("xss-corpus")
    page.get_by_role("button", name=re.compile("Back to the dialog")).click()
    page.wait_for_load_state("networkidle")

    assert page.locator(FORBIDDEN).count() == 0, page.locator(FORBIDDEN).evaluate_all(
        "els => els.map(e => e.outerHTML.slice(0, 120))")
    assert page.evaluate("window.__xss") == []
    assert dialogs == []
