"""Small helpers shared by the integration tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
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


def recorded(runtime: LocalRuntime, kind: str) -> list[dict[str, Any]]:
    response = requests.get(f"{runtime.url}/test/recorded/{kind}", timeout=10)
    response.raise_for_status()
    return response.json()["items"]


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)
