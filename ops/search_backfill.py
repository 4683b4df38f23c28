"""Give leads stored before search their search items and All-tab filter keys (once, after the
deploy that adds the `search` table and the `by-state`, `by-bot`, `by-bot-state` indexes).

    python -m ops.search_backfill --stage prod
    python -m ops.search_backfill --endpoint-url http://127.0.0.1:8001 --table-prefix handover-local-

It reads the leads table with a paged Scan: an ops command run once from an ops machine, never
code in Lambda (where every read is a Query). Safe to run again, and while the app serves:
the terms are idempotent puts, and a lead whose dialog moves meanwhile is read again (its
transition already wrote the keys). docs/runbook.md, "Search and filter backfill".
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable

from chalicelib.storage.models import LeadModel
from chalicelib.storage.search import index_lead
from ops.config import add_target_arguments, apply_target

PAGE = 100


def all_leads() -> Iterable[LeadModel]:
    return LeadModel.scan(page_size=PAGE)


def backfill(leads: Iterable[LeadModel], tab_shards: int, reread: Callable[[str], LeadModel | None],
             index: Callable[[LeadModel, int], bool] = index_lead) -> int:
    """Index every lead; answer how many were indexed."""
    done = 0
    for lead in leads:
        current: LeadModel | None = lead
        for _ in range(10):
            if current is None or index(current, tab_shards):
                break
            current = reread(lead.id)
        done += 1
    return done


def main(argv: list[str] | None = None) -> int:
    root = argparse.ArgumentParser(prog="python -m ops.search_backfill", description=__doc__.split("\n\n")[0])
    add_target_arguments(root)
    args = root.parse_args(argv)
    services = apply_target(args)
    count = backfill(all_leads(), services.settings.tab_shards, services.store.get_lead)
    print(f"indexed {count} leads", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
