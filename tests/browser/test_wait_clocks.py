"""The waiting clocks in the real UI (docs/notifications.md, "Waiting clocks"): rows and the
dialog header run a clock from the server's `wait_started_at`, and the "waiting too long"
mark comes from it against the server's threshold, so it is there after a reload, on a page
that never saw the `dialog.waiting_too_long` frame. A runtime of its own, whose threshold is
4 s (HANDOVER_WAITING_TOO_LONG_SECONDS)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Browser, expect

from local_runtime.testing import TEST_SCHEDULE_SECONDS, LocalRuntime, running_runtime
from tests.browser.conftest import INIT_SCRIPT, TIMEOUT_MS, Bot, Console, admin_token

THRESHOLD_SECONDS = 4


@pytest.fixture(scope="module")
def clock_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRuntime]:
    # No demo data: operators are seeded anyway, and the demo's seeding is what takes long.
    with running_runtime(tmp_path_factory.mktemp("clock-runtime"), demo=False, env={
            "HANDOVER_SCHEDULE_SECONDS": TEST_SCHEDULE_SECONDS,
            "HANDOVER_WAITING_TOO_LONG_SECONDS": str(THRESHOLD_SECONDS)}) as started:
        yield started


@pytest.fixture(scope="module")
def clock_bot(clock_runtime: LocalRuntime) -> Bot:
    token = admin_token(clock_runtime)
    answer = requests.post(f"{clock_runtime.url}/api/admin/bots", timeout=30,
                           headers={"Authorization": f"Bearer {token}"},
                           json={"name": f"Clock bot {uuid.uuid4().hex[:6]}"})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    return Bot(clock_runtime.url, body["api_key"], body["bot"]["id"], body["bot"]["name"])


@pytest.fixture
def clock_console(browser: Browser, clock_runtime: LocalRuntime) -> Iterator[Console]:
    context = browser.new_context(base_url=clock_runtime.url, locale="en-US", timezone_id="UTC",
                                  viewport={"width": 1366, "height": 860})
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(INIT_SCRIPT)
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield Console(page, clock_runtime).sign_in("operator")
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def test_the_waiting_mark_comes_from_the_server_and_survives_a_reload(clock_console, clock_bot):
    me = clock_console
    lead = clock_bot.waiting_lead(name="Clock Lead")
    row = me.item(lead["id"])
    expect(row.get_by_test_id("wait-clock")).to_have_text("waiting 0 min")
    # Past the threshold the row is marked (the page's clock moves every 10 s: headroom).
    expect(row.get_by_test_id("late-label")).to_be_visible(timeout=40_000)

    me.page.reload()
    me.wait_online()
    reloaded_at = len(me.received)
    row = me.item(lead["id"])
    # Marked at once from the row's wait_started_at and /api/me's threshold, not from a frame:
    # the broadcast rung fired once, before the reload.
    expect(row.get_by_test_id("late-label")).to_be_visible(timeout=8_000)
    assert not [f for f in me.received[reloaded_at:] if f.get("type") == "dialog.waiting_too_long"]
    assert "late" in (row.get_attribute("class") or "")

    me.open(lead["id"])
    clock = me.page.get_by_test_id("header-wait-clock")
    expect(clock).to_have_attribute("data-late", "true")
    expect(clock).to_contain_text("waiting 0 min")


def test_an_operator_reply_stops_the_clock(clock_console, clock_bot):
    me = clock_console
    lead = clock_bot.waiting_lead(name="Answered Lead")
    me.open(lead["id"])
    expect(me.page.get_by_test_id("header-wait-clock")).to_be_visible()
    me.start()
    clock_bot.say(lead["ref"], "still there?")
    me.tab("mine")
    row = me.item(lead["id"])
    expect(row.get_by_test_id("wait-clock")).to_be_visible()
    me.page.get_by_test_id("composer-input").fill("Yes, I am here")
    me.page.get_by_test_id("composer-send").click()
    expect(row.get_by_test_id("wait-clock")).to_have_count(0)
    expect(me.page.get_by_test_id("header-wait-clock")).to_have_count(0)
    me.page.reload()
    me.wait_online()
    me.tab("mine")
    expect(me.item(lead["id"])).to_be_visible()
    expect(me.item(lead["id"]).get_by_test_id("wait-clock")).to_have_count(0)
