"""Scaling: the same request on a small and on a large data set should cost the same.

- a message page (the dialog's newest page, and a page deep in the history) in a dialog with
  100 and with 100,000 messages: both dialogs exist at once, measured in alternating blocks;
- a tab page (Waiting and All) with 100 and with 10,000 dialogs waiting;
- the per-minute tick (`send_reminders`: reminders and the escalation ladder, one Query of the
  wait-clock index per rung) with 10 and with 10,000 leads waiting (every seeded lead is in
  that index, its wait begun 1 to 3 hours ago: past every rung, as in a steady state);
- the canned-reply page the composer's `/` reads (`GET /api/canned-replies?lead_id=`: the
  team's and the operator's own replies rendered for a lead) with 100 and with 100,000 leads:
  one Query per owner and one read of the lead, whatever the number of leads.

Tabs and the tick cannot have both sizes at once (every waiting dialog is on the same tab), so
they are measured before and after seeding (the tick too), each in blocks alternating with a reference request
(the small dialog's newest page: one Query of the same size in both phases), whose own ratio says
how much the machine itself drifted between the phases.

Times are the handler's duration inside the runtime (the meter), medians over the repetitions,
after WARMUP unmeasured calls of each case. DynamoDB requests and read units per call come from
the same meter and show why the time does not grow: each page is one Query of one page.
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import Bench, Bot, median, ratio
from bench.seed import seed_leads, seed_messages

REPS = 15
BLOCKS = 4
WARMUP = 3


def _measure(bench: Bench, token: str, path: str, reps: int) -> dict[str, Any]:
    bench.meter.reset()
    for _ in range(reps):
        bench.call("GET", path, token)
    snapshot = bench.meter.read()
    entry = next(e for tag, e in snapshot.items() if tag.startswith("GET "))
    n = entry["invocations"]
    return {"durations": entry["duration_ms"],
            "dynamodb_requests": sum(v for k, v in entry["requests"].items() if k.startswith("dynamodb.")) / n,
            "requests": {k: v / n for k, v in entry["requests"].items()}, "rru": entry["rru"] / n}


def _case(bench: Bench, token: str, path: str, reference: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """`path` and the reference request, in alternating blocks: (case, reference)."""
    for _ in range(WARMUP):
        bench.call("GET", path, token)
        bench.call("GET", reference, token)
    runs, references = [], []
    for _ in range(BLOCKS):
        runs.append(_measure(bench, token, path, REPS))
        references.append(_measure(bench, token, reference, REPS))
    return _merge(runs), _merge(references)


def _merge(runs: list[dict[str, Any]]) -> dict[str, Any]:
    durations = [d for run in runs for d in run["durations"]]
    return {"median_ms": round(median(durations), 2), "n": len(durations),
            "dynamodb_requests": runs[-1]["dynamodb_requests"], "requests": runs[-1]["requests"],
            "rru": round(runs[-1]["rru"], 2)}


def _pair(small: dict[str, Any], large: dict[str, Any], small_label: str, large_label: str) -> dict[str, Any]:
    return {small_label: small, large_label: large, "ratio": round(ratio(large["median_ms"], small["median_ms"]), 2)}


def _tick_once(bench: Bench, reps: int) -> dict[str, Any]:
    bench.meter.reset()
    for _ in range(reps):
        bench.meter.invoke("send_reminders")
    entry = bench.meter.read()["schedule send_reminders"]
    n = entry["invocations"]
    return {"durations": entry["duration_ms"],
            "dynamodb_requests": sum(v for k, v in entry["requests"].items() if k.startswith("dynamodb.")) / n,
            "requests": {k: v / n for k, v in entry["requests"].items()}, "rru": entry["rru"] / n}


def _tick(bench: Bench, token: str, reference: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The reminder tick (as the scheduler runs it, through the meter's /invoke) and the
    reference request, in alternating blocks: (tick, reference)."""
    for _ in range(WARMUP):
        bench.meter.invoke("send_reminders")
        bench.call("GET", reference, token)
    ticks, references = [], []
    for _ in range(BLOCKS):
        ticks.append(_tick_once(bench, REPS))
        references.append(_measure(bench, token, reference, REPS))
    return _merge(ticks), _merge(references)


def _normalized(small: tuple[dict[str, Any], dict[str, Any]], large: tuple[dict[str, Any], dict[str, Any]],
                small_label: str, large_label: str) -> dict[str, Any]:
    (case_small, reference_small), (case_large, reference_large) = small, large
    pair = _pair(case_small, case_large, small_label, large_label)
    pair["reference_ratio"] = round(ratio(reference_large["median_ms"], reference_small["median_ms"]), 2)
    pair["ratio_normalized"] = round(ratio(pair["ratio"], pair["reference_ratio"]), 2)
    return pair


CANNED_REPLIES = 20  # of the team's and of the operator's own, each


def _canned_replies(bench: Bench, token: str) -> None:
    admin = bench.admin_token()
    for n in range(CANNED_REPLIES):
        text = f"Hello {{{{name|there}}}}, reply {n} about {{{{plan|your plan}}}}."
        bench.call("POST", "/api/admin/canned-replies", admin, {"shortcut": f"team{n}", "text": text})
        bench.call("POST", "/api/canned-replies", token, {"shortcut": f"mine{n}", "text": text})


def measure_scaling(bench: Bench, log: Any = print, messages_large: int = 100_000, dialogs_large: int = 10_000,
                    leads_large: int = 10_000, canned_leads_large: int = 100_000) -> dict[str, Any]:
    prefix = bench.backends["table_prefix"]
    dynamodb = bench.dynamodb()
    bot_id, api_key = bench.create_bot("Scaling bot")
    bot = Bot(bench, api_key)
    token = bench.login("operator", bench.runtime.operator("operator")["password"])
    results: dict[str, Any] = {"reps": REPS * BLOCKS, "warmup_calls_per_case": WARMUP}

    # --- message pages: both dialogs at once, alternating blocks ------------------------------
    dialogs = {}
    for label, size in (("small", 100), ("large", messages_large)):
        ref = f"scale-{label}"
        lead = bot.lead(ref)
        bot.say(ref, "the first message")
        started = time.perf_counter()
        seed_messages(dynamodb, prefix, lead["id"], size)
        log(f"  seeded {size} messages in {time.perf_counter() - started:.1f} s")
        dialogs[label] = (lead["id"], size)
    for kind in ("newest", "deep"):
        paths = {}
        for label, (lead_id, size) in dialogs.items():
            paths[label] = (f"/api/dialogs/{lead_id}" if kind == "newest"
                            else f"/api/dialogs/{lead_id}/messages?before={size // 2}")
            for _ in range(WARMUP):
                bench.call("GET", paths[label], token)
        runs: dict[str, list[dict[str, Any]]] = {"small": [], "large": []}
        for _ in range(BLOCKS):
            for label in ("small", "large"):
                runs[label].append(_measure(bench, token, paths[label], REPS))
        pair = _pair(_merge(runs["small"]), _merge(runs["large"]), "100 messages", f"{messages_large:,} messages")
        results[f"message_page_{kind}"] = pair
        log(f"  message page ({kind}): {pair}")

    # --- tabs and the tick: before and after seeding ---------------------------------------------
    # The reference: the small dialog's newest page (one Query, the same size in both phases).
    reference = f"/api/dialogs/{dialogs['small'][0]}"
    template = bot.lead("scale-wait-template")
    bot.say("scale-wait-template", "waiting")
    bot.handoff("scale-wait-template")
    seed_leads(dynamodb, prefix, template["id"], bot_id, range(1, 10), _spread(leads_large))
    tick_small = _tick(bench, token, reference)
    seed_leads(dynamodb, prefix, template["id"], bot_id, range(10, 100), _spread(leads_large))
    tabs_small = {tab: _case(bench, token, f"/api/tabs/{tab}", reference) for tab in ("waiting", "all")}
    _canned_replies(bench, token)
    canned = f"/api/canned-replies?lead_id={template['id']}"
    canned_small = _case(bench, token, canned, reference)
    started = time.perf_counter()
    seed_leads(dynamodb, prefix, template["id"], bot_id, range(100, max(dialogs_large, leads_large)),
               _spread(leads_large))
    log(f"  seeded {max(dialogs_large, leads_large)} waiting leads in {time.perf_counter() - started:.1f} s")
    tabs_large = {tab: _case(bench, token, f"/api/tabs/{tab}", reference) for tab in ("waiting", "all")}
    tick_large = _tick(bench, token, reference)
    for tab in ("waiting", "all"):
        pair = _normalized(tabs_small[tab], tabs_large[tab], "100 dialogs", f"{dialogs_large:,} dialogs")
        results[f"tab_page_{tab}"] = pair
        log(f"  tab page ({tab}): ratio {pair['ratio_normalized']} (raw {pair['ratio']}, reference drift "
            f"{pair['reference_ratio']}), {pair['100 dialogs']['median_ms']} -> "
            f"{pair[f'{dialogs_large:,} dialogs']['median_ms']} ms, {pair['100 dialogs']['dynamodb_requests']} requests")
    pair = _normalized(tick_small, tick_large, "10 leads", f"{leads_large:,} leads")
    results["reminder_tick"] = pair
    log(f"  reminder tick: ratio {pair['ratio_normalized']} (raw {pair['ratio']}, reference drift "
        f"{pair['reference_ratio']}), {pair['10 leads']['dynamodb_requests']} requests")

    # --- the canned-reply page: 100 leads, then 100,000 ------------------------------------------
    seeded = max(dialogs_large, leads_large)
    if canned_leads_large > seeded:
        started = time.perf_counter()
        seed_leads(dynamodb, prefix, template["id"], bot_id, range(seeded, canned_leads_large), _spread(leads_large))
        log(f"  seeded {canned_leads_large - seeded} more leads in {time.perf_counter() - started:.1f} s")
    canned_large = _case(bench, token, canned, reference)
    pair = _normalized(canned_small, canned_large, "100 leads", f"{max(seeded, canned_leads_large):,} leads")
    results["canned_reply_page"] = pair
    log(f"  canned-reply page: ratio {pair['ratio_normalized']} (raw {pair['ratio']}, reference drift "
        f"{pair['reference_ratio']}), {pair['100 leads']['dynamodb_requests']} requests")
    return results


def _spread(total: int) -> Any:
    """Seeded leads entered Waiting 1 to 3 hours ago: long escalated, as in a steady state."""
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    return lambda i: now - timedelta(hours=1) - timedelta(seconds=7200 * i / max(1, total))
