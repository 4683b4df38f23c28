"""The dead-letter list's cursor: what this API gave out pages through every letter once, and
anything else is a 422 `validation_failed` naming `cursor` — on moto and on DynamoDB Local,
whose refusals of a bad ExclusiveStartKey moto does not copy (a forged key that reached
DynamoDB used to answer 500 or 503 instead)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest

from chalicelib.storage.deliveries import DeadLetterModel
from tests.api.conftest import ADMIN, Api

Get = Callable[[str], tuple[int, Any]]
PATH = "/api/admin/webhooks/dead-letters"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor(value: Any) -> str:
    return _b64(json.dumps(value).encode())


def _key(**values: Any) -> dict[str, Any]:
    key = {"id": {"S": "evt_1"}, "directory": {"S": "dead_letters"}, "dead_at": {"S": "2024-05-01T10:00:00.000Z"}}
    key.update(values)
    return {name: value for name, value in key.items() if value is not None}


FORGED = {
    "not base64": "%%%",
    "base64 of bytes that are not UTF-8": _b64(b"\xff\xfe\xfd"),
    "base64 of text that is not JSON": _b64(b"not json"),
    "a JSON array": _cursor([1, 2]),
    "a JSON string": _cursor("k"),
    "JSON null": _cursor(None),
    "an object without a key": _cursor({"s": {}}),
    "a key that is a list": _cursor({"k": [1]}),
    "an empty key": _cursor({"k": {}}),
    "a key without dead_at": _cursor({"k": _key(dead_at=None)}),
    "a key with one attribute more": _cursor({"k": _key(bot_id={"S": "bot_1"})}),
    "a tab's key": _cursor({"k": {"id": {"S": "ld_1"}, "all_key": {"S": "all#0"},
                                  "last_activity_at": {"S": "2024-05-01T10:00:00.000Z"}}}),
    "a number type": _cursor({"k": _key(id={"N": "1"})}),
    "a plain value": _cursor({"k": _key(id="evt_1")}),
    "a string type holding a number": _cursor({"k": _key(dead_at={"S": 5})}),
    "two types at once": _cursor({"k": _key(id={"S": "evt_1", "N": "1"})}),
    "another partition": _cursor({"k": _key(directory={"S": "bots"})}),
    "an empty id": _cursor({"k": _key(id={"S": ""})}),
    "an empty dead_at": _cursor({"k": _key(dead_at={"S": ""})}),
    "an id longer than any key": _cursor({"k": _key(id={"S": "e" * 1025})}),
}


def bury(count: int, bot_id: str = "bot_a", first: int = 0) -> list[str]:
    """Dead letters stored as the delivery function stores them, one a second (oldest first)."""
    ids = []
    for n in range(first, first + count):
        letter = DeadLetterModel(f"evt_{bot_id}_{n}", bot_id=bot_id, lead_id=f"ld_{n}", type="lead.updated",
                                 body=json.dumps({"id": f"evt_{bot_id}_{n}", "type": "lead.updated", "data": {}}),
                                 reason="gone", created_at="2024-05-01T09:00:00.000Z",
                                 dead_at=f"2024-05-01T10:00:{n:02d}.000Z")
        letter.save()
        ids.append(letter.id)
    return ids


def assert_forged_cursors_refused(get: Get) -> None:
    for name, cursor in FORGED.items():
        status, body = get(f"{PATH}?cursor={quote(cursor)}")
        assert status == 422, (name, status, body)
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, (name, body)
        assert body["error"]["code"] == "validation_failed", name
        assert "cursor" in body["error"]["details"]["fields"], name


def assert_pages_cover_every_letter(get: Get, ids: list[str], query: str = "") -> None:
    seen: list[str] = []
    status, body = get(f"{PATH}?limit=2{query}")
    while True:
        assert status == 200, body
        seen += [item["id"] for item in body["items"]]
        if body["next_cursor"] is None:
            break
        status, body = get(f"{PATH}?limit=2{query}&cursor={quote(body['next_cursor'])}")
    assert seen == list(reversed(ids)), "every letter once, newest first"


# --- moto, signed in as an admin ----------------------------------------------------------
@pytest.fixture
def moto_get(cognito, client) -> Get:
    admin = Api(client, cognito)

    def get(path: str) -> tuple[int, Any]:
        response = admin.get(path, as_=ADMIN)
        return response.status, response.body

    return get


def test_forged_cursors_are_422_on_moto(moto_get):
    bury(3)
    assert_forged_cursors_refused(moto_get)


def test_real_cursors_page_through_every_letter_on_moto(moto_get):
    ids = bury(5)
    others = bury(3, "bot_b", first=5)
    assert_pages_cover_every_letter(moto_get, ids + others)
    assert_pages_cover_every_letter(moto_get, ids, "&bot_id=bot_a")


# --- DynamoDB Local ----------------------------------------------------------------------
@pytest.fixture
def local_get(real_dynamodb, monkeypatch) -> Get:
    """The app on DynamoDB Local. Cognito is moto's, which this fixture leaves out: the admin
    check passes here (it is tested on moto above and in tests/hardening/)."""
    from chalice.test import Client

    from app import app
    from chalicelib.api import deliveries

    monkeypatch.setattr(deliveries, "current_admin", lambda request: None)
    with Client(app) as client:

        def get(path: str) -> tuple[int, Any]:
            response = client.http.get(path)
            return response.status_code, json.loads(response.body)

        yield get


def test_forged_cursors_are_422_on_dynamodb_local(local_get):
    bury(3)
    assert_forged_cursors_refused(local_get)
    # A key of the right shape is taken by DynamoDB itself: the check is not tighter than it.
    status, body = local_get(f"{PATH}?cursor={_cursor({'k': _key(dead_at={'S': '2024-01-01T00:00:00.000Z'})})}")
    assert status == 200 and body["items"] == [], body


def test_real_cursors_page_through_every_letter_on_dynamodb_local(local_get):
    ids = bury(5)
    others = bury(3, "bot_b", first=5)
    assert_pages_cover_every_letter(local_get, ids + others)
    assert_pages_cover_every_letter(local_get, ids, "&bot_id=bot_a")
