"""The benchmark suite's own logic (bench/): statistics, the meter's accounting, the cost model,
the profile summary and the tables. No timing here (speed lives in `make bench`); these check
that what the benchmarks report is computed right."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import boto3
import botocore.client
import pytest
from moto import mock_aws

from bench import meter, prices
from bench.common import percentile
from bench.profile import summarize
from bench.run import headline_markdown, table, update_doc


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) != percentile([], 50)  # NaN


def test_units_are_summed_and_broken_down_by_table_and_index():
    by_table: dict[str, float] = __import__("collections").defaultdict(float)
    response = {"ConsumedCapacity": [
        {"TableName": "handover-leads", "CapacityUnits": 6.0, "Table": {"CapacityUnits": 2.0},
         "GlobalSecondaryIndexes": {"all": {"CapacityUnits": 4.0}}},
        {"TableName": "handover-messages", "CapacityUnits": 2.0, "Table": {"CapacityUnits": 2.0}},
    ]}
    assert meter._units(response, by_table) == 8.0
    assert dict(by_table) == {"leads": 2.0, "leads:all": 4.0, "messages": 2.0}
    assert meter._units({}, by_table) == 0.0


@pytest.fixture
def metered(monkeypatch):
    """The meter's botocore and thread-pool hooks, undone after the test."""
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", meter._metered_call)
    monkeypatch.setattr(ThreadPoolExecutor, "submit", meter._submit)
    meter.reset()
    yield meter
    meter.reset()
    meter._local.tag = None


def test_requests_are_counted_to_the_invocation_even_from_its_thread_pool(metered, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}])
        metered._local.tag = "POST /bot/v1/leads/{lead_ref}/messages"
        dynamodb.put_item(TableName="t", Item={"k": {"S": "a"}})
        with ThreadPoolExecutor(2) as pool:  # as the live pushes' fan-out does
            list(pool.map(lambda key: dynamodb.get_item(TableName="t", Key={"k": {"S": key}}), ["a", "b"]))
        metered._local.tag = None
        # A thread that no invocation handed work to is background, not the invocation's.
        other = threading.Thread(target=lambda: dynamodb.get_item(TableName="t", Key={"k": {"S": "a"}}))
        other.start()
        other.join()
    counters = metered.snapshot()
    mine = counters["POST /bot/v1/leads/{lead_ref}/messages"]["requests"]
    assert mine == {"dynamodb.PutItem": 1, "dynamodb.GetItem": 2}
    assert counters["(background)"]["requests"]["dynamodb.GetItem"] == 1
    assert counters["(background)"]["requests"]["dynamodb.CreateTable"] == 1


def test_a_failed_condition_counts_a_request_and_a_write_unit(metered, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}])
        dynamodb.put_item(TableName="t", Item={"k": {"S": "a"}})
        metered.reset()
        metered._local.tag = "op"
        with pytest.raises(dynamodb.exceptions.ConditionalCheckFailedException):
            dynamodb.put_item(TableName="t", Item={"k": {"S": "a"}}, ConditionExpression="attribute_not_exists(k)")
    entry = metered.snapshot()["op"]
    assert entry["requests"] == {"dynamodb.PutItem": 1}
    assert entry["errors"] == {"dynamodb.PutItem:ConditionalCheckFailedException": 1}
    assert entry["wru"] == 1.0


def test_the_profile_splits_a_bot_message_into_phases_and_leaves_idle_workers_out():
    request = ("run (threading.py:1);post_message (chalicelib/api/bot_v1.py:70);"
               "post_bot_message (chalicelib/services/dialogs.py:100)")
    raw = "\n".join([
        f"{request};commit (chalicelib/storage/dialog_write.py:20);send (http/client.py:1) 6",
        f"{request};changed (chalicelib/live/pushes.py:90);query (pynamodb/models.py:3) 3",
        f"{request};changed (chalicelib/live/pushes.py:90);send (chalicelib/live/fanout.py:40);"
        "readinto (socket.py:700) 1",
        "_bootstrap (threading.py:1);_worker (concurrent/futures/thread.py:81) 90",
    ])
    summary = summarize(raw)
    assert summary["samples"] == 10
    phases = dict(summary["bot_message_request"]["phases"])
    assert phases == {"the dialog write (one BatchGetItem, one TransactWriteItems)": 60.0,
                      "live pushes: audience Queries and frames": 30.0,
                      "pushes through the management API (fan-out)": 10.0}
    areas = dict(summary["by_area"])
    assert areas["HTTP client I/O (urllib3, http.client, sockets)"] == 70.0
    assert areas["PynamoDB (models, serialization)"] == 30.0


def _results(p99: float, ratio_p50: float, total_usd: float) -> dict:
    cell = {"p50": 16.0, "p95": 20.0, "p99": p99}
    floor = {"p50": 16.0 / ratio_p50, "p95": 10.0, "p99": 12.0}
    return {
        "machine": {"cpu": "cpu", "cores": 2, "memory_gb": 8, "python": "3.11", "kernel": "k",
                    "load_average_at_start": [1.0], "load_average_at_end": [1.0], "date": "today"},
        "seconds": 1.0,
        "latency": {"cells": [{"rate": 20, "operators": 10, "handover": cell, "floor": floor, "ratio_p50": ratio_p50,
                               "ratio_p99": 1.0}], "throughput": {"operators": 10, "sustained_rate": 40}},
        "dynamodb": {"inbound": {"per_message": {"dynamodb_requests": 5, "rru": 3.0, "wru": 16.0, "lambda_billed_ms": 20},
                                 "total_per_million_usd": total_usd, "lambda_memory_mb": 512, "watching_operators": 3,
                                 "cost_per_million_usd": {"websocket_connection_minutes": 0.03}}},
        "floor_per_message": {"dynamodb_requests": 2, "rru": 0.5, "wru": 1.0},
    }


def test_the_table_says_met_or_missed_against_each_target():
    rows = {row[0]: row for row in table(_results(p99=25.0, ratio_p50=1.8, total_usd=18.3))}
    headline = rows["delivery p50 / p95 / p99, 20 msg/s, 10 operators (ms)"]
    assert headline[-1] == "p99 met, ratio MISSED"
    cost = rows["AWS cost of 1 M inbound messages, 3 operators watching (USD, us-east-1)"]
    assert cost[1] == "$18.30" and cost[-1] == "MISSED"
    # The floor's bill: REST + Lambda request + 20 ms at 512 MB + 1 WRU + 0.5 RRU + 3 pushes + minutes.
    floor = (prices.API_GATEWAY_REST_PER_MILLION + prices.LAMBDA_REQUESTS_PER_MILLION
             + 1_000_000 * 0.020 * 0.5 * prices.LAMBDA_GB_SECOND + prices.DYNAMODB_WRU_PER_MILLION
             + 0.5 * prices.DYNAMODB_RRU_PER_MILLION + 3 * prices.WEBSOCKET_MESSAGES_PER_MILLION + 0.03)
    assert cost[2] == f"${floor:.2f} (floor)"
    rows = {row[0]: row for row in table(_results(p99=60.0, ratio_p50=1.2, total_usd=7.5))}
    assert rows["delivery p50 / p95 / p99, 20 msg/s, 10 operators (ms)"][-1] == "p99 MISSED, ratio met"
    assert rows["AWS cost of 1 M inbound messages, 3 operators watching (USD, us-east-1)"][-1] == "met"


def test_update_doc_replaces_only_between_its_markers(tmp_path):
    results = _results(p99=25.0, ratio_p50=1.8, total_usd=18.3)
    doc = tmp_path / "README.md"
    doc.write_text("# Title\n\n<!-- bench:headline -->\nold\n<!-- /bench:headline -->\n\nafter\n")
    update_doc(doc, {"headline": headline_markdown(table(results), results), "absent": "ignored"})
    text = doc.read_text()
    assert text.startswith("# Title\n\n<!-- bench:headline -->\n| measure |")
    assert "old" not in text and text.endswith("<!-- /bench:headline -->\n\nafter\n")
    assert "p99 met, ratio MISSED" in text
