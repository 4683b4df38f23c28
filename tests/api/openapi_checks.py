"""What both OpenAPI tests need: every (schema, example) pair of a document, and a JSON
Schema validator that resolves the document's `#/components/...` references."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
from referencing import Registry, Resource


def examples(node: Any, where: str = "") -> Iterator[tuple[str, dict, Any]]:
    """(where, schema, example) for each media type and each schema that carries an example."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "content" and isinstance(value, dict):
                for media in value.values():
                    if "schema" in media and "example" in media:
                        yield f"{where}/content", media["schema"], media["example"]
            if key == "example" and "type" in node:
                yield where, node, value
            yield from examples(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from examples(item, f"{where}[{i}]")


def validator(document: dict, schema: dict) -> jsonschema.Draft202012Validator:
    """A validator for `schema`, its `#/components` references resolved in `document`."""
    urn = "urn:openapi-under-test"
    registry = Registry().with_resource(
        urn, Resource.from_contents({**document, "$schema": "https://json-schema.org/draft/2020-12/schema"}))
    schema = json.loads(re.sub(r'"#/components', f'"{urn}#/components', json.dumps(schema)))
    return jsonschema.Draft202012Validator(schema, registry=registry, format_checker=jsonschema.FormatChecker())


def undocumented(document: dict, schema: dict, value: Any, where: str = "") -> list[str]:
    """Where `value` carries a key its (resolved) schema does not document: the views must say
    no more than the document, or a client reads fields the contract never promised. Of the
    `anyOf` branches `value` matches, the one that documents it best is taken."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return undocumented(document, document["components"]["schemas"][name], value, where)
    found: list[str] = []
    if isinstance(value, dict) and "properties" in schema:
        for key, item in value.items():
            if key in schema["properties"]:
                found += undocumented(document, schema["properties"][key], item, f"{where}.{key}")
            elif "additionalProperties" not in schema:
                found.append(f"{where}.{key}")
    elif isinstance(value, dict) and isinstance(schema.get("additionalProperties"), dict):
        for key, item in value.items():
            found += undocumented(document, schema["additionalProperties"], item, f"{where}.{key}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            found += undocumented(document, schema["items"], item, f"{where}[{i}]")
    matching = [branch for branch in schema.get("anyOf", []) if validator(document, branch).is_valid(value)]
    if matching:
        found += min((undocumented(document, branch, value, where) for branch in matching), key=len)
    for branch in schema.get("allOf", []):
        found += undocumented(document, branch, value, where)
    return found


def conforms(document: dict, path: str, method: str, status: int, body: Any) -> None:
    """`body`, a real answer, is what the document says `path` answers with `status`, field by field."""
    response = document["paths"][path][method]["responses"][str(status)]
    schema = response["content"]["application/json"]["schema"]
    validator(document, schema).validate(body)
    assert undocumented(document, schema, body) == [], (path, method, status)
