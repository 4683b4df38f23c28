"""A webhook that fails once is retried within seconds on the local runtime, through the same
path as in AWS: the delivery function queues a delayed wake-up on SQS (moto, which honours
DelaySeconds), the runtime feeds the queue to `retry_webhooks_soon`, and that delivers.
The per-minute sweep is set to 10 minutes here, so it cannot be what delivered."""

from __future__ import annotations

import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from local_runtime.testing import running_runtime
from tests.integration.helpers import eventually, sign_in


class FlakyBot:
    """A webhook endpoint that answers 503 to its first call and 204 afterwards."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, str, int]] = []  # (monotonic time, webhook-id, status)
        bot = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", "0")))
                status = 503 if not bot.calls else 204
                bot.calls.append((time.monotonic(), self.headers.get("webhook-id", ""), status))
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_single_transient_failure_is_retried_and_delivered_within_seconds(tmp_path):
    flaky = FlakyBot()
    try:
        with running_runtime(tmp_path, demo=False, env={"HANDOVER_SCHEDULE_SECONDS": "600"}) as runtime:
            admin = sign_in(runtime, "admin")
            created = requests.post(f"{runtime.url}/api/admin/bots", headers=admin, timeout=10,
                                    json={"name": f"Flaky {uuid.uuid4().hex[:6]}", "webhook_url": flaky.url})
            assert created.status_code == 201, created.text
            bot = {"Authorization": f"Bearer {created.json()['api_key']}"}
            ref = f"fast-{uuid.uuid4().hex[:8]}"
            requests.put(f"{runtime.url}/bot/v1/leads/{ref}", headers=bot, json={"name": "Fast"},
                         timeout=10).raise_for_status()
            # The handoff's `dialog.waiting` is the bot's first webhook: it fails once.
            requests.post(f"{runtime.url}/bot/v1/leads/{ref}/handoff", headers=bot, json={},
                          timeout=10).raise_for_status()

            eventually(lambda: len(flaky.calls) >= 2, timeout=15)
            (first, _, failed), (second, _, delivered) = flaky.calls[:2]
            assert (failed, delivered) == (503, 204)
            assert flaky.calls[0][1] == flaky.calls[1][1], "the same event, the same webhook-id"
            # 1 s (+ up to 25 %, rounded up to SQS's whole seconds) after the failure, plus the
            # queue's polling and a loaded machine's slack: seconds, not the sweep's minutes.
            assert 1.0 <= second - first < 8.0
            eventually(lambda: "QUEUE    retry_webhooks_soon 1 messages ok" in runtime.log_text(), timeout=10)
            assert "SCHEDULE retry_webhooks" not in runtime.log_text()
    finally:
        flaky.stop()
