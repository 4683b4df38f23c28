"""Browser tests: Playwright (Python) drives Debian's Chromium against the local runtime.

One browser per test session (per xdist worker), a new browser context per test. The local
runtime is the real app (`handover_runtime` from local_runtime.testing). Bots post through
the public bot API with the key of a bot created for these tests (with both system scripts),
so the tests never depend on the demo data.

Every page gets an init script that records which `<audio>` source played and lets a test
set `document.visibilityState` (see `hide()`/`show()`), because a headless page is always
"visible" and has no sound card.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Route,
    WebSocket,
    WebSocketRoute,
    expect,
    sync_playwright,
)

from local_runtime.testing import TEST_SCHEDULE_SECONDS, LocalRuntime, running_runtime

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("HANDOVER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # The CSP test serves index.html through Playwright (to add the header); such a document
    # has no IP address space, and Chromium's Local Network Access checks would then refuse
    # its websocket to 127.0.0.1. Everything here is local, so the check protects nothing.
    "--disable-features=LocalNetworkAccessChecks",
]
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)

INIT_SCRIPT = """
(() => {
  window.__played = [];
  window.__xss = [];
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function () {
    const src = this.getAttribute('src') || this.currentSrc || this.src;
    window.__played.push(src.split('/').pop().split('.')[0]);
    try { const p = play.call(this); if (p && p.catch) p.catch(() => {}); } catch (e) {}
    return Promise.resolve();
  };
  window.__setVisibility = (state) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => state === 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  };
})();
"""


# --- the browser ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (make test installs the Debian package)")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRuntime]:
    """The local runtime: the browser tests' own, started for the session (per xdist worker),
    or (for working on the UI) one that is already running, named by HANDOVER_BROWSER_DATA_DIR
    (its data directory). Not the runtime the integration and hardening tests share: these
    tests count dialogs and listen for sounds, and the hundreds of leads, hostile bodies and
    webhook retries those tests leave on it made them depend on which tests ran before."""
    data_dir = os.environ.get("HANDOVER_BROWSER_DATA_DIR")
    if data_dir:
        credentials = json.loads((Path(data_dir) / "local-credentials.json").read_text())
        port = int(credentials["url"].rsplit(":", 1)[1])
        yield LocalRuntime(Path(data_dir), port, credentials=credentials)
        return
    with running_runtime(tmp_path_factory.mktemp("browser-runtime"),
                         env={"HANDOVER_SCHEDULE_SECONDS": TEST_SCHEDULE_SECONDS}) as started:
        yield started


@pytest.fixture
def new_context(browser: Browser, runtime: LocalRuntime) -> Iterator[Callable[..., BrowserContext]]:
    """A factory of browser contexts (closed after the test); English and UTC unless told."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def make(**options: Any) -> BrowserContext:
        options.setdefault("locale", "en-US")
        options.setdefault("timezone_id", "UTC")
        options.setdefault("viewport", {"width": 1366, "height": 860})
        context = browser.new_context(base_url=runtime.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(INIT_SCRIPT)
        context.on("page", lambda page: page.on("pageerror", lambda error: errors.append(str(error))))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    return new_context().new_page()


# --- the contact center --------------------------------------------------------------------

class LinkCutter:
    """Cuts the page's websocket as a network drop would, and keeps it down until restored.

    Every websocket of the page goes through Playwright to the real server; `cut()` closes
    both sides and makes ticket requests fail, so the UI stays offline; `restore()` lets it
    back (and fires the browser's `online` event, as a returning network does).
    """

    def __init__(self, page: Page) -> None:
        self.page = page
        self.blocked = False
        self.links: list[tuple[WebSocketRoute, WebSocketRoute]] = []
        page.route_web_socket(re.compile(r"/ws(\?|$)"), self._connect)
        page.route(re.compile(r"/api/ws-ticket$"), self._ticket)

    def _connect(self, route: WebSocketRoute) -> None:
        server = route.connect_to_server()
        self.links.append((route, server))

    def _ticket(self, route: Route) -> None:
        if self.blocked:
            route.abort("internetdisconnected")
        else:
            route.fallback()

    def cut(self) -> None:
        self.blocked = True
        for page_side, server_side in self.links:
            server_side.close(code=1001, reason="cut by the test")
            page_side.close(code=1006, reason="cut by the test")
        self.links.clear()

    def restore(self) -> None:
        self.blocked = False
        self.page.evaluate("window.dispatchEvent(new Event('online'))")


def wait_for(page: Page, predicate: Callable[[], bool], timeout_ms: int = TIMEOUT_MS) -> None:
    """Wait until `predicate()` holds; Playwright delivers page events only while it is
    called, so this waits through the page rather than with time.sleep."""
    waited = 0
    while not predicate():
        assert waited < timeout_ms, "the condition did not hold in time"
        page.wait_for_timeout(50)
        waited += 50


def _frame(payload: str | bytes) -> dict[str, Any]:
    try:
        data = json.loads(payload)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class Console:
    """One operator's contact-center page, with the steps every test repeats."""

    def __init__(self, page: Page, runtime: LocalRuntime, cutter: bool = False) -> None:
        self.page = page
        self.runtime = runtime
        # What the page's websockets sent and received, as parsed JSON frames.
        self.sent: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        page.on("websocket", self._watch)
        self.link = LinkCutter(page) if cutter else None

    def _watch(self, socket: WebSocket) -> None:
        socket.on("framesent", lambda payload: self.sent.append(_frame(payload)))
        socket.on("framereceived", lambda payload: self.received.append(_frame(payload)))

    def sign_in(self, username: str = "operator") -> Console:
        operator = self.runtime.operator(username)
        self.page.goto("/")
        self.page.get_by_test_id("login-username").fill(operator["username"])
        self.page.get_by_test_id("login-password").fill(operator["password"])
        # The tab counts are read once after sign-in: wait for that answer, so that a test
        # reading a count compares with what the server said, not with the page's initial 0.
        with self.page.expect_response(lambda response: urlsplit(response.url).path == "/api/counts"):
            self.page.get_by_test_id("login-submit").click()
        expect(self.page.get_by_test_id("tab-waiting")).to_be_visible()
        self.wait_online()
        return self

    def wait_online(self) -> None:
        expect(self.page.get_by_test_id("connection-status")).to_have_attribute("data-status", "online")

    def tab(self, name: str) -> None:
        self.page.get_by_test_id(f"tab-{name}").click()
        expect(self.page.get_by_test_id(f"tab-{name}")).to_have_attribute("aria-selected", "true")

    def item(self, lead_id: str):
        return self.page.locator(f'[data-testid="dialog-item"][data-lead-id="{lead_id}"]')

    def open(self, lead_id: str, tab: str = "waiting") -> None:
        self.tab(tab)
        self.item(lead_id).click()
        expect(self.page.locator(f'[data-testid="dialog-panel"][data-lead-id="{lead_id}"]')).to_be_visible()
        expect(self.page.get_by_test_id("dialog-state")).to_be_visible()

    def messages(self):
        return self.page.get_by_test_id("message-list").get_by_test_id("message")

    def message(self, seq: int):
        return self.page.locator(f'[data-testid="message"][data-seq="{seq}"]')

    def start(self) -> None:
        self.page.get_by_test_id("btn-start-conversation").click()
        expect(self.page.get_by_test_id("composer-input")).to_be_visible()

    def hide(self) -> None:
        self.page.evaluate("window.__setVisibility('hidden')")

    def show(self) -> None:
        self.page.evaluate("window.__setVisibility('visible')")

    def played(self) -> list[str]:
        return self.page.evaluate("window.__played.slice()")

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@pytest.fixture
def console(page: Page, runtime: LocalRuntime) -> Console:
    return Console(page, runtime)


@pytest.fixture
def open_console(new_context: Callable[..., BrowserContext], runtime: LocalRuntime):
    """A factory: a signed-in contact center in a new context (or a new page of `context`)."""

    def make(username: str = "operator", context: BrowserContext | None = None, cutter: bool = False,
             **options: Any) -> Console:
        page = (context or new_context(**options)).new_page()
        return Console(page, runtime, cutter=cutter).sign_in(username)

    return make


# --- a bot, through the public bot API ------------------------------------------------------

class Bot:
    def __init__(self, url: str, api_key: str, bot_id: str, name: str) -> None:
        self.url = url
        self.id = bot_id
        self.name = name
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {api_key}"

    def _check(self, response: requests.Response) -> dict[str, Any]:
        assert response.status_code < 300, f"{response.request.method} {response.url}: {response.status_code} {response.text}"
        return response.json()

    def lead(self, ref: str | None = None, **fields: Any) -> dict[str, Any]:
        """PUT a lead (a new one unless `ref` names one); returns the lead with `ref`."""
        ref = ref or f"br-{uuid.uuid4().hex[:16]}"
        fields.setdefault("name", "Test lead")
        lead = self._check(self.http.put(f"{self.url}/bot/v1/leads/{ref}", json=fields, timeout=30))
        lead["ref"] = ref
        return lead

    def say(self, ref: str, text: str | None = None, sender: str = "lead", uploads: list[str] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"id": f"m-{uuid.uuid4().hex}", "from": sender}
        if text is not None:
            body["text"] = text
        if uploads:
            body["attachments"] = [{"upload_id": u} for u in uploads]
        return self._check(self.http.post(f"{self.url}/bot/v1/leads/{ref}/messages", json=body, timeout=30))

    def handoff(self, ref: str) -> dict[str, Any]:
        return self._check(self.http.post(f"{self.url}/bot/v1/leads/{ref}/handoff", json={"reason": "test"}, timeout=30))

    def waiting_lead(self, **fields: Any) -> dict[str, Any]:
        """A lead who wrote once and was handed to operators."""
        lead = self.lead(**fields)
        self.say(lead["ref"], "Hello, I need a human")
        self.handoff(lead["ref"])
        return lead

    def upload(self, filename: str, content_type: str, data: bytes) -> str:
        upload = self._check(self.http.post(f"{self.url}/bot/v1/uploads", timeout=30,
                                            json={"filename": filename, "content_type": content_type, "size": len(data)}))
        stored = requests.post(upload["url"], data=upload["fields"], files={"file": (filename, data, content_type)}, timeout=60)
        assert stored.status_code < 300, stored.text
        return upload["upload_id"]

    def get_lead(self, ref: str) -> dict[str, Any]:
        return self._check(self.http.get(f"{self.url}/bot/v1/leads/{ref}", timeout=30))


RETURN_SCRIPT = "The bot is back. Write /operator to call a human again."
TRANSFER_SCRIPT = "An operator joined the chat, {{name}}."


def admin_token(runtime: LocalRuntime) -> str:
    admin = runtime.operator("admin")
    answer = requests.post(f"{runtime.url}/api/auth/login", timeout=30,
                           json={"username": admin["username"], "password": admin["password"]})
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


@pytest.fixture(scope="session")
def bot(runtime: LocalRuntime) -> Bot:
    """A bot of the browser tests, with the Return and Transfer-to-operator scripts."""
    token = admin_token(runtime)
    name = f"Browser bot {uuid.uuid4().hex[:6]}"
    answer = requests.post(
        f"{runtime.url}/api/admin/bots", timeout=30, headers={"Authorization": f"Bearer {token}"},
        json={"name": name, "scripts": {"return": [RETURN_SCRIPT], "operator_transfer": [TRANSFER_SCRIPT]}},
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    return Bot(runtime.url, body["api_key"], body["bot"]["id"], name)


@pytest.fixture(scope="session", autouse=True)
def _fresh_artifacts() -> None:
    # Keep the folder (other workers write into it too); only make sure it exists.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
