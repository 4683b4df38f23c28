"""Manage bots from a terminal: create one (its API key and webhook secret are printed
once), list them, rotate a key or a webhook secret, enable or disable one.

    python -m ops.bots --stage prod create --name "Support bot" --webhook-url https://bot.example.com/hook
    python -m ops.bots --stage prod list
    python -m ops.bots --stage prod rotate-key bot_xxxxxxxx
    python -m ops.bots --stage prod sync-gateway-keys   # once, after the first deploy with per-bot limits
    python -m ops.bots --endpoint-url http://127.0.0.1:8001 --table-prefix handover-local- list
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from chalicelib.api.admin_bodies import check_bot_fields
from chalicelib.domain.errors import DomainError
from chalicelib.observability import render_each
from chalicelib.text import dumps
from chalicelib.views import bot_view
from ops.config import add_target_arguments, apply_target


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m ops.bots", description=__doc__.split("\n\n")[0])
    add_target_arguments(root)
    commands = root.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a bot; prints its API key and webhook secret once")
    create.add_argument("--name", required=True)
    create.add_argument("--webhook-url")
    create.add_argument("--return-script", action="append", default=None, metavar="TEXT",
                        help="a message of the Return script (repeat for several)")
    create.add_argument("--operator-transfer-script", action="append", default=None, metavar="TEXT",
                        help="a message of the Transfer-to-operator script (repeat for several)")
    commands.add_parser("list", help="list every bot")
    commands.add_parser("sync-gateway-keys", help="give every bot its API Gateway key (per-bot limit) from the table")
    for name, text in (("rotate-key", "issue a new API key; the old one stops working at once"),
                       ("rotate-webhook-secret", "a new webhook signing secret; the old one keeps signing too"),
                       ("enable", "let the bot call the API again"),
                       ("disable", "refuse the bot's API key")):
        command = commands.add_parser(name, help=text)
        command.add_argument("bot_id")
    return root


def run(argv: list[str]) -> dict[str, Any] | list[dict[str, Any]]:
    args = parser().parse_args(argv)
    services = apply_target(args)
    local = services.settings.is_local
    bots = services.bots
    if args.command == "create":
        body: dict[str, Any] = {"name": args.name}
        if args.webhook_url:
            body["webhook_url"] = args.webhook_url
        scripts = {}
        if args.return_script:
            scripts["return"] = args.return_script
        if args.operator_transfer_script:
            scripts["operator_transfer"] = args.operator_transfer_script
        if scripts:
            body["scripts"] = scripts
        bot, secrets = bots.create(check_bot_fields(body, creating=True, local=local))
        return {"bot": bot_view(bot), "api_key": secrets.api_key, "webhook_secret": secrets.webhook_secret}
    if args.command == "list":
        return render_each(bots.list(), bot_view, "bot")
    if args.command == "sync-gateway-keys":
        return {"bots": bots.sync_gateway_keys()}
    if args.command == "rotate-key":
        bot, secrets = bots.rotate_key(args.bot_id)
        return {"bot": bot_view(bot), "api_key": secrets.api_key}
    if args.command == "rotate-webhook-secret":
        bot, secrets = bots.rotate_webhook_secret(args.bot_id)
        return {"bot": bot_view(bot), "webhook_secret": secrets.webhook_secret}
    bot = bots.update(args.bot_id, {"enabled": args.command == "enable"})
    return {"bot": bot_view(bot)}


def main(argv: list[str] | None = None) -> int:
    try:
        result = run(sys.argv[1:] if argv is None else argv)
    except DomainError as error:
        print(json.dumps({"error": {"code": error.code, "message": error.message, "details": error.details}}),
              file=sys.stderr)
        return 2
    # text.dumps: a bot name stored with a lone surrogate prints as U+FFFD, not a crash.
    print(dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
