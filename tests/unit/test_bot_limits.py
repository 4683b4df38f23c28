"""The per-bot limit's parts that need no AWS: the authorizer's answer, the local gateway's
throttle (local_runtime/throttle.py) and the limits infra/ sets (docs/security.md, "Per-bot limits")."""

from __future__ import annotations

import json

import pytest

from chalicelib.api.bot_authorizer import authorize, usage_identifier
from chalicelib.api.rate_limits import Limit
from chalicelib.domain.credentials import hash_secret, new_api_key
from infra.bot_limits import GATEWAY_RESPONSES, check_limits, gateway_responses, throttled_body
from infra.stages import STAGES, Stage
from local_runtime.throttle import BotThrottle

METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:abc123/api/POST/bot/v1/leads/tg:1/messages"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def bearer(key) -> dict[str, str]:
    return {"Authorization": f"Bearer {key.value}"}


# -- the authorizer (AWS) -----------------------------------------------------------------------

def test_the_authorizer_names_the_bots_gateway_key_by_the_hash_the_table_stores():
    key = new_api_key("bot_abc")
    answer = authorize({"type": "TOKEN", "authorizationToken": f"Bearer {key.value}", "methodArn": METHOD_ARN})
    assert answer["usageIdentifierKey"] == key.hash == hash_secret(key.secret)
    assert answer["principalId"] == "bot_abc" and answer["context"] == {"bot_id": "bot_abc"}
    (statement,) = answer["policyDocument"]["Statement"]
    assert statement["Effect"] == "Allow" and statement["Action"] == "execute-api:Invoke"
    # One cached answer must fit every bot route of this API and stage, and nothing else.
    assert statement["Resource"] == ["arn:aws:execute-api:eu-west-1:123456789012:abc123/api/*/bot/v1/*"]


def test_a_malformed_key_is_allowed_through_to_the_key_check_which_finds_no_key():
    # Never an exception (that would be a 500 from API Gateway): a hash no API key has, so the
    # gateway answers INVALID_API_KEY, templated as the app's 401.
    answer = authorize({"type": "TOKEN", "authorizationToken": "Bearer not-a-key", "methodArn": METHOD_ARN})
    assert answer["usageIdentifierKey"] == hash_secret("not-a-key") and answer["principalId"] == "unknown"
    assert usage_identifier("hbk.bot_x.short") == hash_secret("hbk.bot_x.short")
    assert usage_identifier(None) == hash_secret("")


# -- the local gateway's throttle -----------------------------------------------------------------

def test_each_bot_has_its_own_budget_and_a_noisy_one_gets_the_aws_429():
    clock = Clock()
    throttle = BotThrottle(Limit(rate=1, burst=3), clock)
    noisy, quiet = new_api_key("bot_noisy"), new_api_key("bot_quiet")
    path = "/bot/v1/leads/tg:1/messages"
    assert [throttle.refusal(path, bearer(noisy)) for _ in range(3)] == [None] * 3
    status, headers, body = throttle.refusal(path, bearer(noisy))
    assert status == 429 and headers["Retry-After"] == "1" and body == throttled_body(1)
    assert body == {"error": {"code": "rate_limited", "message": "too many requests; retry in 1 s",
                              "details": {"retry_after_seconds": 1}}}
    # The same body as AWS's THROTTLED gateway response.
    assert json.loads(gateway_responses()["THROTTLED"]["responseTemplates"]["application/json"]) == body
    assert throttle.refusal("/bot/v1/leads/tg:2", bearer(quiet)) is None  # any bot route, another bot
    assert throttle.refusal("/bot/v1/uploads", bearer(noisy)) is not None  # every route shares the budget
    clock.now += 1
    assert throttle.refusal(path, bearer(noisy)) is None


def test_what_the_throttle_leaves_alone():
    throttle = BotThrottle(Limit(rate=0.001, burst=1), Clock())
    key = new_api_key("bot_a")
    assert throttle.refusal("/bot/v1/leads/x", bearer(key)) is None
    assert throttle.refusal("/bot/v1/leads/x", bearer(key)) is not None
    assert throttle.refusal("/api/me", bearer(key)) is None  # operators: the app's own limit
    assert throttle.refusal("/bot/v1/openapi.json", bearer(key)) is None  # public, as in AWS
    assert throttle.refusal("/bot/v1/leads/x", {}) is None  # the app answers 401
    # A rotated key is a new API Gateway key in AWS, so a new budget here too.
    assert throttle.refusal("/bot/v1/leads/x", bearer(new_api_key("bot_a"))) is None


def test_the_setting_is_the_existing_environment_variable():
    assert BotThrottle.from_environment({}).buckets.limit == Limit(100, 300)
    assert BotThrottle.from_environment({"HANDOVER_RATE_LIMIT_BOT": "5/10"}).buckets.limit == Limit(5, 10)
    off = BotThrottle.from_environment({"HANDOVER_RATE_LIMIT_BOT": "off"})
    key = new_api_key("bot_a")
    assert all(off.refusal("/bot/v1/leads/x", bearer(key)) is None for _ in range(1000))


# -- the numbers infra sets -----------------------------------------------------------------------

def test_every_stage_keeps_one_bot_under_a_quarter_of_a_methods_throttle():
    for stage in STAGES.values():
        limit = check_limits(stage)
        assert limit.rate * 4 <= stage.api_rate_limit and limit.burst * 4 <= stage.api_burst_limit
    with pytest.raises(ValueError, match="one noisy bot"):
        check_limits(Stage("tight", api_rate_limit=200, api_burst_limit=400, rate_limit_bot="100/300"))
    with pytest.raises(ValueError, match="usage plan needs one"):
        check_limits(Stage("nolimit", rate_limit_bot="off"))


def test_the_gateway_answers_in_the_apps_error_shape():
    responses = gateway_responses()
    assert set(responses) == set(GATEWAY_RESPONSES) >= {"THROTTLED", "INVALID_API_KEY", "UNAUTHORIZED"}
    assert responses["THROTTLED"]["statusCode"] == "429"
    assert responses["THROTTLED"]["responseParameters"] == {"gatewayresponse.header.Retry-After": "'1'"}
    for name, response in responses.items():
        body = json.loads(response["responseTemplates"]["application/json"])
        assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), name
    assert responses["INVALID_API_KEY"]["statusCode"] == "401"
    assert json.loads(responses["INVALID_API_KEY"]["responseTemplates"]["application/json"])["error"]["code"] == \
        "unauthorized"
