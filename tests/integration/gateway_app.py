"""A small Chalice app of the gateway tests' own: websocket handlers, a schedule and a
DynamoDB stream handler that record what they received, and routes that let a test read
those records and push to a connection through the management API (as the real app does)."""

from __future__ import annotations

import json
import os
import threading
from typing import Any

import boto3
from botocore.config import Config
from chalice import Chalice, Rate, Response

app = Chalice(app_name="gateway-test")
app.experimental_feature_flags.update(["WEBSOCKETS"])
app.websocket_api.session = boto3.session.Session()

STREAM_TABLE = "handover-gateway-test-stream"
_lock = threading.Lock()
QUEUE = "gateway-test-queue"
_recorded: dict[str, list[Any]] = {"ws": [], "ticks": [], "stream": [], "queue": []}


def _record(kind: str, item: Any) -> None:
    with _lock:
        _recorded[kind].append(item)


def _management() -> Any:
    return boto3.session.Session().client(
        "apigatewaymanagementapi", endpoint_url=os.environ["HANDOVER_WS_MANAGEMENT_ENDPOINT"],
        region_name=os.environ["HANDOVER_REGION"], config=Config(retries={"max_attempts": 1}))


@app.on_ws_connect()
def connect(event: Any) -> Any:
    _record("ws", event.to_dict())
    query = event.to_dict().get("queryStringParameters") or {}
    if query.get("ticket") != "let-me-in":
        return Response(body=json.dumps({"message": "Unauthorized"}), status_code=401)
    return {"statusCode": 200}


@app.on_ws_message()
def message(event: Any) -> None:
    _record("ws", event.to_dict())
    if event.body == "boom":
        raise RuntimeError("the handler failed on purpose")
    # Chalice's own helper: the runtime points it at the local management API.
    app.websocket_api.send(event.connection_id, "echo:" + event.body)


@app.on_ws_disconnect()
def disconnect(event: Any) -> None:
    _record("ws", event.to_dict())


@app.schedule(Rate(1, unit=Rate.HOURS))
def tick(event: Any) -> None:
    _record("ticks", event.to_dict())


@app.on_dynamodb_record(stream_arn=f"arn:aws:dynamodb:us-east-1:123456789012:table/{STREAM_TABLE}/stream/2026")
def stream(event: Any) -> None:
    for record in event.to_dict()["Records"]:
        if record.get("dynamodb", {}).get("NewImage", {}).get("fail", {}).get("S") == "once":
            with _lock:
                failed_before = any(r.get("failed") for r in _recorded["stream"])
            if not failed_before:
                _record("stream", {"failed": True})
                raise RuntimeError("the stream handler failed on purpose")
    _record("stream", event.to_dict())


@app.on_sqs_message(queue=QUEUE, batch_size=5)
def queue(event: Any) -> Any:
    records = event.to_dict()["Records"]
    _record("queue", event.to_dict())
    # Partial batch response: a body "retry" fails once, the rest of the batch succeeds.
    failed = [r["messageId"] for r in records if r["body"] == "retry"
              and sum(1 for b in _recorded["queue"] for x in b["Records"] if x["messageId"] == r["messageId"]) == 1]
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}


@app.route("/test/queue", methods=["POST"])
def send_to_queue() -> Any:
    sqs = boto3.session.Session().client("sqs", endpoint_url=os.environ["HANDOVER_SQS_ENDPOINT"],
                                         region_name=os.environ["HANDOVER_REGION"])
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    for body in app.current_request.json_body["bodies"]:
        sqs.send_message(QueueUrl=url, MessageBody=body)
    return {"ok": True}


@app.route("/test/recorded/{kind}")
def recorded(kind: str) -> Any:
    with _lock:
        return {"items": list(_recorded.get(kind, []))}


@app.route("/test/push/{connection_id}", methods=["POST"], content_types=["*/*"])
def push(connection_id: str) -> Any:
    client = _management()
    data = app.current_request.raw_body or b""
    try:
        client.post_to_connection(ConnectionId=connection_id, Data=data)
    except client.exceptions.GoneException:
        return {"result": "gone"}
    except client.exceptions.PayloadTooLargeException:
        return {"result": "too_large"}
    return {"result": "sent"}


@app.route("/test/connections/{connection_id}", methods=["GET", "DELETE"])
def connection(connection_id: str) -> Any:
    client = _management()
    try:
        if app.current_request.method == "DELETE":
            client.delete_connection(ConnectionId=connection_id)
            return {"result": "deleted"}
        info = client.get_connection(ConnectionId=connection_id)
        return {"result": "open", "source_ip": info["Identity"]["SourceIp"]}
    except client.exceptions.GoneException:
        return {"result": "gone"}


@app.route("/test/stream-table", methods=["POST"])
def stream_table() -> Any:
    ddb = boto3.session.Session().client("dynamodb", endpoint_url=os.environ["HANDOVER_DYNAMODB_ENDPOINT"],
                                         region_name=os.environ["HANDOVER_REGION"])
    if STREAM_TABLE not in ddb.list_tables()["TableNames"]:
        ddb.create_table(TableName=STREAM_TABLE, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    body = app.current_request.json_body or {}
    for item in body.get("items", []):
        ddb.put_item(TableName=STREAM_TABLE, Item={key: {"S": value} for key, value in item.items()})
    return {"ok": True}

