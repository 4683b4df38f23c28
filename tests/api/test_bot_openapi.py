"""The bot API's OpenAPI document matches the routes, and its examples match its schemas."""

from __future__ import annotations

import json

import boto3
import pytest
from openapi_spec_validator import validate

from app import app
from chalicelib.api.openapi_bot import bot_openapi
from tests.api.openapi_checks import examples, validator


def document():
    return bot_openapi()


def test_the_document_is_valid_openapi_3_1():
    validate(document())


def test_every_bot_route_is_documented_and_nothing_else():
    routes = {
        (path, method.lower())
        for path, entries in app.routes.items() if path.startswith("/bot/v1")
        for method in entries
    }
    documented = {
        (path, method)
        for path, item in document()["paths"].items()
        for method in item if method in ("get", "put", "post", "patch", "delete")
    }
    assert routes == documented


EXAMPLES = list(examples(bot_openapi()))


def test_there_are_examples_to_check():
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("where,schema,example", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_examples_validate_against_their_schemas(where, schema, example):
    validator(document(), schema).validate(example)


def test_served_at_its_route(client):
    response = client.http.get("/bot/v1/openapi.json")
    assert response.status_code == 200
    assert json.loads(response.body)["openapi"] == "3.1.0"


def test_real_answers_match_the_document(client, bot):
    """Every bot route's answer, from the real app on moto, is what the document says, field by field."""
    from tests.api.openapi_checks import conforms

    def check(path, method, response):
        assert response.status_code < 300, (path, response.body)
        conforms(document(), path, method, response.status_code, json.loads(response.body))
        return json.loads(response.body)

    auth = {**bot.auth, "Content-Type": "application/json"}
    check("/bot/v1/leads/{lead_ref}", "put", client.http.put("/bot/v1/leads/tg:1", headers=auth, body=json.dumps({
        "name": "Anna", "tags": ["vip"], "attributes": {"sys_phone": "+1555", "age": 31, "vip": True, "x": None}})))
    check("/bot/v1/leads/{lead_ref}", "put", client.http.put("/bot/v1/leads/tg:1", headers=auth, body="{}"))
    check("/bot/v1/leads/{lead_ref}", "get", client.http.get("/bot/v1/leads/tg:1", headers=bot.auth))
    upload = check("/bot/v1/uploads", "post", client.http.post("/bot/v1/uploads", headers=auth, body=json.dumps(
        {"filename": "a.txt", "content_type": "text/plain", "size": 1758.0})))
    boto3.client("s3", region_name="us-east-1").put_object(Bucket="test-attachments", Key=upload["fields"]["key"],
                                                           Body=b"x" * 1758)
    body = {"id": "m-1", "from": "lead", "text": "hi", "sent_at": "2026-11-25T10:00:00+02:00",
            "attachments": [{"upload_id": upload["upload_id"]}]}
    posted = check("/bot/v1/leads/{lead_ref}/messages", "post",
                   client.http.post("/bot/v1/leads/tg:1/messages", headers=auth, body=json.dumps(body)))
    assert posted["sent_at"] == "2026-11-25T08:00:00.000Z" and posted["attachments"][0]["size"] == 1758
    check("/bot/v1/leads/{lead_ref}/messages", "post",
          client.http.post("/bot/v1/leads/tg:1/messages", headers=auth, body=json.dumps(body)))
    check("/bot/v1/leads/{lead_ref}/handoff", "post", client.http.post("/bot/v1/leads/tg:1/handoff", headers=auth,
                                                                       body=json.dumps({"reason": "help"})))
