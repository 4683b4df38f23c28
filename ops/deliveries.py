"""Webhook deliveries from a terminal: list the dead letters, show one, replay them.

    python -m ops.deliveries --stage prod list [--bot bot_xxx] [--limit 50] [--cursor C]
    python -m ops.deliveries --stage prod show evt_xxx
    python -m ops.deliveries --stage prod replay evt_xxx [evt_yyy ...]
    python -m ops.deliveries --stage prod replay --all [--bot bot_xxx]
    python -m ops.deliveries --stage prod queue ld_xxx      (what a lead still has to deliver)

A replay puts the event back at the end of its lead's queue with the same event id (the
bot dedupes on `webhook-id`); the delivery function sends it within a minute. Replaying is
refused while the bot's webhook is disabled (a 410): set its URL again first
(`PATCH /api/admin/bots/{id}` with `webhook_url`).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from chalicelib.domain.errors import DomainError
from chalicelib.observability import render_each
from chalicelib.storage.deliveries import DeliveryModel
from chalicelib.text import dumps
from chalicelib.webhooks.dead_letters import MAX_PAGE, dead_letter_view
from ops.config import add_target_arguments, apply_target


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m ops.deliveries", description=__doc__.split("\n\n")[0])
    add_target_arguments(root)
    commands = root.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="dead letters, newest first")
    listing.add_argument("--bot", dest="bot_id")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--cursor")
    show = commands.add_parser("show", help="one dead letter with its payload")
    show.add_argument("letter_id")
    replay = commands.add_parser("replay", help="send dead letters again")
    replay.add_argument("letter_ids", nargs="*")
    replay.add_argument("--all", action="store_true", help="every dead letter (of --bot, if given), oldest first")
    replay.add_argument("--bot", dest="bot_id")
    queue = commands.add_parser("queue", help="a lead's deliveries not yet finished")
    queue.add_argument("lead_id")
    return root


def _queue_view(item: DeliveryModel) -> dict[str, Any]:
    return {
        "position": item.position,
        "bot_id": item.bot_id,
        "events": [{"id": e.id, "type": e.type} for e in item.events],
        "done": int(item.done),
        "attempts": int(item.attempts),
        "next_attempt_at": item.next_attempt_at,
        "last_status": int(item.last_status) if item.last_status is not None else None,
        "last_error": item.last_error,
    }


def run(argv: list[str]) -> Any:
    args = parser().parse_args(argv)
    services = apply_target(args)
    letters = services.webhooks.dead_letters
    if args.command == "list":
        items, cursor = letters.list(limit=max(1, min(MAX_PAGE, args.limit)), cursor=args.cursor, bot_id=args.bot_id)
        return {"items": render_each(items, dead_letter_view, "dead letter"), "next_cursor": cursor}
    if args.command == "show":
        return dead_letter_view(letters.get(args.letter_id))
    if args.command == "replay":
        if args.all == bool(args.letter_ids):
            raise SystemExit("name the dead letters to replay, or --all (not both)")
        if args.all:
            return {"replayed": [letter.id for letter in letters.replay_all(bot_id=args.bot_id)]}
        return {"replayed": [letters.replay(letter_id).id for letter_id in args.letter_ids]}
    return {"items": [_queue_view(item) for item in DeliveryModel.query(args.lead_id, consistent_read=True)]}


def main(argv: list[str] | None = None) -> int:
    try:
        result = run(sys.argv[1:] if argv is None else argv)
    except DomainError as error:
        print(json.dumps({"error": {"code": error.code, "message": error.message, "details": error.details}},
                         default=str), file=sys.stderr)
        return 2
    print(dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
