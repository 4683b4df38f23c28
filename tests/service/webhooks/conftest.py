"""Webhook tests: a real HTTP receiver on 127.0.0.1 that a bot developer would write
(it verifies each call with the `standardwebhooks` package), a fake clock for the retry
schedule, and the `deliveries` table's stream read from moto the way Lambda reads it."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from chalicelib.clock import FakeClock
from tests.api.conftest import cognito  # noqa: F401  (the admin API tests sign in through it)
from tests.conftest import make_bot


@dataclass
class Call:
    headers: dict[str, str]
    body: bytes
    verified: bool
    answered: int | str

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    """A bot's webhook endpoint. `plan` holds what to do with the next calls, one entry
    per call: an HTTP status (int), ("status", code, headers) or ("sleep", seconds); once
    it is empty every call gets 204. Every call is recorded, verified or not."""

    secret: str
    plan: list[Any] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    port: int = 0
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/handover"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    Webhook(receiver.secret).verify(body, headers)
                    verified = True
                except WebhookVerificationError:
                    verified = False
                step = receiver.plan.pop(0) if receiver.plan else 204
                answered: int | str = step if isinstance(step, int) else (step[1] if step[0] == "status" else "sleep")
                receiver.calls.append(Call(headers, body, verified, answered))
                if isinstance(step, tuple) and step[0] == "sleep":
                    time.sleep(step[1])
                    step = 204
                status, extra = (step, {}) if isinstance(step, int) else (step[1], step[2])
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Close the port: calls now meet a refused connection."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def delivered(self) -> list[Call]:
        """The calls the bot accepted (2xx), in the order it got them."""
        return [c for c in self.calls if isinstance(c.answered, int) and 200 <= c.answered < 300]


class MotoStream:
    """Reads the `deliveries` table's DynamoDB stream from moto and hands each batch to the
    delivery function, as Lambda's event source mapping does."""

    def __init__(self, table_name: str) -> None:
        # botocore would send stream calls to an account-specific host that moto does not serve.
        self.streams = boto3.client("dynamodbstreams", region_name="us-east-1",
                                    endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com")
        self.arn = boto3.client("dynamodb", region_name="us-east-1").describe_table(
            TableName=table_name)["Table"]["LatestStreamArn"]
        shard = self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"][0]
        self.iterator = self.streams.get_shard_iterator(
            StreamArn=self.arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")["ShardIterator"]

    def records(self) -> list[dict[str, Any]]:
        """New records since the last call, in the Lambda event's shape."""
        response = self.streams.get_records(ShardIterator=self.iterator)
        self.iterator = response["NextShardIterator"]
        out = []
        for record in response["Records"]:
            dynamodb = dict(record["dynamodb"])
            moment = dynamodb["ApproximateCreationDateTime"]
            dynamodb["ApproximateCreationDateTime"] = moment.timestamp() if isinstance(moment, datetime) else moment
            out.append({**record, "dynamodb": dynamodb, "eventSourceARN": self.arn})
        return out


@dataclass
class Hooks:
    services: Any
    clock: FakeClock
    receiver: Receiver
    stream: MotoStream
    bot_id: str
    api_key: str

    @property
    def delivery(self) -> Any:
        return self.services.webhooks.delivery

    def feed(self) -> int:
        """Run the delivery function on what the stream holds now."""
        return self.delivery.on_stream(self.stream.records())

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def sweep(self) -> int:
        return self.delivery.sweep()

    def drain(self, *, max_steps: int = 200) -> None:
        """Feed the stream, then jump the clock to the next due retry and sweep, until the
        queue is empty."""
        from chalicelib.storage.deliveries import DUE_SHARDS, DeliveryModel

        self.feed()
        for _ in range(max_steps):
            pending = [item for shard in range(DUE_SHARDS) for item in DeliveryModel.due.query(f"due#{shard}")]
            if not pending:
                return
            # Items due already wait behind a head whose retry is later: jump to the next time
            # anything becomes due.
            times = [datetime.fromisoformat(item.next_attempt_at.replace("Z", "+00:00")) for item in pending]
            later = [moment for moment in times if moment > self.clock.now()]
            if later:
                self.advance((min(later) - self.clock.now()).total_seconds() + 0.001)
            self.sweep()
        raise AssertionError("the deliveries queue never emptied")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def hooks(aws, monkeypatch) -> Iterator[Hooks]:
    from chalicelib import bootstrap
    from chalicelib.config import get_settings
    from chalicelib.storage.deliveries import DeliveryModel
    from chalicelib.webhooks.transport import SafeTransport

    clock = FakeClock(datetime.now(UTC))
    services = bootstrap.build(get_settings(), clock=clock)
    # Shorter than the 10 s default (checked in test_transport) so that a hanging receiver
    # costs little, long enough for a loaded CI machine to answer in time.
    services.webhooks.delivery.transport = SafeTransport(local=True, timeout=5.0)
    # One lead at a time keeps the order of calls across leads predictable in the tests;
    # test_parallel_leads runs the pool.
    services.webhooks.delivery.workers = 1
    # The app's handlers (and the admin API) get these same services (bootstrap.services()
    # builds once through `build`).
    monkeypatch.setattr(bootstrap, "build", lambda settings, **kwargs: services)
    bootstrap.services.cache_clear()
    stream = MotoStream(DeliveryModel.Meta.table_name)
    bot, secrets = services.bots.create({"name": "Webhook bot", "return_script": ["Bot is back, {{name}}."],
                                         "operator_transfer_script": ["An operator joined."]})
    receiver = Receiver(secret=secrets.webhook_secret)
    receiver.start()
    services.bots.update(bot.id, {"webhook_url": receiver.url})
    aws.clear()
    yield Hooks(services, clock, receiver, stream, bot.id, secrets.api_key)
    receiver.stop()


__all__ = ["Call", "Hooks", "MotoStream", "Receiver", "free_port", "make_bot"]
