"""The ops command for bots, against moto's DynamoDB (the same code path as AWS tables)."""

from __future__ import annotations

import json

from chalicelib.domain.credentials import key_matches, parse_api_key
from chalicelib.storage.models import BotModel
from ops import bots as ops_bots


def run(capsys, *argv):
    code = ops_bots.main(["--table-prefix", "test-", *argv])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out else None), err


def test_create_prints_the_key_once_and_stores_only_its_hash(aws, capsys):
    code, created, _ = run(capsys, "create", "--name", "Support bot", "--webhook-url", "https://bot.example.com/h",
                           "--return-script", "Bot is back", "--operator-transfer-script", "An operator joined")
    assert code == 0
    bot = BotModel.get(created["bot"]["id"])
    key = parse_api_key(created["api_key"])
    assert key.bot_id == bot.id and key_matches(key, bot.api_key_hash)
    assert created["api_key"] not in json.dumps(bot.attribute_values, default=str)
    assert created["webhook_secret"].startswith("whsec_")
    assert bot.return_script == ["Bot is back"] and bot.operator_transfer_script == ["An operator joined"]

    code, listed, _ = run(capsys, "list")
    assert [b["name"] for b in listed] == ["Support bot"]
    assert "api_key" not in listed[0] and listed[0]["api_key_hint"].endswith(key.hint)


def test_rotate_disable_enable(aws, capsys):
    _, created, _ = run(capsys, "create", "--name", "B")
    bot_id = created["bot"]["id"]
    _, rotated, _ = run(capsys, "rotate-key", bot_id)
    assert rotated["api_key"] != created["api_key"]
    assert key_matches(parse_api_key(rotated["api_key"]), BotModel.get(bot_id).api_key_hash)
    assert not key_matches(parse_api_key(created["api_key"]), BotModel.get(bot_id).api_key_hash)
    _, secret, _ = run(capsys, "rotate-webhook-secret", bot_id)
    stored = BotModel.get(bot_id)
    assert stored.webhook_secret == secret["webhook_secret"]
    assert stored.webhook_secret_previous == created["webhook_secret"]
    run(capsys, "disable", bot_id)
    assert BotModel.get(bot_id).enabled is False
    run(capsys, "enable", bot_id)
    assert BotModel.get(bot_id).enabled is True


def test_errors_are_clear(aws, capsys):
    code, _, err = run(capsys, "rotate-key", "bot_nope")
    assert code == 2 and json.loads(err)["error"]["code"] == "bot_not_found"
    code, _, err = run(capsys, "create", "--name", "X", "--webhook-url", "ftp://x")
    assert code == 2 and "webhook_url" in json.loads(err)["error"]["details"]["fields"]
