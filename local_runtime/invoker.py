"""Runs the Chalice app's Lambda handlers off the event loop, as Lambda would run them,
and writes the one log line per invocation.

REST calls go through Chalice's `LocalGateway` one at a time: Chalice keeps the request
being handled in `app.current_request`, which is safe only because a Lambda container
handles one event at a time. Websocket, scheduled and stream handlers do not use it and
run concurrently, like separate Lambda containers.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import LambdaContext, LocalGateway

log = logging.getLogger("local_runtime")
T = TypeVar("T")


class Invoker:
    def __init__(self, app: Chalice, workers: int = 16) -> None:
        self.app = app
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lambda")
        self.gateway = LocalGateway(app, Config.create(chalice_stage="local", app_name=app.app_name))
        self._rest_lock = threading.Lock()

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)

    def _rest(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> dict[str, Any]:
        with self._rest_lock:
            return self.gateway.handle_request(method=method, path=path, headers=headers, body=body)

    async def rest(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> dict[str, Any]:
        return await self.run(self._rest, method, path, headers, body)

    def handler(self, name: str) -> Callable[[dict[str, Any], Any], Any]:
        """The wrapped handler Chalice registered under `name` (what Lambda would call)."""
        return self.app.handler_map[name]

    async def invoke(self, name: str, event: dict[str, Any]) -> Any:
        """Call a handler with a Lambda context; exceptions propagate (the caller logs them)."""
        context = LambdaContext(function_name=f"{self.app.app_name}-local-{name}", memory_size=512,
                                max_runtime_ms=900_000)
        return await self.run(self.handler(name), event, context)

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


def background(coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task:
    """A task whose crash is logged (an unobserved task would fail silently)."""
    task = asyncio.create_task(coroutine)

    def report(done: asyncio.Task) -> None:
        if not done.cancelled() and done.exception() is not None:
            log.error("background task failed", exc_info=done.exception())

    task.add_done_callback(report)
    return task


def log_line(kind: str, what: str, status: int | str, started: float, extra: str = "") -> None:
    """One line per REST call, websocket event and scheduled run: kind, what, status, ms."""
    ms = (time.perf_counter() - started) * 1000
    log.info("%-8s %s %s %.0fms%s", kind, what, status, ms, f" {extra}" if extra else "")
