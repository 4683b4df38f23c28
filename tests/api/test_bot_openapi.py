"""The bot API's OpenAPI document matches the routes, and its examples match its schemas."""

from __future__ import annotations

import json

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
