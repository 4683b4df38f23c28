"""Each bot's API Gateway key follows the bot (chalicelib/adapters/gateway_keys.py, against
moto's API Gateway): created with the bot, replaced when its key is rotated, disabled and
enabled with it; the key's value is the hash the bots table stores, which is what the
authorizer names; DynamoDB sees exactly the requests it saw without the keys."""

from __future__ import annotations

import boto3
import pytest

from chalicelib.domain.credentials import parse_api_key
from chalicelib.storage.models import BotModel
from tests.conftest import make_bot

PLAN = "handover-test-bots"


@pytest.fixture
def apigateway(aws):
    return boto3.client("apigateway", region_name="us-east-1")


@pytest.fixture
def plan_id(apigateway):
    apigateway.create_usage_plan(name="someone-elses-plan")
    return apigateway.create_usage_plan(name=PLAN, throttle={"rateLimit": 100, "burstLimit": 300})["id"]


@pytest.fixture
def keyed_services(aws, plan_id, monkeypatch):
    from chalicelib import bootstrap

    monkeypatch.setenv("HANDOVER_BOT_USAGE_PLAN", PLAN)
    bootstrap.reset()
    return bootstrap.services()


def keys_of(apigateway, bot_id: str) -> list[dict]:
    return [k for k in apigateway.get_api_keys(includeValues=True)["items"] if k["name"] == bot_id]


def plan_key_ids(apigateway, plan_id: str) -> set[str]:
    return {k["id"] for k in apigateway.get_usage_plan_keys(usagePlanId=plan_id)["items"]}


def test_a_new_bot_gets_an_enabled_key_in_the_bots_plan_valued_by_its_key_hash(keyed_services, apigateway, plan_id):
    bot = make_bot(keyed_services)
    (key,) = keys_of(apigateway, bot.id)
    secret = parse_api_key(bot.api_key)
    assert key["value"] == secret.hash == BotModel.get(bot.id).api_key_hash
    assert key["enabled"] is True and key["value"] != bot.api_key  # the secret itself never leaves
    assert plan_key_ids(apigateway, plan_id) == {key["id"]}
    other_plan = next(p for p in apigateway.get_usage_plans()["items"] if p["name"] != PLAN)
    assert apigateway.get_usage_plan_keys(usagePlanId=other_plan["id"])["items"] == []


def test_rotating_the_key_replaces_the_gateway_key_so_the_old_one_stops_at_the_gateway(keyed_services, apigateway,
                                                                                     plan_id):
    bot = make_bot(keyed_services)
    other = make_bot(keyed_services, name="Other bot")
    (old,) = keys_of(apigateway, bot.id)
    _, secrets = keyed_services.bots.rotate_key(bot.id)
    (new,) = keys_of(apigateway, bot.id)
    assert new["id"] != old["id"] and new["value"] == parse_api_key(secrets.api_key).hash != old["value"]
    assert plan_key_ids(apigateway, plan_id) == {new["id"], keys_of(apigateway, other.id)[0]["id"]}


def test_disabling_and_enabling_the_bot_disables_and_enables_its_key(keyed_services, apigateway):
    bot = make_bot(keyed_services)
    other = make_bot(keyed_services, name="Other bot")
    keyed_services.bots.update(bot.id, {"enabled": False})
    assert [k["enabled"] for k in keys_of(apigateway, bot.id)] == [False]
    assert [k["enabled"] for k in keys_of(apigateway, other.id)] == [True]
    keyed_services.bots.rotate_key(bot.id)  # a disabled bot's new key stays disabled
    assert [k["enabled"] for k in keys_of(apigateway, bot.id)] == [False]
    keyed_services.bots.update(bot.id, {"enabled": True})
    assert [k["enabled"] for k in keys_of(apigateway, bot.id)] == [True]
    keyed_services.bots.update(bot.id, {"name": "Renamed"})  # no enabled field: the key is left alone
    assert [k["enabled"] for k in keys_of(apigateway, bot.id)] == [True]


def test_sync_rebuilds_every_bots_key_from_the_table(keyed_services, apigateway, plan_id):
    first, second = make_bot(keyed_services), make_bot(keyed_services, name="Second")
    keyed_services.bots.update(second.id, {"enabled": False})
    for key in apigateway.get_api_keys()["items"]:  # someone deleted them in the console
        apigateway.delete_usage_plan_key(usagePlanId=plan_id, keyId=key["id"])  # AWS does this with the key
        apigateway.delete_api_key(apiKey=key["id"])
    assert keyed_services.bots.sync_gateway_keys() == 2
    assert [(k["value"], k["enabled"]) for k in keys_of(apigateway, first.id)] == [
        (parse_api_key(first.api_key).hash, True)]
    assert [k["enabled"] for k in keys_of(apigateway, second.id)] == [False]
    assert len(plan_key_ids(apigateway, plan_id)) == 2


def test_the_keys_cost_no_dynamodb_request(aws, plan_id, monkeypatch):
    from chalicelib import bootstrap

    def dynamodb_requests_of_each_operation() -> list[list[str]]:
        services = bootstrap.services()
        counts = []
        aws.clear()
        bot = make_bot(services)
        counts.append(aws.dynamodb())
        for change in (lambda: services.bots.rotate_key(bot.id),
                       lambda: services.bots.update(bot.id, {"enabled": False})):
            aws.clear()
            change()
            counts.append(aws.dynamodb())
        return counts

    without = dynamodb_requests_of_each_operation()
    monkeypatch.setenv("HANDOVER_BOT_USAGE_PLAN", PLAN)
    bootstrap.reset()
    with_keys = dynamodb_requests_of_each_operation()
    assert with_keys == without and all(without)
    assert any(service == "apigateway" for service, _ in aws.calls)


def test_without_a_usage_plan_no_api_gateway_call_is_made(services, aws):
    make_bot(services)
    assert not [call for call in aws.calls if call[0] == "apigateway"]


def test_the_ops_command_syncs_the_keys_of_the_stage(keyed_services, apigateway, plan_id):
    from ops.bots import run
    from ops.config import apply_target

    bot = make_bot(keyed_services)
    apigateway.delete_usage_plan_key(usagePlanId=plan_id, keyId=keys_of(apigateway, bot.id)[0]["id"])
    apigateway.delete_api_key(apiKey=keys_of(apigateway, bot.id)[0]["id"])
    assert run(["sync-gateway-keys"]) == {"bots": 1}
    assert [k["value"] for k in keys_of(apigateway, bot.id)] == [parse_api_key(bot.api_key).hash]
    # --stage names the stage's plan too (infra/stages.py Stage.bot_usage_plan_name).
    import argparse
    import os

    apply_target(argparse.Namespace(stage="prod", table_prefix="test-", region=None, endpoint_url=None))
    assert os.environ["HANDOVER_BOT_USAGE_PLAN"] == "handover-prod-bots"
