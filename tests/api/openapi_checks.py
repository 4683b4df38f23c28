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
