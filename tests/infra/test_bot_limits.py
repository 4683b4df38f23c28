"""The per-bot limit in the synthesized template (infra/bot_limits.py): the bots' usage plan on
the API's stage, the API keys taken from the authorizer, the authorizer on every bot route (and
on nothing else), API Gateway's refusals in the app's JSON error shape, and the REST function's
setting and rights to keep the keys in step."""

from __future__ import annotations

import json

import pytest

from chalicelib.api.bot_authorizer import BOT_KEY_CACHE_SECONDS
from chalicelib.api.rate_limits import Limit
from infra.bot_limits import throttled_body
from infra.stages import stage_named

from .conftest import render
from .test_stack import role_policy


def _body(synth) -> dict:
    return synth.resources["RestAPI"]["Properties"]["DefinitionBody"]


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_bots_usage_plan_throttles_each_key_on_the_apis_stage(synth, synth_prod, stage):
    built = synth if stage == "dev" else synth_prod
    settings = stage_named(stage)
    (_, plan), = [(k, v) for k, v in built.of_type("AWS::ApiGateway::UsagePlan").items()]
    properties = plan["Properties"]
    assert properties["UsagePlanName"] == f"handover-{stage}-bots" == settings.bot_usage_plan_name
    assert properties["ApiStages"] == [{"ApiId": {"Ref": "RestAPI"}, "Stage": {"Ref": "RestAPI.Stage"}}]
    limit = Limit.parse(settings.rate_limit_bot)
    assert properties["Throttle"] == {"RateLimit": limit.rate, "BurstLimit": limit.burst}
    # One noisy bot takes at most a quarter of any method's stage throttle.
    method = built.resources["RestAPI"]["Properties"]["MethodSettings"][0]
    assert method["ResourcePath"] == "/*" and method["HttpMethod"] == "*"
    assert 4 * limit.rate <= method["ThrottlingRateLimit"] and 4 * limit.burst <= method["ThrottlingBurstLimit"]
    assert "Quota" not in properties  # a throttle, not a monthly allowance


def test_api_keys_come_from_the_authorizer_and_it_guards_every_bot_route_and_nothing_else(synth):
    body = _body(synth)
    assert body["x-amazon-apigateway-api-key-source"] == "AUTHORIZER"
    definition = body["securityDefinitions"]["BotKey"]
    assert definition["type"] == "apiKey" and definition["name"] == "Authorization"
    authorizer = definition["x-amazon-apigateway-authorizer"]
    assert authorizer["type"] == "token" and authorizer["authorizerResultTtlInSeconds"] == BOT_KEY_CACHE_SECONDS
    assert "${BotKeyAuthorizer.Arn}" in authorizer["authorizerUri"]["Fn::Sub"]
    guarded, open_ = [], []
    for path, methods in body["paths"].items():
        for method, operation in methods.items():
            if method == "options":
                continue
            (guarded if operation.get("security") else open_).append((path, method))
            if operation.get("security"):
                assert operation["security"] == [{"BotKey": []}, {"api_key": []}]
    assert sorted(guarded) == [
        ("/bot/v1/leads/{lead_ref}", "get"), ("/bot/v1/leads/{lead_ref}", "put"),
        ("/bot/v1/leads/{lead_ref}/handoff", "post"), ("/bot/v1/leads/{lead_ref}/messages", "post"),
        ("/bot/v1/uploads", "post")]
    assert ("/bot/v1/openapi.json", "get") in open_
    assert all(not path.startswith("/bot/") for path, _ in open_ if path != "/bot/v1/openapi.json")


def test_the_authorizer_is_its_own_small_function_api_gateway_may_call(synth):
    function = synth.functions["BotKeyAuthorizer"]["Properties"]
    assert function["Handler"] == "app.bot_key_authorizer"
    assert function["Timeout"] == 5
    permissions = [p["Properties"] for p in synth.of_type("AWS::Lambda::Permission").values()
                   if p["Properties"]["FunctionName"] == {"Ref": "BotKeyAuthorizer"}]
    assert len(permissions) == 1
    assert permissions[0]["Principal"] == "apigateway.amazonaws.com"
    assert render(permissions[0]["SourceArn"]).endswith("{RestAPI}/authorizers/*")


def test_the_gateways_refusals_answer_the_apps_error_shape(synth):
    responses = _body(synth)["x-amazon-apigateway-gateway-responses"]
    throttled = responses["THROTTLED"]
    assert throttled["statusCode"] == "429"
    assert throttled["responseParameters"]["gatewayresponse.header.Retry-After"] == "'1'"
    assert json.loads(throttled["responseTemplates"]["application/json"]) == throttled_body(1)
    for name, status, code in (("INVALID_API_KEY", "401", "unauthorized"), ("UNAUTHORIZED", "401", "unauthorized"),
                               ("ACCESS_DENIED", "403", "forbidden")):
        assert responses[name]["statusCode"] == status
        assert json.loads(responses[name]["responseTemplates"]["application/json"])["error"]["code"] == code


def test_every_function_knows_the_plan_and_only_the_rest_function_may_change_keys(synth):
    for function in synth.functions.values():
        assert function["Properties"]["Environment"]["Variables"]["HANDOVER_BOT_USAGE_PLAN"] == "handover-dev-bots"
    may_change = [name for name in synth.functions if any(
        str(statement["Action"]).count("apigateway:") for statement in role_policy(synth, name))]
    assert may_change == ["APIHandler"]
    actions = {a for policy in synth.of_type("AWS::IAM::Policy").values()
               for statement in policy["Properties"]["PolicyDocument"]["Statement"]
               for a in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
               if a.startswith("apigateway:")}
    assert actions == {"apigateway:GET", "apigateway:POST", "apigateway:PATCH", "apigateway:DELETE"}
