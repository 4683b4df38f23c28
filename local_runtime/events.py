"""Lambda events built the way AWS builds them: API Gateway websocket events
($connect, $default, $disconnect), EventBridge scheduled events and DynamoDB stream
batches. tests/integration/test_event_shapes.py compares their keys with AWS samples."""

from __future__ import annotations

import base64
import secrets
import time
import uuid
from datetime import UTC, datetime
from typing import Any

API_ID = "local"
STAGE = "local"


def new_connection_id() -> str:
    # API Gateway's ids are 16 URL-safe base64 characters ending in "=", e.g. "BFaT_fALIAMCKug=".
    return base64.urlsafe_b64encode(secrets.token_bytes(11)).decode()


def _request_id() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(11)).decode()


def _clf_time(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def _headers(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


def websocket_request_context(
    *, route_key: str, event_type: str, connection_id: str, connected_at: int, domain_name: str,
    source_ip: str = "127.0.0.1", extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    now = int(time.time() * 1000)
    request_id = _request_id()
    context: dict[str, Any] = {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": request_id,
        "requestTime": _clf_time(now),
        "messageDirection": "IN",
        "stage": STAGE,
        "connectedAt": connected_at,
        "requestTimeEpoch": now,
        "identity": {"sourceIp": source_ip},
        "requestId": request_id,
        "domainName": domain_name,
        "connectionId": connection_id,
        "apiId": API_ID,
    }
    context.update(extra or {})
    return context


def connect_event(
    *, connection_id: str, connected_at: int, domain_name: str, headers: list[tuple[str, str]],
    query: list[tuple[str, str]], source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    single, multi = _headers(headers)
    event: dict[str, Any] = {
        "headers": single,
        "multiValueHeaders": multi,
        "requestContext": websocket_request_context(
            route_key="$connect", event_type="CONNECT", connection_id=connection_id,
            connected_at=connected_at, domain_name=domain_name, source_ip=source_ip),
        "isBase64Encoded": False,
    }
    # Like API Gateway: the query keys appear only when the URL had a query string.
    if query:
        params, multi_params = _headers(query)
        event["queryStringParameters"] = params
        event["multiValueQueryStringParameters"] = multi_params
    return event


def message_event(
    *, route_key: str, connection_id: str, connected_at: int, domain_name: str, body: str | bytes,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    binary = isinstance(body, bytes)
    return {
        "requestContext": websocket_request_context(
            route_key=route_key, event_type="MESSAGE", connection_id=connection_id, connected_at=connected_at,
            domain_name=domain_name, source_ip=source_ip, extra={"messageId": _request_id()}),
        "body": base64.b64encode(body).decode() if binary else body,
        "isBase64Encoded": binary,
    }


def disconnect_event(
    *, connection_id: str, connected_at: int, domain_name: str, status_code: int, reason: str,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    single, multi = _headers([("Host", domain_name), ("x-api-key", ""), ("X-Forwarded-For", ""), ("x-restapi", "")])
    return {
        "headers": single,
        "multiValueHeaders": multi,
        "requestContext": websocket_request_context(
            route_key="$disconnect", event_type="DISCONNECT", connection_id=connection_id,
            connected_at=connected_at, domain_name=domain_name, source_ip=source_ip,
            extra={"disconnectStatusCode": status_code, "disconnectReason": reason}),
        "isBase64Encoded": False,
    }


def scheduled_event(rule_name: str, region: str, account: str = "123456789012") -> dict[str, Any]:
    """What EventBridge sends a scheduled Lambda (detail-type "Scheduled Event")."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account}:rule/{rule_name}"],
        "detail": {},
    }


def dynamodb_stream_event(records: list[dict[str, Any]], stream_arn: str) -> dict[str, Any]:
    """Lambda's batch: the stream's records, each with the source ARN added."""
    return {"Records": [{**record, "eventSourceARN": stream_arn} for record in records]}


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    return {"Records": [{
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    } for message in messages]}
