"""Where the time goes: a summary of py-spy's raw (collapsed) samples of the runtime process."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

# (area, substrings of a frame's file): the first that matches a sample's innermost frame wins.
AREAS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Handover code (chalicelib/, app.py)", ("chalicelib/", "/app.py", "(app.py")),
    ("PynamoDB (models, serialization)", ("pynamodb/",)),
    ("botocore/boto3 (signing, serializing, parsing)", ("botocore/", "boto3/", "s3transfer/", "jmespath/")),
    ("HTTP client I/O (urllib3, http.client, sockets)", ("urllib3/", "http/client", "socket.py", "ssl.py", "selectors.py")),
    ("JSON", ("json/",)),
    ("JWT and crypto", ("jwt/", "cryptography/")),
    ("Chalice (LocalGateway, routing, events)", ("chalice/",)),
    ("local gateway (aiohttp, asyncio)", ("aiohttp/", "asyncio/", "yarl/", "multidict/", "websockets/")),
    ("local runtime (local_runtime/)", ("local_runtime/",)),
    ("threads and queues", ("threading.py", "concurrent/futures", "queue.py")),
    ("logging", ("logging/",)),
)
# Where a bot message's request spends its time (samples under the bot API's post_message),
# the first phase whose frames are on the stack wins.
PHASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("pushes through the management API (fan-out)", ("live/fanout.py",)),
    ("live pushes: audience Queries and frames", ("live/pushes.py",)),
    # The bot and the lead are read in one BatchGetItem (the key check included), then written.
    ("the dialog write (one BatchGetItem, one TransactWriteItems)", ("services/dialogs.py", "storage/dialogs.py",
                                                                   "storage/dialog_write.py")),
)
REQUEST = "post_message (chalicelib/api/bot_v1.py"
# Worker threads waiting for work are not time spent on anything.
IDLE_LEAVES = ("_worker (concurrent/futures/thread.py", "wait (threading.py", "get (queue.py", "select (selectors.py")
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def _area(frame: str) -> str:
    for area, needles in AREAS:
        if any(needle in frame for needle in needles):
            return area
    return "other (stdlib, uuid, datetime…)"


def _short(frame: str) -> str:
    match = _FRAME.match(frame)
    if not match:
        return frame
    file = match.group("file")
    for root in ("site-packages/", "python3.11/", "/work/main/"):
        if root in file:
            file = file.split(root, 1)[1]
    return f"{match.group('func')} ({file})"


def summarize(raw: str, top: int = 12) -> dict[str, Any]:
    """Self time by area and by function, time inside Handover's own functions (inclusive), and
    the phases of the bot message request (percent of its samples). Idle workers are left out."""
    phases: Counter[str] = Counter()
    requests = 0
    by_area: Counter[str] = Counter()
    by_leaf: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if f and not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        leaf = frames[-1]
        if _short(leaf).startswith(IDLE_LEAVES):
            continue
        total += count
        if any(REQUEST in _short(f) for f in frames):
            requests += count
            for phase, needles in PHASES:
                if any(needle in f for f in frames for needle in needles):
                    phases[phase] += count
                    break
            else:
                phases["the rest: gateway, Chalice, validation, JSON"] += count
        by_area[_area(leaf)] += count
        by_leaf[_short(leaf)] += count
        for frame in {f for f in frames if "chalicelib/" in f}:
            inclusive[_short(frame)] += count

    def share(counter: Counter[str], n: int) -> list[list[Any]]:
        return [[name, round(100 * value / total, 1)] for name, value in counter.most_common(n)] if total else []

    return {"samples": total, "by_area": share(by_area, len(AREAS) + 1), "top_self": share(by_leaf, top),
            "top_handover_inclusive": share(inclusive, top),
            "bot_message_request": {"share_of_samples": round(100 * requests / total, 1) if total else 0,
                                    "phases": [[name, round(100 * value / requests, 1)]
                                               for name, value in phases.most_common()] if requests else []}}
