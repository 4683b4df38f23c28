"""The meter: what one invocation costs in AWS requests, measured inside the runtime process.

The benchmarks run the app in the local runtime with `HANDOVER_APP=bench.metered:app` (the
unchanged Handover app, see bench/metered.py) or `bench.floor_app:app`. `install(app)` adds:

- a Chalice middleware (event type `all`) that names each invocation (`POST
  /bot/v1/leads/{lead_ref}/messages`, `ws $connect`, `ws view`, `schedule retry_webhooks`…) and
  times it: the Lambda duration the cost model bills;
- a wrapper around botocore's `BaseClient._make_api_call` (both boto3 and PynamoDB go through it)
  that counts every AWS request per invocation, asks DynamoDB for `ReturnConsumedCapacity=TOTAL`
  where the caller did not (PynamoDB already does; boto3 calls in chalicelib do not) and adds up
  the read and write capacity units DynamoDB reports, and counts websocket pushes and their bytes;
- a small HTTP server on 127.0.0.1:$BENCH_METER_PORT: `GET /meter` (the counters), `POST
  /meter/reset`, `POST /invoke/<handler name>` (runs a scheduled function as EventBridge would:
  the reminder tick, measured through the same wrapped handler the scheduler calls).

Pushes and Gone clean-ups run on the live pushes' fan-out thread pool: work submitted to a thread
pool carries the name of the invocation that submitted it. Anything else (the runtime's own
stream polling) is `(background)`. The cost per call is a middleware call and a dict update (µs).
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import botocore.client
import botocore.exceptions
from chalice import Chalice

# DynamoDB operations that accept ReturnConsumedCapacity, and which kind of unit they consume.
READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}

_lock = threading.Lock()
_local = threading.local()
_counters: dict[str, dict[str, Any]] = {}


def _blank() -> dict[str, Any]:
    return {"invocations": 0, "duration_ms": [], "requests": defaultdict(int), "rru": 0.0, "wru": 0.0,
            "pushes": 0, "push_bytes": 0, "push_units": 0, "errors": defaultdict(int),
            "units_by_table": defaultdict(float)}


def _tag() -> str:
    return getattr(_local, "tag", None) or "(background)"


_original_submit = ThreadPoolExecutor.submit


def _submit(self: ThreadPoolExecutor, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
    """Work handed to a thread pool (the live pushes' fan-out, parallel webhook deliveries) is
    counted to the invocation that handed it over."""
    tag = getattr(_local, "tag", None)
    if tag is None:
        return _original_submit(self, fn, *args, **kwargs)

    def tagged(*a: Any, **k: Any) -> Any:
        previous = getattr(_local, "tag", None)
        _local.tag = tag
        try:
            return fn(*a, **k)
        finally:
            _local.tag = previous

    return _original_submit(self, tagged, *args, **kwargs)


def _entry(tag: str) -> dict[str, Any]:
    entry = _counters.get(tag)
    if entry is None:
        entry = _counters[tag] = _blank()
    return entry


def _units(response: dict[str, Any], by_table: dict[str, float]) -> float:
    consumed = response.get("ConsumedCapacity")
    if consumed is None:
        return 0.0
    items = consumed if isinstance(consumed, list) else [consumed]
    for item in items:
        table = item.get("TableName", "?").removeprefix("handover-")
        if "Table" in item:
            by_table[table] += item["Table"].get("CapacityUnits", 0.0)
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            for index, units in (item.get(kind) or {}).items():
                by_table[f"{table}:{index}"] += units.get("CapacityUnits", 0.0)
    return float(sum(item.get("CapacityUnits", 0.0) for item in items))


_original_call = botocore.client.BaseClient._make_api_call


def _metered_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
    service = self.meta.service_model.service_name
    if service == "dynamodbstreams":
        # The runtime's stream feeder (Lambda's event source mapping in AWS: not billed per request).
        return _original_call(self, operation_name, api_params)
    if service == "dynamodb" and (operation_name in READS or operation_name in WRITES):
        # INDEXES: the same total as TOTAL (what PynamoDB asks for), broken down by table and index.
        api_params = {**api_params, "ReturnConsumedCapacity": "INDEXES"}
    tag = _tag()
    name = f"{service}.{operation_name}"
    try:
        response = _original_call(self, operation_name, api_params)
    except botocore.exceptions.ClientError as error:
        with _lock:
            entry = _entry(tag)
            entry["requests"][name] += 1
            entry["errors"][f"{name}:{error.response.get('Error', {}).get('Code', '?')}"] += 1
            # A failed condition still consumes write units; DynamoDB reports them only on
            # success, so such a request is counted here as one unit (a ~1 KB item).
            if operation_name in WRITES:
                entry["wru"] += 1.0
        raise
    with _lock:
        entry = _entry(tag)
        entry["requests"][name] += 1
        if service == "dynamodb":
            units = _units(response, entry["units_by_table"])
            if operation_name in READS:
                entry["rru"] += units
            elif operation_name in WRITES:
                entry["wru"] += units
        elif service == "apigatewaymanagementapi" and operation_name == "PostToConnection":
            size = len(api_params.get("Data", b""))
            entry["pushes"] += 1
            entry["push_bytes"] += size
            # API Gateway bills websocket messages in 32 KB increments.
            entry["push_units"] += max(1, -(-size // (32 * 1024)))
    return response


def _name(event: Any) -> str:
    kind = type(event).__name__
    if kind == "Request":
        return f"{event.method} {event.context.get('resourcePath', event.path)}"
    if kind == "WebsocketEvent":
        route = event.to_dict().get("requestContext", {}).get("routeKey", "?")
        if route == "$default":
            try:
                body = json.loads(event.body)
                return f"ws {body.get('action', '?')}" if isinstance(body, dict) else "ws ?"
            except (TypeError, ValueError):
                return "ws ?"
        return f"ws {route}"
    if kind == "DynamoDBEvent":
        return "stream dynamodb"
    if kind in ("CloudWatchEvent", "ScheduledEvent"):
        return f"schedule {getattr(_local, 'schedule', None) or '(timer)'}"
    return kind


def _middleware(event: Any, get_response: Any) -> Any:
    tag = _name(event)
    previous = getattr(_local, "tag", None)
    _local.tag = tag
    started = time.perf_counter()
    try:
        return get_response(event)
    finally:
        elapsed = (time.perf_counter() - started) * 1000
        with _lock:
            entry = _entry(tag)
            entry["invocations"] += 1
            entry["duration_ms"].append(round(elapsed, 3))
        _local.tag = previous


def snapshot() -> dict[str, Any]:
    with _lock:
        return {tag: {**entry, "requests": dict(entry["requests"]), "errors": dict(entry["errors"]),
                      "units_by_table": dict(entry["units_by_table"]),
                      "duration_ms": list(entry["duration_ms"])} for tag, entry in _counters.items()}


def reset() -> None:
    with _lock:
        _counters.clear()


def _scheduled_event(name: str) -> dict[str, Any]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": now, "region": "us-east-1",
            "resources": [f"arn:aws:events:us-east-1:123456789012:rule/{name}"], "detail": {}}


class _MeterHandler(BaseHTTPRequestHandler):
    app: Chalice

    def _answer(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/meter":
            self._answer(200, snapshot())
        elif self.path == "/schedules":
            # The app's @app.schedule functions (EventBridge rules in AWS).
            self._answer(200, sorted(source.name for source in self.app.event_sources
                                     if type(source).__name__ == "ScheduledEventConfig"))
        else:
            self._answer(404, {})

    def do_POST(self) -> None:
        if self.path == "/meter/reset":
            reset()
            self._answer(200, {})
        elif self.path.startswith("/invoke/"):
            from chalice.local import LambdaContext

            name = self.path.removeprefix("/invoke/")
            handler = self.app.handler_map.get(name)
            if handler is None:
                self._answer(404, {"error": f"no handler {name}"})
                return
            _local.schedule = name
            started = time.perf_counter()
            try:
                handler(_scheduled_event(name), LambdaContext(function_name=name, memory_size=512))
            finally:
                _local.schedule = None
            self._answer(200, {"ms": (time.perf_counter() - started) * 1000})
        else:
            self._answer(404, {})

    def log_message(self, format: str, *args: Any) -> None:
        return


def install(app: Chalice) -> Chalice:
    """Meter `app` (idempotent); serve the meter when BENCH_METER_PORT is set."""
    if getattr(app, "_bench_metered", False):
        return app
    app._bench_metered = True
    botocore.client.BaseClient._make_api_call = _metered_call
    ThreadPoolExecutor.submit = _submit
    app.register_middleware(_middleware, "all")
    port = os.environ.get("BENCH_METER_PORT")
    if port:
        handler = type("MeterHandler", (_MeterHandler,), {"app": app})
        server = ThreadingHTTPServer(("127.0.0.1", int(port)), handler)
        threading.Thread(target=server.serve_forever, name="bench-meter", daemon=True).start()
    return app
