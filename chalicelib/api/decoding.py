"""A request body or query string, checked against its schema and turned into a typed value.

The schemas (`schemas.py`, `schemas_bot.py`, `schemas_operator.py`, `schemas_admin.py`) are `msgspec.Struct`s whose
fields carry every limit as `Annotated[..., msgspec.Meta(...)]`, and the OpenAPI documents are
generated from the same classes (`openapi.py`), so what a document allows is what `decode`
accepts. msgspec stops at the first bad value; a 422 here names every bad field at once, so
the value is walked field by field, item by item and key by key, and msgspec judges each leaf.

What msgspec cannot check is declared beside the types, each with its JSON Schema, and
`openapi.py` puts that schema in the document:
- a `Check` on a type judges one value (a number DynamoDB can store);
- a `Rule` on a Struct (its `rules`) judges the object (a message needs text or an attachment).

JSON Schema's `integer` is a number without a fraction, so `1758.0` is one: where only an int
is allowed, an integral float is taken as that int (msgspec's strict mode would refuse it, and
its lax mode would also take the string "1758", which the document does not allow).
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import msgspec

from chalicelib.domain.errors import DomainError, Problems, ValidationFailed

S = TypeVar("S", bound=msgspec.Struct)

# What a query string's integer may look like; the bounds are the schema's (digits are capped
# only so that a megabyte of them is not turned into a number).
_QUERY_INT = re.compile(r"[0-9]{1,20}")
# A bad key is named by its first characters: the name goes back in the error body.
_KEY_SHOWN = 64


class Check(msgspec.Struct, frozen=True):
    """A rule on one value that msgspec cannot check, and the same rule in JSON Schema."""

    problem: str
    schema: dict[str, Any]
    holds: Callable[[Any], bool]

    def meta(self, **constraints: Any) -> msgspec.Meta:
        """The `msgspec.Meta` that puts this check (and `constraints`) on a type."""
        return msgspec.Meta(**constraints, extra_json_schema=self.schema, extra={"check": self})


class Rule(msgspec.Struct, frozen=True, kw_only=True):
    """A rule on a whole object that msgspec cannot check, and the same rule in JSON Schema
    (`openapi.py` adds `schema` to the object's `allOf`). It is judged on the decoded JSON
    object once the fields it `reads` are valid; a breach is a 422 naming `where`, or the
    error `refuse` makes (an upload over 20 MB is a 413, not a 422)."""

    reads: tuple[str, ...]
    where: str
    problem: str
    schema: dict[str, Any]
    holds: Callable[[dict[str, Any]], bool]
    refuse: Callable[[], DomainError] | None = None


def decode(value: Any, schema: type[S]) -> S:
    """`value` (parsed JSON) as a `schema`, or one ValidationFailed naming every bad field."""
    if not isinstance(value, dict):
        raise ValidationFailed("the body must be a JSON object", fields={"body": "must be an object"})
    problems = Problems()
    walked = _struct(value, schema, "", problems)
    rules: tuple[Rule, ...] = getattr(schema, "rules", ())
    for rule in rules:
        if rule.refuse is None and not _touched(problems, rule.reads) and not rule.holds(walked):
            problems.add(rule.where, rule.problem)
    problems.raise_if_any()
    for rule in rules:
        if rule.refuse is not None and not rule.holds(walked):
            raise rule.refuse()
    try:
        return msgspec.convert(walked, schema)
    except msgspec.ValidationError as error:  # the walk let through what msgspec refuses
        message, _, path = str(error).partition(" - at ")
        raise ValidationFailed(f"invalid fields: {path or 'body'}", fields={path.strip("`$.") or "body": message}) \
            from None


def _touched(problems: Problems, names: tuple[str, ...]) -> bool:
    """Whether a problem was found in one of these fields, or inside one (`attachments[0].upload_id`)."""
    return any(where == name or where.startswith((f"{name}.", f"{name}["))
               for where in problems.found for name in names)


def decode_query(params: Mapping[str, str] | None, schema: type[S]) -> S:
    """A query string as a `schema`: an integer field takes digits only (`?limit=` is bad input,
    not an absent limit), every other field the text as sent."""
    params = params or {}
    problems = Problems()
    value: dict[str, Any] = {}
    for field in msgspec.structs.fields(schema):
        raw = params.get(field.encode_name)
        if raw is None:
            continue
        if int in _bases(field.type):
            if not _QUERY_INT.fullmatch(raw):
                problems.add(field.encode_name, _describe(field.type) or "an integer")
                continue
            value[field.encode_name] = int(raw)
        else:
            value[field.encode_name] = raw
    problems.raise_if_any()
    return decode(value, schema)


def problem_of(value: Any, type_: Any) -> str | None:
    """What is wrong with one value of `type_` (a path parameter, say), or None."""
    problems = Problems()
    _walk(value, type_, "value", problems)
    return problems.found.get("value") or next(iter(problems.found.values()), None)


# --- the walk --------------------------------------------------------------------------------

def _walk(value: Any, type_: Any, where: str, problems: Problems) -> Any:
    """`value` with integral floats made ints where the type wants ints; problems noted by place."""
    alternatives = _alternatives(type_)
    container = _container_for(value, alternatives)
    if container is None:
        return _leaf(value, type_, alternatives, where, problems)
    base, metas = _split(container)
    if isinstance(base, type) and issubclass(base, msgspec.Struct):
        return _struct(value, base, where, problems)
    size = _size_problem(value, base, metas)
    if size is not None:
        problems.add(where, size)
        return value
    if get_origin(base) is list:
        (item,) = get_args(base)
        return [_walk(one, item, f"{where}[{i}]", problems) for i, one in enumerate(value)]
    key_type, value_type = get_args(base)
    walked = {}
    for key, item in value.items():
        key_problem = _leaf_problem(key, key_type)
        if key_problem is not None:
            problems.add(f"{where}.{key[:_KEY_SHOWN]}", key_problem)
            continue
        walked[key] = _walk(item, value_type, f"{where}.{key}", problems)
    return walked


def _struct(value: dict[str, Any], schema: type[msgspec.Struct], where: str, problems: Problems) -> dict[str, Any]:
    fields = msgspec.structs.fields(schema)
    if schema.__struct_config__.forbid_unknown_fields:
        known = {field.encode_name for field in fields}
        for key in value:
            if key not in known:
                problems.add(_join(where, key[:_KEY_SHOWN]), "unknown field")
    walked = {}
    for field in fields:
        here = _join(where, field.encode_name)
        if field.encode_name in value:
            walked[field.encode_name] = _walk(value[field.encode_name], field.type, here, problems)
        elif field.required:
            problems.add(here, _describe(field.type) or "required")
    return walked


def _leaf(value: Any, type_: Any, alternatives: tuple[Any, ...], where: str, problems: Problems) -> Any:
    bases = {_split(alternative)[0] for alternative in alternatives}
    if type(value) is float and value.is_integer() and int in bases and float not in bases:
        value = int(value)
    problem = _leaf_problem(value, type_)
    if problem is not None:
        problems.add(where, problem)
    return value


def _leaf_problem(value: Any, type_: Any) -> str | None:
    try:
        converted = msgspec.convert(value, type_)
    except msgspec.ValidationError as error:
        return _meant(value, type_) or str(error).partition(" - at ")[0]
    for alternative in _alternatives(type_):
        base, metas = _split(alternative)
        if type(converted) is base:
            for meta in metas:
                check = (meta.extra or {}).get("check")
                if isinstance(check, Check) and not check.holds(converted):
                    return check.problem
    return None


def _size_problem(value: Any, base: Any, metas: tuple[msgspec.Meta, ...]) -> str | None:
    """The container's own limits (item or key counts), judged by msgspec with its items unread."""
    if not metas:
        return None
    shape = list[Any] if get_origin(base) is list else dict[Any, Any]
    try:
        msgspec.convert(value, Annotated[shape, *metas])
    except msgspec.ValidationError as error:
        return next((meta.description for meta in metas if meta.description), None) \
            or str(error).partition(" - at ")[0]
    return None


# --- reading the types ------------------------------------------------------------------------

def _split(type_: Any) -> tuple[Any, tuple[msgspec.Meta, ...]]:
    """`Annotated[T, Meta(...)]` -> (T, its Metas)."""
    if get_origin(type_) is Annotated:
        base, *extras = get_args(type_)
        return base, tuple(extra for extra in extras if isinstance(extra, msgspec.Meta))
    return type_, ()


def _alternatives(type_: Any) -> tuple[Any, ...]:
    base, _ = _split(type_)
    if get_origin(base) in (Union, types.UnionType):
        return get_args(base)
    return (type_,)


def _bases(type_: Any) -> set[Any]:
    return {_split(alternative)[0] for alternative in _alternatives(type_)}


def _container_for(value: Any, alternatives: tuple[Any, ...]) -> Any:
    """The alternative a JSON object or array is read as (a Struct, a dict or a list), if any."""
    for alternative in alternatives:
        base, _ = _split(alternative)
        if isinstance(value, dict) and (get_origin(base) is dict or
                                        (isinstance(base, type) and issubclass(base, msgspec.Struct))):
            return alternative
        if isinstance(value, list) and get_origin(base) is list:
            return alternative
    return None


def _meant(value: Any, type_: Any) -> str | None:
    """Why `value` fails the alternative of `type_` it was meant for (the one whose bare type
    takes it: a number for the number), in that alternative's own words; None when the value
    is of no alternative's type, for msgspec's "Expected `str | null`, got `int`" says it best."""
    for alternative in _alternatives(type_):
        base, metas = _split(alternative)
        try:
            msgspec.convert(value, base)
        except (msgspec.ValidationError, TypeError):
            continue
        try:
            msgspec.convert(value, alternative)
        except msgspec.ValidationError as error:
            return _describe(alternative) or _describe(type_) or str(error).partition(" - at ")[0]
    return None


def _describe(type_: Any) -> str | None:
    """The description the schema gives a type (the same words the document shows)."""
    for candidate in (type_, *_alternatives(type_)):
        for meta in _split(candidate)[1]:
            if meta.description:
                return meta.description
    return None


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name
