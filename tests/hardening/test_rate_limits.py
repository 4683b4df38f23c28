"""Rate limits per bot key and per operator (chalicelib/api/rate_limits.py): 429, Retry-After,
the standard error body; one caller's flood leaves the others alone; no AWS request is spent
on a refused call."""

from __future__ import annotations

import json

import pytest

from chalicelib.api.rate_limits import Buckets, Limit, RateLimited
from tests.api.conftest import ADMIN, OPERATOR
from tests.conftest import make_bot


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_refuses_until_it_refills():
    clock = Clock()
    buckets = Buckets(Limit(rate=2, burst=4), clock)
    for _ in range(4):
        buckets.take("a")
    with pytest.raises(RateLimited) as refused:
        buckets.take("a")
    assert refused.value.retry_after == 1 and refused.value.status == 429
    buckets.take("b")  # another caller has its own bucket
    clock.now += 0.5  # one token back (2 per second)
    buckets.take("a")
    with pytest.raises(RateLimited):
        buckets.take("a")
    clock.now += 60  # never more than the burst
    for _ in range(4):
        buckets.take("a")
    with pytest.raises(RateLimited):
        buckets.take("a")


def test_retry_after_is_the_wait_for_one_token_in_whole_seconds():
    clock = Clock()
    buckets = Buckets(Limit(rate=0.1, burst=1), clock)
    buckets.take("a")
    with pytest.raises(RateLimited) as refused:
        buckets.take("a")
    assert refused.value.retry_after == 10


def test_the_buckets_are_bounded_and_off_means_no_limit():
    buckets = Buckets(Limit(rate=1, burst=1), Clock(), max_callers=100)
    for i in range(1000):
        buckets.take(f"caller-{i}")
    assert len(buckets._buckets) == 100
    unlimited = Buckets(Limit.parse("off"), Clock())
    for _ in range(10_000):
        unlimited.take("a")
    assert Limit.parse("20/100") == Limit(20, 100) and Limit.parse("5") == Limit(5, 5)
    assert Limit.parse("0") is None and Limit.parse("") is None


# --- through the API -------------------------------------------------------------------------

def _error(response):
    body = json.loads(response.body) if isinstance(response.body, (bytes, str)) else response.body
    assert set(body) == {"error"}
    return body["error"]


def test_a_bot_key_over_its_limit_gets_429_and_other_bots_do_not(aws, services, client, monkeypatch):
    monkeypatch.setenv("HANDOVER_RATE_LIMIT_BOT", "0.001/3")
    first, second = make_bot(services, name="Busy bot"), make_bot(services, name="Calm bot")
    for _ in range(3):
        assert client.http.get("/bot/v1/leads/tg:1", headers=first.auth).status_code == 404
    aws.clear()
    refused = client.http.get("/bot/v1/leads/tg:1", headers=first.auth)
    assert refused.status_code == 429
    assert _error(refused)["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    assert aws.dynamodb() == [], "a refused call must not cost a DynamoDB request"
    assert client.http.get("/bot/v1/leads/tg:1", headers=second.auth).status_code == 404


def test_guessed_keys_do_not_drain_the_real_keys_bucket(aws, services, client, monkeypatch):
    monkeypatch.setenv("HANDOVER_RATE_LIMIT_BOT", "0.001/2")
    bot = make_bot(services)
    bot_id = bot.api_key.split(".")[1]
    for i in range(10):
        forged = {"Authorization": f"Bearer hbk.{bot_id}.{'x' * 30}{i:02d}"}
        assert client.http.get("/bot/v1/leads/tg:1", headers=forged).status_code == 401
    assert client.http.get("/bot/v1/leads/tg:1", headers=bot.auth).status_code == 404


def test_an_operator_over_the_limit_gets_429_and_other_operators_do_not(api, monkeypatch):
    monkeypatch.setenv("HANDOVER_RATE_LIMIT_OPERATOR", "0.001/2")
    from chalicelib import bootstrap

    bootstrap.reset()  # the buckets are read with the services
    bootstrap.services()
    assert api.get("/api/me").status == 200
    assert api.get("/api/counts").status == 200
    refused = api.get("/api/me")
    assert refused.status == 429 and refused.body["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    assert api.get("/api/me", as_=ADMIN).status == 200
    assert api.post("/api/ws-ticket", as_=OPERATOR).status == 429


def test_the_openapi_documents_announce_429():
    from chalicelib.api.openapi_bot import bot_openapi
    from chalicelib.api.openapi_operator import operator_openapi

    assert "429" in bot_openapi()["paths"]["/bot/v1/leads/{lead_ref}/messages"]["post"]["responses"]
    assert "429" in operator_openapi()["paths"]["/api/me"]["get"]["responses"]


def test_429_reaches_the_client_through_the_gateway(tmp_path):
    """End to end on the local runtime: the status, Retry-After and the body pass through."""
    import requests

    from local_runtime.testing import running_runtime

    with running_runtime(tmp_path / "data", env={"HANDOVER_RATE_LIMIT_OPERATOR": "0.2/5"}) as rt:
        def token(username: str) -> str:
            operator = rt.operator(username)
            answer = requests.post(f"{rt.url}/api/auth/login", timeout=30,
                                   json={"username": username, "password": operator["password"]})
            return answer.json()["access_token"]

        headers = {"Authorization": f"Bearer {token('operator')}"}
        statuses = [requests.get(f"{rt.url}/api/me", headers=headers, timeout=30) for _ in range(6)]
        assert [s.status_code for s in statuses] == [200] * 5 + [429]
        refused = statuses[-1]
        assert refused.json()["error"]["code"] == "rate_limited"
        assert int(refused.headers["Retry-After"]) >= 1
        other = {"Authorization": f"Bearer {token('operator2')}"}
        assert requests.get(f"{rt.url}/api/me", headers=other, timeout=30).status_code == 200
