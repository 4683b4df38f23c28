"""Per-bot request limits that hold across Lambda containers (docs/security.md, "Per-bot
limits"): an API Gateway usage plan with one API key per bot, the key named per request by a
Lambda authorizer (chalicelib/api/bot_authorizer.py) through `usageIdentifierKey`, with the
REST API's API key source set to AUTHORIZER. Bots keep sending only `Authorization: Bearer <key>`.

Here, on Chalice's template:
- the bot routes (every `/bot/v1/...` method but the public OpenAPI document) get the
  authorizer and require an API key; the other routes are untouched;
- the bots' usage plan (per-key rate and burst from the stage) on the API's stage;
- API Gateway's own refusals on those paths (THROTTLED, INVALID_API_KEY, UNAUTHORIZED,
  ACCESS_DENIED) answer the app's JSON error body, THROTTLED with `Retry-After`;
- API Gateway may call the authorizer; the REST function may keep the bots' API keys in step
  (create, rotate, enable, disable: chalicelib/adapters/gateway_keys.py).

The stage's own throttle (MethodSettings in infra/functions.py) applies per method; `check_limits`
keeps one bot's plan well under it, so one noisy bot cannot use a method up for the others.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aws_cdk import Aws
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from chalicelib.api.bot_authorizer import BOT_KEY_CACHE_SECONDS
from chalicelib.api.rate_limits import Limit
from infra.access import FUNCTIONS
from infra.nag import suppress_wildcard_resources
from infra.stages import Stage

if TYPE_CHECKING:
    from infra.functions import HandoverFunctions

AUTHORIZER_FUNCTION = "BotKeyAuthorizer"
SECURITY_NAME = "BotKey"
# What the gateway says after a throttle: a static template, so one second (the token bucket
# refills `rate` tokens per second; the app's own answer says the same for rates of 1/s and up).
RETRY_AFTER_SECONDS = 1
# A bot may take at most this share of any method's stage throttle, rate and burst alike.
MAX_SHARE_OF_STAGE = 0.25
# The public OpenAPI document needs no key (tools fetch it before they have one).
PUBLIC_BOT_PATHS = ("/bot/v1/openapi.json",)


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The app's error shape (chalicelib/api/http.py), for what API Gateway answers itself."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"error": error}


def throttled_body(retry_after: int) -> dict[str, Any]:
    """What RateLimited answers in the app, and the gateways (AWS's and the local one) too."""
    return error_body("rate_limited", f"too many requests; retry in {retry_after} s",
                      {"retry_after_seconds": retry_after})


# API Gateway's refusals that a bot (or anyone) can meet on the REST API, in the app's shape.
GATEWAY_RESPONSES: dict[str, dict[str, Any]] = {
    # Over the bot's usage plan, or over the stage's throttle for a method.
    "THROTTLED": {"status": 429, "body": throttled_body(RETRY_AFTER_SECONDS),
                  "headers": {"Retry-After": str(RETRY_AFTER_SECONDS)}},
    # The authorizer named no enabled key of the plan: a wrong, rotated or disabled bot key.
    # 401 with the app's words for a wrong key (chalicelib/services/dialogs.py verify_bot: never
    # say which of wrong, unknown, rotated or disabled); API Gateway's default would be a 403.
    "INVALID_API_KEY": {"status": 401, "body": error_body("unauthorized", "the API key is not valid")},
    # No Authorization header on a bot route: API Gateway does not call the authorizer.
    "UNAUTHORIZED": {"status": 401, "body": error_body(
        "unauthorized", "send the bot's API key as Authorization: Bearer <key>")},
    "ACCESS_DENIED": {"status": 403, "body": error_body("forbidden", "this key may not call this route")},
}


def check_limits(stage: Stage) -> Limit:
    """The bots' per-key limit, and that it leaves room for other bots on every method."""
    limit = Limit.parse(stage.rate_limit_bot)
    if limit is None:
        raise ValueError(f"stage {stage.name}: rate_limit_bot must be rate/burst (the usage plan needs one)")
    if limit.rate > stage.api_rate_limit * MAX_SHARE_OF_STAGE or limit.burst > stage.api_burst_limit * MAX_SHARE_OF_STAGE:
        raise ValueError(f"stage {stage.name}: a bot's limit {stage.rate_limit_bot} is over "
                         f"{MAX_SHARE_OF_STAGE:.0%} of the stage's throttle {stage.api_rate_limit}/{stage.api_burst_limit}; "
                         "one noisy bot could use a method up for the others")
    return limit


def gateway_responses() -> dict[str, Any]:
    return {
        name: {
            "statusCode": str(response["status"]),
            "responseParameters": {f"gatewayresponse.header.{header}": f"'{value}'"
                                   for header, value in response.get("headers", {}).items()},
            "responseTemplates": {"application/json": json.dumps(response["body"], separators=(",", ":"))},
        }
        for name, response in GATEWAY_RESPONSES.items()
    }


def bot_methods(template: dict[str, Any]) -> list[tuple[str, str]]:
    """(path, method) of every bot route the authorizer guards, from Chalice's OpenAPI body."""
    paths = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    return [(path, method) for path, methods in sorted(paths.items())
            if path.startswith("/bot/") and path not in PUBLIC_BOT_PATHS
            for method in sorted(methods) if method != "options"]


def wire_bot_limits(functions: HandoverFunctions, template: dict[str, Any]) -> apigateway.CfnUsagePlan:
    stage = functions.stage
    limit = check_limits(stage)
    rest = functions.resource("RestAPI")
    authorizer = functions.resource(AUTHORIZER_FUNCTION)
    body = "DefinitionBody"
    # Only the authorizer's usageIdentifierKey counts; an `x-api-key` header is ignored.
    rest.add_property_override(f"{body}.x-amazon-apigateway-api-key-source", "AUTHORIZER")
    rest.add_property_override(f"{body}.x-amazon-apigateway-gateway-responses", gateway_responses())
    rest.add_property_override(f"{body}.securityDefinitions.{SECURITY_NAME}", {
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        "x-amazon-apigateway-authtype": "custom",
        "x-amazon-apigateway-authorizer": {
            "type": "token",
            "authorizerUri": {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/"
                                         f"functions/${{{AUTHORIZER_FUNCTION}.Arn}}/invocations"},
            # Cached per Authorization value: one authorizer call per bot key every five minutes.
            "authorizerResultTtlInSeconds": BOT_KEY_CACHE_SECONDS,
        },
    })
    rest.add_property_override(f"{body}.securityDefinitions.api_key",
                               {"type": "apiKey", "name": "x-api-key", "in": "header"})
    for path, method in bot_methods(template):
        rest.add_property_override(f"{body}.paths.{path}.{method}.security", [{SECURITY_NAME: []}, {"api_key": []}])

    plan = apigateway.CfnUsagePlan(
        functions, "BotUsagePlan",
        usage_plan_name=stage.bot_usage_plan_name,
        description="Handover bots: one API key per bot (its value is the SHA-256 of the bot key's secret); "
                    "the throttle applies to each key",
        # SAM resolves `<Api>.Stage` to the stage it creates, and orders the plan after it.
        api_stages=[apigateway.CfnUsagePlan.ApiStageProperty(api_id=rest.ref, stage="RestAPI.Stage")],
        throttle=apigateway.CfnUsagePlan.ThrottleSettingsProperty(rate_limit=limit.rate, burst_limit=int(limit.burst)),
    )
    plan.add_property_override("ApiStages.0.Stage", {"Ref": "RestAPI.Stage"})

    lambda_.CfnPermission(
        functions, "BotKeyAuthorizerInvoke",
        action="lambda:InvokeFunction",
        function_name=authorizer.ref,
        principal="apigateway.amazonaws.com",
        source_arn=f"arn:{Aws.PARTITION}:execute-api:{Aws.REGION}:{Aws.ACCOUNT_ID}:{rest.ref}/authorizers/*",
    )
    _grant_key_management(functions)
    return plan


KEYS_REASON = ("API Gateway creates API key ids (one per bot, at run time) and the usage plan's id; the plan's "
               "id cannot be named here without a cycle (plan -> API stage -> REST function -> this policy). The "
               "actions are only those of chalicelib/adapters/gateway_keys.py on API keys and usage plan keys.")


def _grant_key_management(functions: HandoverFunctions) -> None:
    for name in functions.functions:
        if FUNCTIONS[name].bot_keys:
            _grant_keys_to(functions.roles[name])


def _grant_keys_to(role: iam.Role) -> None:
    base = f"arn:{Aws.PARTITION}:apigateway:{Aws.REGION}::"
    statements = [
        # List the plans (to find the bots' by name) and the keys; create a key.
        iam.PolicyStatement(sid="BotKeysList", actions=["apigateway:GET", "apigateway:POST"],
                            resources=[f"{base}/usageplans", f"{base}/apikeys"]),
        iam.PolicyStatement(sid="BotKeysInPlan", actions=["apigateway:POST"],
                            resources=[f"{base}/usageplans/*/keys"]),
        iam.PolicyStatement(sid="BotKeysOutOfPlan", actions=["apigateway:DELETE"],
                            resources=[f"{base}/usageplans/*/keys/*"]),
        iam.PolicyStatement(sid="BotKeysChange", actions=["apigateway:PATCH", "apigateway:DELETE"],
                            resources=[f"{base}/apikeys/*"]),
    ]
    for statement in statements:
        role.add_to_policy(statement)
    default_policy = role.node.find_child("DefaultPolicy").node.default_child
    suppress_wildcard_resources(default_policy, [f"{base}/usageplans/*/keys", f"{base}/usageplans/*/keys/*",
                                                 f"{base}/apikeys/*"], KEYS_REASON)
