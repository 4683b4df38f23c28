"""Scheduled functions, DynamoDB stream handlers, the HTTP side of the gateway, and the
shape of every event compared with AWS's documented samples (keys, not values)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import requests
from websockets.asyncio.client import connect

from tests.integration.helpers import eventually, recorded, run

SAMPLES = Path(__file__).parent / "aws_events"


def sample(name: str) -> dict:
    body = json.loads((SAMPLES / f"{name}.json").read_text())
    body.pop("_source")
    return body


def shape(value: object) -> object:
    """The keys of a JSON value, recursively; lists by their first item. Header and query
    names are data, not shape, so those maps count as 'a map'."""
    if isinstance(value, dict):
        return {key: ("map" if key in {"headers", "multiValueHeaders", "queryStringParameters",
                                      "multiValueQueryStringParameters", "Keys", "NewImage", "OldImage"}
                      else shape(item)) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def test_websocket_events_have_api_gateways_shape(gateway_runtime):
    async def scenario():
        async with connect(gateway_runtime.ws_url + "?ticket=let-me-in", open_timeout=10) as ws:
            await ws.send('{"action": "ping"}')
            await ws.recv()

    run(scenario())
    events = recorded(gateway_runtime, "ws")
    connection_id = [e for e in events if e["requestContext"]["routeKey"] == "$default"][-1]["requestContext"]["connectionId"]
    ours = {e["requestContext"]["routeKey"]: e for e in events if e["requestContext"]["connectionId"] == connection_id}
    ours = eventually(lambda: {e["requestContext"]["routeKey"]: e for e in recorded(gateway_runtime, "ws")
                               if e["requestContext"]["connectionId"] == connection_id} if "$disconnect" in {
        e["requestContext"]["routeKey"] for e in recorded(gateway_runtime, "ws")
        if e["requestContext"]["connectionId"] == connection_id} else None)
    assert shape(ours["$connect"]) == shape(sample("ws_connect"))
    assert shape(ours["$default"]) == shape(sample("ws_message"))
    assert shape(ours["$disconnect"]) == shape(sample("ws_disconnect"))
    context = ours["$connect"]["requestContext"]
    assert (context["routeKey"], context["eventType"], context["stage"], context["apiId"]) == ("$connect", "CONNECT", "local",
                                                                                             "local")
    assert context["domainName"] == gateway_runtime.url.removeprefix("http://")
    assert ours["$connect"]["headers"]["Host"] == context["domainName"]


def test_scheduled_functions_run_on_their_rate(gateway_runtime):
    # HANDOVER_SCHEDULE_SECONDS=0.5 replaces the function's own rate of one hour.
    first = len(recorded(gateway_runtime, "ticks"))
    ticks = eventually(lambda: (items := recorded(gateway_runtime, "ticks")) and len(items) >= first + 3 and items,
                       timeout=10)
    assert shape(ticks[-1]) == shape(sample("scheduled"))
    assert ticks[-1]["detail-type"] == "Scheduled Event"
    assert "Scheduled Event" in json.dumps(ticks[-1]) and "SCHEDULE tick ok" in gateway_runtime.log_text()


def test_stream_handler_gets_the_tables_records_in_order_and_a_failed_batch_is_retried(gateway_runtime):
    items = [{"id": f"item-{n}"} for n in range(5)] + [{"id": "item-fails", "fail": "once"}, {"id": "item-after"}]
    assert requests.post(f"{gateway_runtime.url}/test/stream-table", json={"items": items}, timeout=30).ok

    def delivered() -> list[str]:
        batches = [b for b in recorded(gateway_runtime, "stream") if "Records" in b]
        return [r["dynamodb"]["Keys"]["id"]["S"] for b in batches for r in b["Records"]]

    ids = eventually(lambda: (got := delivered()) and "item-after" in got and got, timeout=30)
    # The failing batch was retried until it succeeded; nothing skipped, nothing reordered.
    assert [i for i in ids if i.startswith("item-")] == [item["id"] for item in items]
    assert any(b.get("failed") for b in recorded(gateway_runtime, "stream"))
    batch = next(b for b in recorded(gateway_runtime, "stream") if "Records" in b)
    assert shape(batch) == shape(sample("dynamodb_stream"))
    assert batch["Records"][0]["eventSourceARN"].startswith("arn:aws:dynamodb:")


def test_queue_handler_gets_the_messages_and_a_reported_failure_comes_back(gateway_runtime):
    # The queue is created by the runtime. The message reported as failed stays in the queue
    # and comes back after the visibility timeout (30 s, moto's default, as in AWS): this test
    # waits only for the first delivery of each, and checks that the failure was reported.
    bodies = ["one", "two", "retry"]
    assert requests.post(f"{gateway_runtime.url}/test/queue", json={"bodies": bodies}, timeout=30).ok

    def received() -> list[str]:
        return [r["body"] for b in recorded(gateway_runtime, "queue") for r in b["Records"]]

    got = eventually(lambda: (items := received()) and set(bodies) <= set(items) and items, timeout=15)
    assert sorted(got) == sorted(bodies)
    batch = recorded(gateway_runtime, "queue")[0]["Records"][0]
    assert batch["eventSource"] == "aws:sqs" and batch["eventSourceARN"].endswith(":gateway-test-queue")
    assert re.search(r"QUEUE +queue \d+ messages partial", gateway_runtime.log_text())


def test_config_json_names_the_apis_and_nothing_secret(gateway_runtime):
    config = requests.get(f"{gateway_runtime.url}/config.json", timeout=10).json()
    assert config["api_url"] == gateway_runtime.url
    assert config["ws_url"] == gateway_runtime.ws_url
    assert not {"api_key", "password", "webhook_secret", "user_pool_id", "client_id"} & set(config)


def test_static_files_are_served_and_nothing_outside_the_site(gateway_runtime):
    outside = requests.get(f"{gateway_runtime.url}/../app.py", timeout=10)
    assert outside.status_code == 404
    assert requests.get(f"{gateway_runtime.url}/no-such-file.js", timeout=10).status_code == 404
    simulator = requests.get(f"{gateway_runtime.url}/demo/", timeout=10)
    assert simulator.status_code == 200 and "text/html" in simulator.headers["Content-Type"]
    # The UI gets CloudFront's security headers here too (infra/csp.py), so the browser tests
    # run it under the production policy.
    ui = requests.get(f"{gateway_runtime.url}/", timeout=10)
    assert ui.status_code == 200 and "text/html" in ui.headers["Content-Type"]
    policy = ui.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and gateway_runtime.ws_url.rsplit("/", 1)[0] in policy
    assert ui.headers["X-Content-Type-Options"] == "nosniff"
    assert requests.get(f"{gateway_runtime.url}/%2e%2e/app.py", timeout=10).status_code == 404


def test_rest_calls_are_logged_one_line_each_without_stack_traces_for_bad_input(gateway_runtime):
    # An unknown route answers like API Gateway; bad input is the client's problem, not a trace.
    answer = requests.post(f"{gateway_runtime.url}/test/stream-table", data=b"{not json", timeout=10,
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    log = gateway_runtime.log_text()
    line = next(line for line in log.splitlines() if "REST     POST /test/stream-table 400" in line)
    assert line.endswith("ms")
    assert "BadRequestError" not in log
