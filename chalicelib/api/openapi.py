"""The OpenAPI 3.1 documents, generated: the schemas are msgspec's JSON Schema of the Structs in
`schemas*.py` (the same classes `decoding.decode` checks requests against), and the operations
come from a table of `Route`s per API (`openapi_bot.py`, `openapi_operator.py`).

What the generator adds to msgspec's output, each from a declaration beside the types:
- a Struct's `rules` (cross-field rules msgspec cannot check) go into its schema's `allOf`;
- a Struct's `example` is the example of its schema and of each body or response using it;
- a query string with rules becomes one exploded `form` object parameter, so the rule (e.g.
  "before or after, not both") is in the document; otherwise each field is a parameter;
- `anyOf: [X, {type: null}]` becomes `type: [X, "null"]` where X is a plain type (shorter to read).

Imported only by the two `openapi.json` routes, so a cold start pays for none of this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, get_args

import msgspec

from chalicelib.api.schemas import Error

REF = "#/components/schemas/{name}"
METHODS = ("get", "put", "post", "patch", "delete")
# Every string is valid Unicode: JSON Schema has no portable way to say it (a pattern would
# read UTF-16 code units in some engines and refuse every emoji), so the documents say it here.
UNICODE = ("Every string must be valid Unicode: a lone UTF-16 surrogate (such as \\ud800, what cutting "
           "an emoji in two leaves) is refused with 422 naming the field.")


@dataclass(frozen=True)
class StateRefusal:
    """A 422 that no schema can foresee because it depends on what is stored: a well-formed
    request refused for `why` with this error `code` (naming `field`, if given). The documents
    list them (`x-state-refusals` of the 422 answer), and the fuzzing accepts a refused valid
    request only when it is one of these (tests/hardening/fuzz_hooks.py)."""

    code: str
    why: str
    field: str | None = None


# The refusals both APIs share.
UPLOAD_REFUSED = StateRefusal("upload_rejected", "An attachment must be an unused upload of the caller's whose "
                              "file arrived as announced.")
FORGED_CURSOR = StateRefusal("validation_failed", "A cursor must be one the API gave out.", "cursor")
MERGED_LEAD = (StateRefusal("validation_failed", "A lead keeps at most 200 attributes, counted after the merge.",
                            "attributes"),
               StateRefusal("lead_too_large", "A lead stays under DynamoDB's item size, measured after the merge."))


@dataclass(frozen=True)
class Route:
    """One operation: what it takes and what it answers. `ok` maps a status to (description,
    schema or a tuple of schemas), `errors` a status to its description (every error has the
    `Error` schema)."""

    method: str
    path: str
    operation_id: str
    summary: str
    ok: dict[int, tuple[str, Any]]
    errors: dict[int, str] = field(default_factory=dict)
    body: type[msgspec.Struct] | None = None
    body_required: bool = True
    query: type[msgspec.Struct] | None = None
    path_params: dict[str, Any] = field(default_factory=dict)
    public: bool = False
    state_refusals: tuple[StateRefusal, ...] = ()


@dataclass(frozen=True)
class Api:
    title: str
    description: str
    security: tuple[str, dict[str, Any]]
    routes: tuple[Route, ...]


def document(api: Api) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `api`."""
    types: list[Any] = [Error]
    for route in api.routes:
        for _, schema in route.ok.values():
            types += schema if isinstance(schema, tuple) else [schema] if schema is not None else []
        if route.body is not None:
            types.append(route.body)
        if route.query is not None and _rules(route.query):
            types.append(route.query)
    _, components = msgspec.json.schema_components(list(dict.fromkeys(types)), ref_template=REF)
    structs = {cls.__name__: cls for cls in _structs(types)}
    for name, schema in components.items():
        cls = structs.get(name)
        if cls is not None and _rules(cls):
            schema["allOf"] = [rule.schema for rule in _rules(cls)]
        if cls is not None and getattr(cls, "example", None) is not None:
            schema["example"] = cls.example
    paths: dict[str, Any] = {}
    for route in api.routes:
        item = paths.setdefault(route.path, {})
        if route.path_params:
            item["parameters"] = [{"name": name, "in": "path", "required": True, "schema": msgspec.json.schema(type_)}
                                  for name, type_ in route.path_params.items()]
        item[route.method] = _operation(route)
    name, scheme = api.security
    return _tidy({
        "openapi": "3.1.0",
        "info": {"title": api.title, "version": "1.0.0", "description": f"{api.description} {UNICODE}"},
        "servers": [{"url": "/"}],
        "security": [{name: []}],
        "paths": paths,
        "components": {"securitySchemes": {name: scheme}, "schemas": components},
    })


def _operation(route: Route) -> dict[str, Any]:
    operation: dict[str, Any] = {"operationId": route.operation_id, "summary": route.summary}
    if route.public:
        operation["security"] = []
    if route.query is not None:
        operation["parameters"] = _query(route.query)
    if route.body is not None:
        operation["requestBody"] = {"required": route.body_required, "content": _json(route.body)}
    responses: dict[str, Any] = {}
    for status, (description, schema) in route.ok.items():
        content = _json(schema) if schema is not None else {"application/json": {}}
        responses[str(status)] = {"description": description, "content": content}
    for status, description in route.errors.items():
        responses[str(status)] = {"description": description, "content": _json(Error)}
    if route.state_refusals:
        responses["422"]["x-state-refusals"] = [
            {"code": refusal.code, **({"field": refusal.field} if refusal.field else {}), "why": refusal.why}
            for refusal in route.state_refusals]
    operation["responses"] = dict(sorted(responses.items()))
    return operation


def _json(schema: Any) -> dict[str, Any]:
    """A JSON body of `schema`, or of any of a tuple of schemas (who asks decides which)."""
    schemas = schema if isinstance(schema, tuple) else (schema,)
    refs = [{"$ref": REF.format(name=one.__name__)} for one in schemas]
    media: dict[str, Any] = {"schema": refs[0] if len(refs) == 1 else {"anyOf": refs}}
    if getattr(schemas[0], "example", None) is not None:
        media["example"] = schemas[0].example
    return {"application/json": media}


def _query(query: type[msgspec.Struct]) -> list[dict[str, Any]]:
    """A query string's parameters: one object parameter when it has rules, else one per field."""
    if _rules(query):
        return [{"name": "query", "in": "query", "style": "form",
                 "explode": True, "schema": {"$ref": REF.format(name=query.__name__)}}]
    _, components = msgspec.json.schema_components([query], ref_template=REF)
    properties = components[query.__name__]["properties"]
    return [{"name": f.encode_name, "in": "query", "required": f.required, "schema": properties[f.encode_name]}
            for f in msgspec.structs.fields(query)]


def _rules(cls: Any) -> tuple[Any, ...]:
    return tuple(getattr(cls, "rules", ()))


def _structs(types: list[Any]) -> list[type[msgspec.Struct]]:
    """Every Struct in `types`, and those their fields use."""
    found: list[type[msgspec.Struct]] = []
    pending = list(types)
    while pending:
        type_ = pending.pop()
        if isinstance(type_, type) and issubclass(type_, msgspec.Struct):
            if type_ in found:
                continue
            found.append(type_)
            pending += [f.type for f in msgspec.structs.fields(type_)]
        else:
            pending += [arg for arg in get_args(type_) if not isinstance(arg, msgspec.Meta)]
    return found


def _tidy(node: Any) -> Any:
    """`anyOf: [X, {type: null}]` as `type: [X, null]` where X is one plain type, and no empty `required`."""
    if isinstance(node, list):
        return [_tidy(item) for item in node]
    if not isinstance(node, dict):
        return node
    # msgspec writes `required: []` for an object without required fields; say nothing instead.
    node = {key: _tidy(value) for key, value in node.items() if not (key == "required" and value == [])}
    options = node.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
        other = options[0] if options[1] == {"type": "null"} else options[1]
        if isinstance(other.get("type"), str) and not {"anyOf", "$ref", "enum", "const"} & set(other):
            rest = {key: value for key, value in node.items() if key != "anyOf"}
            if not set(rest) & set(other):
                return {**other, **rest, "type": [other["type"], "null"]}
    return node
