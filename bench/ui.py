"""The operator UI's budgets (issue 5), measured, not asserted by a timed test:

1. the UI's own JavaScript plus the vendored library, gzipped: at most 60 KB;
2. opening a dialog with 20,000 messages shows the newest portion in at most 500 ms locally
   (from the click on the dialog in the list to the newest message on screen, in Chromium,
   against the local runtime; the median of several openings).

Run: `.venv/bin/python -m bench.ui` (prints one JSON object; exit status 1 if a budget is
missed). The 20,000 messages are written straight into DynamoDB Local in batches (posting
them through the bot API would take many minutes and measures nothing about the UI).
"""

from __future__ import annotations

import gzip
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import requests
from playwright.sync_api import sync_playwright

from local_runtime.testing import running_runtime
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Bot, admin_token

SITE = Path(__file__).resolve().parent.parent / "static_site"
JS_BUDGET_BYTES = 60 * 1024
OPEN_BUDGET_MS = 500.0
HISTORY = 20_000
OPENINGS = 7


def js_gzip_bytes() -> int:
    return sum(len(gzip.compress(path.read_bytes(), 9)) for path in SITE.rglob("*.js"))


def seed_history(backends: dict[str, Any], lead_id: str, after_seq: int, count: int) -> int:
    """Messages after_seq+1 .. after_seq+count, alternately from the lead and the bot."""
    dynamodb = boto3.resource("dynamodb", endpoint_url=backends["dynamodb_endpoint"], region_name=backends["region"],
                              aws_access_key_id="local", aws_secret_access_key="local")
    messages = dynamodb.Table(f"{backends['table_prefix']}messages")
    start = datetime.now(UTC) - timedelta(days=30)
    last = after_seq + count
    with messages.batch_writer() as batch:
        for seq in range(after_seq + 1, last + 1):
            at = (start + timedelta(seconds=seq * 60)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            batch.put_item(Item={"lead_id": lead_id, "seq": seq, "from": "lead" if seq % 2 else "bot",
                                 "text": f"History message {seq}", "attachments": [], "created_at": at})
    # The lead's own counter, so that a new message would take the next seq.
    dynamodb.Table(f"{backends['table_prefix']}leads").update_item(
        Key={"id": lead_id}, UpdateExpression="SET seq = :s", ExpressionAttributeValues={":s": last})
    return last


def open_times(url: str, operator: dict[str, str], lead_id: str, newest: int) -> list[float]:
    times: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(base_url=url, viewport={"width": 1366, "height": 860}).new_page()
        page.goto("/")
        page.get_by_test_id("login-username").fill(operator["username"])
        page.get_by_test_id("login-password").fill(operator["password"])
        page.get_by_test_id("login-submit").click()
        item = page.locator(f'[data-testid="dialog-item"][data-lead-id="{lead_id}"]')
        item.wait_for()
        newest_message = page.locator(f'[data-testid="message"][data-seq="{newest}"]')
        for _ in range(OPENINGS):
            started = time.perf_counter()
            item.click()
            newest_message.wait_for(state="visible")
            times.append((time.perf_counter() - started) * 1000)
            page.get_by_test_id("btn-hide-panel").click()
            newest_message.wait_for(state="detached")
        browser.close()
    return times


def main() -> int:
    js = js_gzip_bytes()
    with tempfile.TemporaryDirectory() as data_dir, running_runtime(Path(data_dir), demo=False) as runtime:
        token = admin_token(runtime)
        created = requests.post(f"{runtime.url}/api/admin/bots", timeout=30, headers={"Authorization": f"Bearer {token}"},
                                json={"name": "Bench bot"}).json()
        bot = Bot(runtime.url, created["api_key"], created["bot"]["id"], "Bench bot")
        lead = bot.lead(name="Long history")
        first = bot.say(lead["ref"], "The first message")
        newest = seed_history(runtime.backends, lead["id"], first["seq"], HISTORY)
        bot.handoff(lead["ref"])  # appends a system note: the newest message
        newest += 1
        times = open_times(runtime.url, runtime.operator("operator"), lead["id"], newest)
    result = {
        "js_gzip_bytes": js, "js_budget_bytes": JS_BUDGET_BYTES,
        "open_dialog_messages": newest, "open_ms": [round(t, 1) for t in times],
        "open_ms_median": round(statistics.median(times), 1), "open_budget_ms": OPEN_BUDGET_MS,
    }
    result["within_budget"] = js <= JS_BUDGET_BYTES and result["open_ms_median"] <= OPEN_BUDGET_MS
    print(json.dumps(result, indent=2))
    return 0 if result["within_budget"] else 1


if __name__ == "__main__":
    sys.exit(main())
