"""`make soak`: the local runtime for 10 minutes at a steady load, then a verdict.

    python -m tests.hardening.soak [--minutes 10] [--leads 20] [--bot-rate 4] [--reply-every 2]

The load (127.0.0.1 only, every loop bounded by the deadline):
- the demo bot posts a lead message every 1/bot-rate seconds, round-robin over `leads` dialogs
  handed to operators (so the Waiting/Mine tabs, counters and live events all move);
- two operators are connected over websockets, reading every frame, their tab hidden (so the
  per-minute reminders have work), each in half of the dialogs, replying every `reply-every` s
  (so webhooks go to the demo bot, which answers through the bot API);
- the scheduled functions run every 5 s (HANDOVER_SCHEDULE_SECONDS) instead of every minute.

Reported: requests, errors (non-2xx, exceptions, server errors in the runtime's log, websocket
drops; target 0), p50/p99 latency of the REST calls, the runtime's memory (RSS of the gateway
process and of its children) after warm-up and at the end (target: flat). Exit status 1 when
there was an error or the gateway's memory grew by more than 25% + 20 MB. The report is also
written to test-artifacts/soak.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from local_runtime.testing import LocalRuntime, running_runtime
from tests.hardening.fuzzing import server_errors

WARM_UP_SECONDS = 30.0


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    frames: int = 0
    reminders: int = 0

    def error(self, text: str) -> None:
        if len(self.errors) < 1000:
            self.errors.append(text)


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(p) for p in task.read_text().split()]
        except OSError:
            continue
    return found


def memory(pid: int) -> dict[str, int]:
    """RSS in MB of the gateway process and of each child (DynamoDB Local, moto)."""
    report = {"gateway": rss_kb(pid) // 1024}
    for child in children(pid):
        try:
            name = Path(f"/proc/{child}/comm").read_text().strip()
        except OSError:
            continue
        report[f"{name}-{child}"] = rss_kb(child) // 1024
    return report


class Load:
    def __init__(self, rt: LocalRuntime, session: aiohttp.ClientSession, stats: Stats, deadline: float) -> None:
        self.rt, self.session, self.stats, self.deadline = rt, session, stats, deadline
        self.bot = {"Authorization": f"Bearer {rt.bot['api_key']}"}

    async def call(self, method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
        started = time.perf_counter()
        try:
            async with self.session.request(method, self.rt.url + path, headers=headers, json=body,
                                            timeout=aiohttp.ClientTimeout(total=30)) as response:
                payload = await response.read()
                self.stats.latencies.append(time.perf_counter() - started)
                if response.status >= 300:
                    self.stats.error(f"{method} {path} {response.status} {payload[:200]!r}")
                    return None
                return json.loads(payload) if payload else None
        except (TimeoutError, aiohttp.ClientError) as error:
            self.stats.error(f"{method} {path} {error!r}")
            return None

    async def sign_in(self, username: str) -> dict[str, str]:
        operator = self.rt.operator(username)
        body = await self.call("POST", "/api/auth/login", {}, {"username": username, "password": operator["password"]})
        return {"Authorization": f"Bearer {body['access_token']}"}

    async def bot_posts(self, refs: list[str], rate: float) -> None:
        index = 0
        while time.monotonic() < self.deadline:
            ref = refs[index % len(refs)]
            await self.call("POST", f"/bot/v1/leads/{ref}/messages", self.bot,
                            {"id": f"soak-{uuid.uuid4().hex}", "from": "lead", "text": f"lead message {index}"})
            index += 1
            await asyncio.sleep(1 / rate)

    async def operator(self, username: str, dialogs: list[str], reply_every: float) -> None:
        headers = await self.sign_in(username)
        for dialog in dialogs:
            await self.call("POST", f"/api/dialogs/{dialog}/start", headers)
        listener = asyncio.create_task(self.listen(username, headers, dialogs[0]))
        index = 0
        try:
            while time.monotonic() < self.deadline:
                dialog = dialogs[index % len(dialogs)]
                await self.call("POST", f"/api/dialogs/{dialog}/messages", headers,
                                {"client_id": uuid.uuid4().hex, "text": f"{username} reply {index}"})
                if index % 10 == 0:
                    await self.call("GET", "/api/tabs/mine", headers)
                    await self.call("GET", "/api/counts", headers)
                index += 1
                await asyncio.sleep(reply_every)
        finally:
            listener.cancel()

    async def listen(self, username: str, headers: dict[str, str], dialog: str) -> None:
        """One websocket, reading everything, the tab hidden; reconnects (counted) if dropped."""
        while time.monotonic() < self.deadline:
            ticket = await self.call("POST", "/api/ws-ticket", headers)
            if ticket is None:
                await asyncio.sleep(1)
                continue
            try:
                async with self.session.ws_connect(f"{ticket['ws_url']}?ticket={ticket['ticket']}") as ws:
                    await ws.send_json({"action": "view", "dialog_id": dialog, "tab": "mine"})
                    await ws.send_json({"action": "visibility", "visible": False})
                    async for message in ws:
                        if message.type != aiohttp.WSMsgType.TEXT:
                            break
                        frame = json.loads(message.data)
                        self.stats.frames += 1
                        self.stats.reminders += frame.get("type") == "reminder"
                        if frame.get("type") == "error" or "message" in frame and "connectionId" in frame:
                            self.stats.error(f"{username} websocket frame {frame}")
            except aiohttp.ClientError as error:
                self.stats.error(f"{username} websocket {error!r}")
            if time.monotonic() < self.deadline:
                self.stats.error(f"{username} websocket closed before the end")
                await asyncio.sleep(1)


async def soak(rt: LocalRuntime, options: argparse.Namespace) -> dict[str, Any]:
    stats = Stats()
    async with aiohttp.ClientSession() as session:
        setup = Load(rt, session, stats, time.monotonic() + 3600)
        refs, dialogs = [], []
        for i in range(options.leads):
            ref = f"soak-{i}-{uuid.uuid4().hex[:6]}"
            lead = await setup.call("PUT", f"/bot/v1/leads/{ref}", setup.bot, {"name": f"Soak lead {i}"})
            await setup.call("POST", f"/bot/v1/leads/{ref}/messages", setup.bot,
                             {"id": "first", "from": "lead", "text": "operator please"})
            await setup.call("POST", f"/bot/v1/leads/{ref}/handoff", setup.bot, {})
            refs.append(ref)
            dialogs.append(lead["id"])
        deadline = time.monotonic() + options.minutes * 60
        load = Load(rt, session, stats, deadline)
        pid = rt.process.pid if rt.process else 0
        tasks = [asyncio.create_task(load.bot_posts(refs, options.bot_rate)),
                 asyncio.create_task(load.operator("operator", dialogs[0::2], options.reply_every)),
                 asyncio.create_task(load.operator("operator2", dialogs[1::2], options.reply_every))]
        await asyncio.sleep(min(WARM_UP_SECONDS, options.minutes * 60 / 4))
        start_memory = memory(pid)
        count_at_warm_up = len(stats.latencies)
        await asyncio.gather(*tasks)
        end_memory = memory(pid)
    latencies = sorted(stats.latencies[count_at_warm_up:] or stats.latencies)
    logged = server_errors(rt.log_text())
    for line in logged[:50]:
        stats.error(f"runtime log: {line}")
    return {
        "minutes": options.minutes,
        "requests": len(stats.latencies),
        "errors": len(stats.errors),
        "first_errors": stats.errors[:20],
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1) if latencies else None,
        "frames_received": stats.frames,
        "reminders_received": stats.reminders,
        "memory_mb_after_warm_up": start_memory,
        "memory_mb_at_end": end_memory,
    }


def verdict(report: dict[str, Any]) -> list[str]:
    problems = []
    if report["errors"]:
        problems.append(f"{report['errors']} errors")
    start, end = report["memory_mb_after_warm_up"]["gateway"], report["memory_mb_at_end"]["gateway"]
    if end > start * 1.25 + 20:
        problems.append(f"the gateway's memory grew from {start} MB to {end} MB")
    if report["requests"] == 0:
        problems.append("no request was made")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--leads", type=int, default=20)
    parser.add_argument("--bot-rate", type=float, default=4.0, help="lead messages per second")
    parser.add_argument("--reply-every", type=float, default=2.0, help="seconds between an operator's replies")
    parser.add_argument("--report", type=Path, default=Path("test-artifacts/soak.json"))
    options = parser.parse_args()
    with (tempfile.TemporaryDirectory(prefix="handover-soak-") as data_dir,
          running_runtime(Path(data_dir), env={"HANDOVER_SCHEDULE_SECONDS": "5"}) as rt):
        report = asyncio.run(soak(rt, options))
    problems = verdict(report)
    report["verdict"] = "pass" if not problems else "FAIL: " + "; ".join(problems)
    options.report.parent.mkdir(parents=True, exist_ok=True)
    options.report.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
