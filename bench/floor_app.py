"""The floor of delivery latency: a minimal Chalice app doing only the unavoidable work.

A bot's message to a viewing operator cannot take less than: one HTTP request through the
gateway, one DynamoDB write (the message), one connection lookup (a Query: who views this
dialog) and one push through API Gateway's management API. This app does exactly that and
nothing else (no auth, no validation, no transaction, no tab or counter upkeep), on the same
local runtime (`HANDOVER_APP=bench.floor_app:app`), the same DynamoDB Local, the same gateway
and the same boto3 client configuration as Handover (chalicelib/adapters/aws.py). The benchmark
drives it with the same client code as Handover, so Handover ÷ floor is the price of the product.

Its two tables are created by the benchmark (bench/latency.py), not here: nothing at import.
"""

from __future__ import annotations

import json
import time
from typing import Any

from chalice import Chalice, Response
from chalice.app import WebsocketEvent

from bench.meter import install
from chalicelib.adapters.aws import client
from chalicelib.config import get_settings

MESSAGES_TABLE = "bench-floor-messages"
VIEWERS_TABLE = "bench-floor-viewers"

app = Chalice(app_name="handover-floor")
app.experimental_feature_flags.update(["WEBSOCKETS"])


def _dynamodb() -> Any:
    settings = get_settings()
    return client("dynamodb", endpoint=settings.dynamodb_endpoint, settings=settings)


def _push(connection_id: str, frame: dict[str, Any]) -> None:
    settings = get_settings()
    management = client("apigatewaymanagementapi", endpoint=settings.ws_management_endpoint, settings=settings)
    management.post_to_connection(ConnectionId=connection_id, Data=json.dumps(frame, separators=(",", ":")).encode())


@app.route("/floor/dialogs/{dialog_id}/messages", methods=["POST"])
def post_message(dialog_id: str) -> Response:
    body = app.current_request.json_body or {}
    message = {"id": str(body.get("id", "")), "from": str(body.get("from", "lead")), "text": str(body.get("text", "")),
               "created_at": f"{time.time():.3f}"}
    _dynamodb().put_item(TableName=MESSAGES_TABLE, Item={
        "lead_id": {"S": dialog_id}, "id": {"S": message["id"]}, "text": {"S": message["text"]}})
    viewers = _dynamodb().query(TableName=VIEWERS_TABLE, KeyConditionExpression="viewing = :d",
                                ExpressionAttributeValues={":d": {"S": dialog_id}})
    for item in viewers.get("Items", []):
        _push(item["connection_id"]["S"], {"type": "message.created", "dialog_id": dialog_id, "message": message})
    return Response(message, status_code=201)


@app.on_ws_connect()
def ws_connect(event: WebsocketEvent) -> None:
    return None


@app.on_ws_message()
def ws_message(event: WebsocketEvent) -> None:
    frame = json.loads(event.body)
    if frame.get("action") == "view":
        _dynamodb().put_item(TableName=VIEWERS_TABLE, Item={
            "viewing": {"S": str(frame["dialog_id"])}, "connection_id": {"S": event.connection_id}})
        _push(event.connection_id, {"type": "viewing", "dialog_id": frame["dialog_id"]})


@app.on_ws_disconnect()
def ws_disconnect(event: WebsocketEvent) -> None:
    return None


install(app)


def create_tables(dynamodb: Any) -> None:
    """Called by the benchmark (with its own client) before the floor is driven."""
    existing = set(dynamodb.list_tables().get("TableNames", []))
    specs = {MESSAGES_TABLE: ("lead_id", "id"), VIEWERS_TABLE: ("viewing", "connection_id")}
    for name, (hash_key, range_key) in specs.items():
        if name in existing:
            continue
        dynamodb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": hash_key, "AttributeType": "S"},
                                  {"AttributeName": range_key, "AttributeType": "S"}],
            KeySchema=[{"AttributeName": hash_key, "KeyType": "HASH"}, {"AttributeName": range_key, "KeyType": "RANGE"}])
