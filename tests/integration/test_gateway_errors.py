"""What the local gateway refuses itself, before the app runs, it answers as JSON
`{"error": {"code", "message"}}` with API Gateway's status (local_runtime/gateway.py,
docs/local-runtime.md), never aiohttp's text/plain; and nothing is stored."""

from __future__ import annotations

import json
import socket
import uuid

import pytest
import requests


def error_of(response: requests.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


def raw(runtime, request: bytes) -> tuple[int, str, dict]:
    """Send bytes no HTTP client would, and parse the answer."""
    with socket.create_connection(("127.0.0.1", runtime.port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers["Content-Type"], json.loads(body)


def bot_headers(runtime) -> dict[str, str]:
    return {"Authorization": f"Bearer {runtime.bot['api_key']}", "Content-Type": "application/json"}


def test_a_body_over_10_mb_is_413_json_and_stores_nothing(handover_runtime):
    runtime = handover_runtime
    ref = f"big-{uuid.uuid4().hex[:8]}"
    body = json.dumps({"name": "x" * (11 * 1024 * 1024)})
    response = requests.put(f"{runtime.url}/bot/v1/leads/{ref}", data=body, headers=bot_headers(runtime), timeout=30)
    error = error_of(response, 413, "request_too_large")
    assert "10 MB" in error["message"]
    assert requests.get(f"{runtime.url}/bot/v1/leads/{ref}", headers=bot_headers(runtime), timeout=10).status_code == 404


def test_a_chunked_body_over_10_mb_is_413_json(handover_runtime):
    runtime = handover_runtime
    chunks = (b"x" * (1024 * 1024) for _ in range(11))  # no Content-Length: read until the limit
    response = requests.post(f"{runtime.url}/bot/v1/uploads", data=chunks, headers=bot_headers(runtime), timeout=30)
    error_of(response, 413, "request_too_large")


def test_headers_are_limited_like_api_gateway_10240_bytes_in_all(handover_runtime):
    runtime = handover_runtime
    # An 8 KB header is within API Gateway's quota: the app answers (aiohttp alone said 400).
    fine = requests.get(f"{runtime.url}/api/bots", headers={"X-Big": "a" * 8192}, timeout=10)
    error_of(fine, 401, "unauthorized")
    over = requests.get(f"{runtime.url}/api/bots", headers={f"X-Part-{i}": "a" * 4000 for i in range(3)}, timeout=10)
    assert "10240 bytes" in error_of(over, 431, "request_header_fields_too_large")["message"]
    # Past what the HTTP parser reads at all: the same answer.
    status, content_type, body = raw(runtime, b"GET /api/bots HTTP/1.1\r\nHost: x\r\nX-Huge: " + b"a" * 70_000
                                     + b"\r\nConnection: close\r\n\r\n")
    assert (status, content_type.split(";")[0]) == (431, "application/json")
    assert body["error"]["code"] == "request_header_fields_too_large"


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/nowhere"), ("GET", "/api/nowhere"), ("PUT", "/bot/v1/nowhere"),
])
def test_a_path_with_no_route_is_api_gateways_403_in_json(handover_runtime, method, path):
    response = requests.request(method, f"{handover_runtime.url}{path}", json={}, timeout=10)
    assert error_of(response, 403, "missing_authentication_token")["message"] == "Missing Authentication Token"


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("DELETE", "/api/bots", "GET"), ("TRACE", "/api/auth/login", "POST"),
])
def test_a_method_the_route_does_not_declare_is_405_with_allow(handover_runtime, method, path, allowed):
    response = requests.request(method, f"{handover_runtime.url}{path}", json={}, timeout=10)
    assert error_of(response, 405, "method_not_allowed")["message"] == f"{method} is not allowed here; use {allowed}"
    assert response.headers["Allow"] == allowed


def test_a_request_the_parser_cannot_read_is_400_json(handover_runtime):
    status, content_type, body = raw(handover_runtime, b"GARBAGE\r\n\r\n")
    assert (status, content_type.split(";")[0]) == (400, "application/json")
    assert body["error"]["code"] == "bad_request"


def test_the_ui_and_the_app_still_answer_after_all_that(handover_runtime):
    runtime = handover_runtime
    assert requests.get(f"{runtime.url}/", timeout=10).status_code == 200
    assert requests.options(f"{runtime.url}/api/bots", timeout=10).status_code in (200, 204)
    ref = f"ok-{uuid.uuid4().hex[:8]}"
    created = requests.put(f"{runtime.url}/bot/v1/leads/{ref}", json={"name": "Fine"}, headers=bot_headers(runtime),
                           timeout=10)
    assert created.status_code == 201
