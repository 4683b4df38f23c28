"""The operator UI in Chromium (Debian's, driven by Playwright), against the metered runtime: what the page
loads, how fast it opens a long dialog, and its memory after scrolling back (bench/ui.py, the UI's own
budget check, counts every file in static_site/; this counts what the page actually loads).

- JS weight: every script the page loads from sign-in to an open dialog (the ES modules of
  static_site/js and the vendored Preact+htm), each body gzipped at level 9 as CloudFront would
  compress it, summed. Beside it: the vendored library alone.
- Opening a dialog with 20,000 messages until its newest portion is shown: measured inside the
  page (performance.now() at the click on the Waiting tab's item, until the newest message's
  element exists and the next frame is painted). Beside it: a dialog with 20 messages, opened
  alternately with the large one; the first opening of each is a warm-up and not counted.
- Memory after scrolling back 2,000 messages: the large dialog is opened, the message list is
  scrolled to the top until 2,000 more messages are loaded, then garbage is collected and
  Chromium's own counters are read over the DevTools protocol (Performance.getMetrics:
  JSHeapUsedSize, Nodes); the same counters right after opening are the baseline.
"""

from __future__ import annotations

import gzip
import os
import time
from typing import Any

from bench.common import Bench, Bot, median, ratio
from bench.seed import seed_messages

CHROMIUM = os.environ.get("HANDOVER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
LARGE = 20_000
SMALL = 20
OPENINGS = 5
SCROLL_BACK = 2_000

OPEN_SCRIPT = """
([leadId, seq]) => new Promise((resolve) => {
  const item = document.querySelector(`[data-testid="dialog-item"][data-lead-id="${leadId}"] button`);
  if (!item) { resolve(-1); return; }
  // The two dialogs' newest seqs differ, and neither is in the other's newest portion.
  const shown = () => document.querySelector(`[data-testid="message"][data-seq="${seq}"]`);
  const started = performance.now();
  const timer = setTimeout(() => { observer.disconnect(); resolve(-2); }, 15000);
  const observer = new MutationObserver(() => {
    if (shown()) {
      observer.disconnect();
      clearTimeout(timer);
      requestAnimationFrame(() => resolve(performance.now() - started));
    }
  });
  observer.observe(document.body, { childList: true, subtree: true, attributes: true });
  item.click();
})
"""


SCROLL_SCRIPT = """
(timeoutMs) => new Promise((resolve) => {
  const list = document.querySelector('[data-testid="message-list"]');
  const count = () => list.querySelectorAll('[data-testid="message"]').length;
  const before = count();
  const started = performance.now();
  const timer = setTimeout(() => { observer.disconnect(); resolve([-1, before]); }, timeoutMs);
  const observer = new MutationObserver(() => {
    const now = count();
    if (now > before) {
      observer.disconnect();
      clearTimeout(timer);
      requestAnimationFrame(() => resolve([performance.now() - started, now]));
    }
  });
  observer.observe(list, { childList: true, subtree: true });
  list.scrollTop = 0;
})
"""


def _seed(bench: Bench) -> dict[str, tuple[str, int]]:
    bot_id, api_key = bench.create_bot("UI bot")
    bot = Bot(bench, api_key)
    dialogs = {}
    for label, size in (("small", SMALL), ("large", LARGE)):
        ref = f"ui-{label}"
        lead = bot.lead(ref, name=f"UI {label}")
        bot.say(ref, "the first message")
        bot.handoff(ref)
        seed_messages(bench.dynamodb(), bench.backends["table_prefix"], lead["id"], size)
        # One real message at the end, so the newest portion is the app's own write.
        newest = bot.say(ref, f"newest message of {label}")
        dialogs[label] = (lead["id"], newest["seq"])
    return dialogs


def _metrics(cdp: Any) -> dict[str, float]:
    cdp.send("HeapProfiler.collectGarbage")
    values = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {"js_heap_used_mb": round(values.get("JSHeapUsedSize", 0) / 1e6, 2), "dom_nodes": int(values.get("Nodes", 0))}


def measure_ui(bench: Bench, log: Any = print) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    dialogs = _seed(bench)
    operator = bench.runtime.operator("operator")
    scripts: dict[str, bytes] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(base_url=bench.url, locale="en-US", timezone_id="UTC",
                                          viewport={"width": 1366, "height": 860})
            page = context.new_page()
            page.set_default_timeout(30_000)

            def keep(response: Any) -> None:
                if response.request.resource_type == "script" and response.ok:
                    try:
                        scripts[response.url] = response.body()
                    except Exception:  # a body that is gone is not counted
                        pass

            page.on("response", keep)
            page.goto("/")
            page.get_by_test_id("login-username").fill(operator["username"])
            page.get_by_test_id("login-password").fill(operator["password"])
            page.get_by_test_id("login-submit").click()
            page.get_by_test_id("tab-waiting").wait_for()
            page.locator('[data-testid="connection-status"][data-status="online"]').wait_for()
            page.locator(f'[data-testid="dialog-item"][data-lead-id="{dialogs["large"][0]}"]').wait_for()

            openings: dict[str, list[float]] = {"small": [], "large": []}
            for round_ in range(OPENINGS + 1):
                for label in ("small", "large"):
                    lead_id, seq = dialogs[label]
                    ms = page.evaluate(OPEN_SCRIPT, [lead_id, seq])
                    if ms < 0:
                        raise RuntimeError(f"the {label} dialog's newest message was not shown ({ms})")
                    if round_ > 0:
                        openings[label].append(ms)
                    page.wait_for_timeout(300)
            open_result = {
                "large_median_ms": round(median(openings["large"]), 1),
                "small_median_ms": round(median(openings["small"]), 1),
                "ratio": round(ratio(median(openings["large"]), median(openings["small"])), 2),
                "openings": OPENINGS, "large_messages": LARGE + 1, "small_messages": SMALL + 1,
            }
            log(f"  open a dialog: {open_result}")

            # The large dialog is open (it was opened last). Scroll back SCROLL_BACK messages.
            cdp = context.new_cdp_session(page)
            cdp.send("Performance.enable")
            messages = page.get_by_test_id("message-list").get_by_test_id("message")
            page.wait_for_timeout(500)
            before = _metrics(cdp)
            first_count = messages.count()
            started = time.perf_counter()
            deadline = started + 120
            count = first_count
            page_ms: list[float] = []  # per portion, inside the page: scrolled to the top until it is shown
            while count < first_count + SCROLL_BACK and time.perf_counter() < deadline:
                ms, count = page.evaluate(SCROLL_SCRIPT, 10_000)
                if ms < 0:
                    break
                page_ms.append(ms)
            scroll_seconds = time.perf_counter() - started
            after = _metrics(cdp)
            memory = {"after_open": {**before, "messages_in_page": first_count},
                      "after_scrolling_back": {**after, "messages_in_page": count},
                      "scrolled_back_messages": count - first_count, "scroll_seconds": round(scroll_seconds, 1),
                      "portions": len(page_ms),
                      "first_5_portions_median_ms": round(median(page_ms[:5]), 1),
                      "last_5_portions_median_ms": round(median(page_ms[-5:]), 1)}
            log(f"  memory: {memory}")
            context.close()
        finally:
            browser.close()
    total = sum(len(gzip.compress(body, 9)) for body in scripts.values())
    vendor = sum(len(gzip.compress(body, 9)) for url, body in scripts.items() if "/vendor/" in url)
    weight = {"scripts": len(scripts), "gzipped_bytes": total, "gzipped_kb": round(total / 1024, 1),
              "raw_kb": round(sum(len(b) for b in scripts.values()) / 1024, 1),
              "vendored_library_gzipped_kb": round(vendor / 1024, 1),
              "files": sorted(url.split("/", 3)[-1] for url in scripts)}
    log(f"  JS: {weight['gzipped_kb']} KB gzipped in {weight['scripts']} scripts "
        f"(the vendored library {weight['vendored_library_gzipped_kb']} KB)")
    return {"js": weight, "open_dialog": open_result, "memory": memory}
