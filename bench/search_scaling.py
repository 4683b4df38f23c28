"""Search pages flat from 100 to many leads: a name-prefix page and a tag page, each one Query
on the search table plus one BatchGetItem of the page's rows, measured with 100 leads and
again after seeding `leads_large` (the same method as `scaling.py`: alternating blocks with a
reference request whose own ratio says how much the machine drifted between the phases).

    .venv/bin/python -m bench.search_scaling [--leads 100000]

`make bench` runs it as the part `search` of `bench.run`.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from bench.common import Bench, Bot, bench_runtime
from bench.scaling import _case, _normalized, _spread
from bench.seed import seed_leads, seed_search_terms

TAG = "seeded"
PATHS = {"search_name_prefix": "/api/search?q=seeded%20lead&limit=30",
         "search_tag": f"/api/search?q=%23{TAG}&limit=30"}


def measure_search(bench: Bench, log: Any = print, leads_large: int = 100_000) -> dict[str, Any]:
    prefix = bench.backends["table_prefix"]
    dynamodb = bench.dynamodb()
    bot_id, api_key = bench.create_bot("Search bot")
    bot = Bot(bench, api_key)
    token = bench.login("operator", bench.runtime.operator("operator")["password"])
    reference_lead = bot.lead("search-reference")
    bot.say("search-reference", "hello")
    reference = f"/api/dialogs/{reference_lead['id']}"
    template = bot.lead("search-template")
    results: dict[str, Any] = {}

    seed_leads(dynamodb, prefix, template["id"], bot_id, range(0, 100), _spread(leads_large))
    seed_search_terms(dynamodb, prefix, bot_id, range(0, 100), TAG)
    small = {name: _case(bench, token, path, reference) for name, path in PATHS.items()}
    started = time.perf_counter()
    seed_leads(dynamodb, prefix, template["id"], bot_id, range(100, leads_large), _spread(leads_large))
    seed_search_terms(dynamodb, prefix, bot_id, range(100, leads_large), TAG)
    log(f"  seeded {leads_large:,} leads and their search items in {time.perf_counter() - started:.1f} s")
    large = {name: _case(bench, token, path, reference) for name, path in PATHS.items()}
    for name in PATHS:
        pair = _normalized(small[name], large[name], "100 leads", f"{leads_large:,} leads")
        results[name] = pair
        log(f"  {name}: ratio {pair['ratio_normalized']} (raw {pair['ratio']}, reference drift "
            f"{pair['reference_ratio']}), {pair['100 leads']['median_ms']} -> "
            f"{pair[f'{leads_large:,} leads']['median_ms']} ms, requests {pair['100 leads']['requests']} -> "
            f"{pair[f'{leads_large:,} leads']['requests']}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search_scaling", description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000, help="the large data set (default 100,000)")
    args = parser.parse_args(argv)
    with bench_runtime() as bench:
        print(json.dumps(measure_search(bench, leads_large=args.leads), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
