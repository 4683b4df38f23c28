"""Small helpers shared by the integration tests."""

from __future__ import annotations

import asyncio
import time
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
