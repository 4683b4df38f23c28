"""The bot API's OpenAPI document matches the routes, and its examples match its schemas."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from openapi_spec_validator import validate
from referencing import Registry, Resource

from app import app
from chalicelib.api.openapi_bot import bot_openapi


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


def _examples(node, where=""):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "content" and isinstance(value, dict):
                for media in value.values():
                    if "schema" in media and "example" in media:
                        yield f"{where}/content", media["schema"], media["example"]
            if key in ("example",) and "type" in node:
                yield where, node, value
            yield from _examples(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _examples(item, f"{where}[{i}]")


EXAMPLES = list(_examples(bot_openapi()))


def test_there_are_examples_to_check():
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("where,schema,example", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_examples_validate_against_their_schemas(where, schema, example):
    doc = document()
    registry = Registry().with_resource("urn:bot-api", Resource.from_contents({**doc, "$schema": "https://json-schema.org/draft/2020-12/schema"}))
    schema = json.loads(re.sub(r'"#/components', '"urn:bot-api#/components', json.dumps(schema)))
    validator = jsonschema.Draft202012Validator(schema, registry=registry, format_checker=jsonschema.FormatChecker())
    validator.validate(example)


def test_served_at_its_route(client):
    response = client.http.get("/bot/v1/openapi.json")
    assert response.status_code == 200
    assert json.loads(response.body)["openapi"] == "3.1.0"
