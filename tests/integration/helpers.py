"""Small helpers shared by the integration tests."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from local_runtime.testing import LocalRuntime


def eventually(check: Callable[[], Any], timeout: float = 10.0, interval: float = 0.1) -> Any:
    """Poll until `check()` answers something truthy; fail with the last answer."""
    deadline = time.monotonic() + timeout
    answer = None
    while time.monotonic() < deadline:
        answer = check()
        if answer:
            return answer
        time.sleep(interval)
    raise AssertionError(f"not true within {timeout} s; last answer: {answer!r}")


def sign_in(runtime: LocalRuntime, username: str = "operator") -> dict[str, str]:
    """The Authorization header of a demo operator signed in through the operator API."""
    operator = runtime.operator(username)
    response = requests.post(f"{runtime.url}/api/auth/login", timeout=10,
                             json={"username": operator["username"], "password": operator["password"]})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def ticket_url(runtime: LocalRuntime, headers: dict[str, str]) -> str:
    """The websocket URL with a fresh one-time ticket of the signed-in operator."""
    response = requests.post(f"{runtime.url}/api/ws-ticket", headers=headers, timeout=10)
    response.raise_for_status()
    body = response.json()
    return f"{body['ws_url']}?ticket={body['ticket']}"


def recorded(runtime: LocalRuntime, kind: str) -> list[dict[str, Any]]:
    response = requests.get(f"{runtime.url}/test/recorded/{kind}", timeout=10)
    response.raise_for_status()
    return response.json()["items"]


def run(coroutine: Any) -> Any:
    """Run a coroutine to completion in its own thread and event loop.

    Playwright's sync API keeps an event loop running in the main thread of an xdist worker
    once a browser test has run there, and `asyncio.run` refuses to start inside it."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def demo_lead(runtime: LocalRuntime, text: str = "operator", name: str = "Edge Test") -> tuple[str, str]:
    """A new lead of the demo bot, started through the lead simulator's back end (so that the
    demo bot records what reaches it through its webhook): (lead_ref, lead id). "operator"
    hands the dialog off: it waits on the Waiting tab."""
    ref = f"edge-{uuid.uuid4().hex[:10]}"
    said = requests.post(f"{runtime.url}/demo-bot/leads/{ref}/messages", json={"text": text, "name": name},
                         timeout=30)
    said.raise_for_status()
    lead = requests.get(f"{runtime.url}/bot/v1/leads/{ref}", timeout=10,
                        headers={"Authorization": f"Bearer {runtime.bot['api_key']}"})
    lead.raise_for_status()
    return ref, lead.json()["id"]


def bot_heard(runtime: LocalRuntime, ref: str) -> list[str | None]:
    """The texts the demo bot has of the lead (the lead's, its own, and what its webhook got)."""
    answer = requests.get(f"{runtime.url}/demo-bot/leads/{ref}", timeout=10)
    answer.raise_for_status()
    return [item.get("text") for item in answer.json()["items"]]


def reply_reaches_the_bot(runtime: LocalRuntime, operator: dict[str, str], ref: str, lead_id: str,
                          text: str | None = None, timeout: float = 45.0) -> None:
    """The lead's webhook queue works: an operator's reply reaches the demo bot, signed, and
    shows `delivered`. The operator joins first if they are not in the dialog yet."""
    text = text or f"reply {uuid.uuid4().hex[:8]}"
    dialog = requests.get(f"{runtime.url}/api/dialogs/{lead_id}", headers=operator, timeout=10).json()
    me = requests.get(f"{runtime.url}/api/me", headers=operator, timeout=10).json()["username"]
    if me not in dialog["lead"]["dialog"]["operators"]:
        requests.post(f"{runtime.url}/api/dialogs/{lead_id}/start", headers=operator, timeout=10).raise_for_status()
    sent = requests.post(f"{runtime.url}/api/dialogs/{lead_id}/messages", headers=operator, timeout=10,
                         json={"client_id": uuid.uuid4().hex, "text": text})
    sent.raise_for_status()
    seq = sent.json()["seq"]
    eventually(lambda: text in bot_heard(runtime, ref), timeout=timeout)

    def delivered() -> bool:
        page = requests.get(f"{runtime.url}/api/dialogs/{lead_id}/messages?after={seq - 1}", headers=operator,
                            timeout=10).json()
        return any(m["seq"] == seq and m.get("delivery") == "delivered" for m in page["items"])

    eventually(delivered, timeout=timeout)


def others_still_work(runtime: LocalRuntime, username: str = "operator2") -> None:
    """What one caller's bad request or one bad record must never take from the others: another
    operator's tabs and counts, and the bot list, for an operator and for an admin."""
    other = sign_in(runtime, username)
    for tab in ("waiting", "mine", "all"):
        page = requests.get(f"{runtime.url}/api/tabs/{tab}", headers=other, timeout=10)
        assert page.status_code == 200, (tab, page.text)
        assert isinstance(page.json()["items"], list)
        page.content.decode("utf-8")  # strict UTF-8: no lone surrogate reached the wire
    assert requests.get(f"{runtime.url}/api/counts", headers=other, timeout=10).status_code == 200
    for headers in (other, sign_in(runtime, "admin")):
        bots = requests.get(f"{runtime.url}/api/bots", headers=headers, timeout=10)
        assert bots.status_code == 200, bots.text
        assert any(bot["id"] for bot in bots.json()["items"])
