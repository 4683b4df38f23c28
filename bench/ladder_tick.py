"""The per-minute tick with the escalation ladder: flat from 10 to 10,000 waiting dialogs
(issue #19: ≤ 1.2×). Part of `scaling` in `make bench` (the "per-minute tick (reminders +
escalation ladder)" row); alone and at a smaller size:

    .venv/bin/python -m bench.ladder_tick --leads 1000

The waiting leads are copies of a real waiting lead (bench/seed.py), each in the wait-clock
index with its wait begun 1 to 3 hours ago (past every rung, as in a steady state). The tick
is measured through the meter (the handler the scheduler calls), in blocks alternating with a
reference request whose own ratio is the machine's drift between the two sizes.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from bench.common import Bench, Bot
from bench.scaling import _normalized, _spread, _tick
from bench.seed import seed_leads


def measure_ladder_tick(bench: Bench, log: Any = print, leads_small: int = 10, leads_large: int = 10_000) -> dict[str, Any]:
    prefix = bench.backends["table_prefix"]
    dynamodb = bench.dynamodb()
    bot_id, api_key = bench.create_bot("Ladder bot")
    bot = Bot(bench, api_key)
    token = bench.login("operator", bench.runtime.operator("operator")["password"])
    reference_lead = bot.lead("ladder-reference")
    bot.say("ladder-reference", "a reference dialog")
    reference = f"/api/dialogs/{reference_lead['id']}"
    template = bot.lead("ladder-template")["id"]
    bot.say("ladder-template", "waiting")
    bot.handoff("ladder-template")
    seed_leads(dynamodb, prefix, template, bot_id, range(1, leads_small), _spread(leads_large))
    small = _tick(bench, token, reference)
    seed_leads(dynamodb, prefix, template, bot_id, range(leads_small, leads_large), _spread(leads_large))
    large = _tick(bench, token, reference)
    pair = _normalized(small, large, f"{leads_small:,} leads", f"{leads_large:,} leads")
    few, many = pair[f"{leads_small:,} leads"], pair[f"{leads_large:,} leads"]
    log(f"  ladder tick: ratio {pair['ratio_normalized']} (raw {pair['ratio']}, reference drift "
        f"{pair['reference_ratio']}), {few['median_ms']} -> {many['median_ms']} ms, "
        f"{few['dynamodb_requests']} -> {many['dynamodb_requests']} requests")
    return pair


def main(argv: list[str] | None = None) -> int:
    from bench.common import bench_runtime

    parser = argparse.ArgumentParser(prog="python -m bench.ladder_tick")
    parser.add_argument("--leads", type=int, default=10_000, help="the large size (the small one is 10)")
    args = parser.parse_args(argv)
    with bench_runtime() as bench:
        pair = measure_ladder_tick(bench, leads_large=args.leads)
    print(json.dumps(pair, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
