"""One contract per API: the schemas in chalicelib/api/schemas*.py decide both what the server
accepts (`decoding.decode`) and what the OpenAPI documents say, so the two agree, body by body.

Each case below is judged twice, by the document (a JSON Schema validator reading the generated
schema, as Schemathesis does) and by the server's decoder, and the verdicts must match. The
first three are what Schemathesis found when the documents were written by hand (issue 18):
an empty message allowed by the document and refused by the server, `size: 1758.0` (an integer
to JSON Schema) refused, and a control character in an attribute key allowed by the document.
"""

from __future__ import annotations

import re
import sys

import jsonschema_rs
import pytest

from chalicelib.api import schemas, schemas_admin, schemas_bot, schemas_operator
from chalicelib.api.decoding import decode, decode_query
from chalicelib.api.openapi_bot import bot_openapi
from chalicelib.api.openapi_operator import operator_openapi
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.files import UploadTooLarge

UP = "up_" + "a" * 24


def _document_allows(document: dict, schema_name: str, body: object) -> bool:
    schema = {**document, "$ref": f"#/components/schemas/{schema_name}"}
    # jsonschema-rs: the validator Schemathesis uses, reading patterns as ECMA-262 does.
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True).is_valid(body)


def _server_accepts(schema: type, body: object) -> bool:
    try:
        decode(body, schema)
    except (ValidationFailed, UploadTooLarge):
        return False
    return True


AGREE = [
    # (document, schema, body, allowed)
    (bot_openapi, schemas_bot.MessageInput, {"id": "m", "from": "lead", "text": "", "attachments": []}, False),
    (bot_openapi, schemas.UploadInput, {"filename": "a.png", "content_type": "image/png", "size": 1758.0}, True),
    (bot_openapi, schemas_bot.LeadInput, {"attributes": {"a\x01b": 1}}, False),
    (bot_openapi, schemas_bot.LeadInput, {"attributes": {"a\n": 1}}, False),  # Python's `$` took "a\n"
    (bot_openapi, schemas_bot.LeadInput, {"attributes": {"a[0]": 1, "#n": True, "x": None}}, True),
    (bot_openapi, schemas_bot.LeadInput, {"attributes": {"x": 1.1087579800466996e-162}}, False),
    (bot_openapi, schemas_bot.LeadInput, {"attributes": {"x": 9.99e125, "y": 1e-130, "z": 0.0}}, True),
    (bot_openapi, schemas_bot.LeadInput, {"attributes": {"x": 10**38 - 1}}, True),
    (bot_openapi, schemas_bot.LeadInput, {"tags": ["\u00a0"]}, False),  # blank to str.strip()
    (bot_openapi, schemas_bot.LeadInput, {"tags": ["\ufeff"]}, True),  # not whitespace to str.strip()
    (bot_openapi, schemas_bot.LeadInput, {"avatar_url": ""}, True),
    (bot_openapi, schemas_bot.LeadInput, {"avatar_url": "\n"}, False),
    (bot_openapi, schemas_bot.LeadInput, {"name": None, "tags": None, "attributes": None}, True),
    (bot_openapi, schemas_bot.MessageInput, {"id": "m1\n", "from": "lead", "text": "x"}, False),
    (bot_openapi, schemas_bot.MessageInput, {"id": "m", "from": "lead", "text": " \u2028 "}, False),
    (bot_openapi, schemas_bot.MessageInput, {"id": "m", "from": "lead", "text": " ", "attachments": [
        {"upload_id": UP}]}, True),
    (bot_openapi, schemas_bot.MessageInput, {"id": "m", "from": "lead", "attachments": [{"upload_id": UP}] * 2},
     False),
    (bot_openapi, schemas_bot.MessageInput, {"id": "m", "from": "lead", "text": "x",
                                             "sent_at": "2026-11-25T10:00:00+02:00"}, True),
    (bot_openapi, schemas_bot.MessageInput, {"id": "m", "from": "lead", "text": "x",
                                             "sent_at": "0001-01-01T00:00:00+05:00"}, False),
    (bot_openapi, schemas.UploadInput, {"filename": "a", "content_type": "image/png", "size": "12"}, False),
    (bot_openapi, schemas.UploadInput, {"filename": "a", "content_type": "image/png", "size": 1.5}, False),
    (bot_openapi, schemas.UploadInput, {"filename": "a", "content_type": "image/png", "size": True}, False),
    (bot_openapi, schemas.UploadInput, {"filename": "a", "content_type": "image/png", "size": 20 * 2**20 + 1}, False),
    (bot_openapi, schemas_bot.HandoffInput, {"reason": None}, True),
    (operator_openapi, schemas_operator.LeadEdit, {"email": ""}, True),
    (operator_openapi, schemas_operator.LeadEdit, {"email": "a@b\n"}, False),
    (operator_openapi, schemas_operator.LeadEdit, {"email": "a b@c"}, False),
    (operator_openapi, schemas_operator.LeadEdit, {"variables": {"k": 1e-200}}, False),
    (operator_openapi, schemas_operator.MessageInput, {"client_id": "c1", "text": ""}, False),
    (operator_openapi, schemas_operator.MessageWindow, {"before": 3, "after": 1}, False),
    (operator_openapi, schemas_admin.BotCreateInput, {"name": "  "}, False),
    (operator_openapi, schemas_admin.BotCreateInput, {"name": "Bot", "webhook_url": "https://x.example/h?a=1"}, True),
    (operator_openapi, schemas_admin.BotCreateInput, {"name": "Bot", "webhook_url": "https://u:p@x.example/"}, False),
    (operator_openapi, schemas_admin.BotCreateInput, {"name": "Bot", "webhook_url": "https://[c20A:Ab6eE]"}, False),
    (operator_openapi, schemas_admin.BotInput, {"scripts": {"return": None, "other": []}}, False),
    (operator_openapi, schemas_admin.BotInput, {"scripts": {"return": ["a"] * 10}}, True),
    (operator_openapi, schemas_admin.ReplayInput, {"limit": 5.0}, True),
]


@pytest.mark.parametrize("document,schema,body,allowed", AGREE, ids=[f"{c[1].__name__}-{i}" for i, c in enumerate(AGREE)])
def test_the_document_and_the_server_agree(document, schema, body, allowed):
    assert _document_allows(document(), schema.__name__, body) is allowed
    assert _server_accepts(schema, body) is allowed


def test_where_they_differ_an_integer_written_out_in_39_digits():
    """JSON Schema reads numbers, not how they are written: `1e38` and 39 written-out digits are
    the same number to it, but only the first fits DynamoDB's 38 digits once Python has parsed
    it (an int keeps every digit). So the document lets a 39-digit integer through its `number`
    branch and the server refuses it; the branch's description says so. Generators write such
    numbers as floats, so this gap does not show in fuzzing."""
    assert _document_allows(bot_openapi(), "LeadInput", {"attributes": {"x": 10**38}})
    assert not _server_accepts(schemas_bot.LeadInput, {"attributes": {"x": 10**38}})
    assert _server_accepts(schemas_bot.LeadInput, {"attributes": {"x": 1e38}})


def test_integral_floats_are_integers_and_strings_are_not():
    upload = decode({"filename": "a.png", "content_type": "IMAGE/PNG", "size": 1758.0}, schemas.UploadInput)
    assert upload.size == 1758 and type(upload.size) is int


def test_every_bad_field_is_named_at_once():
    with pytest.raises(ValidationFailed) as refused:
        decode({"email": "not an email", "colour": "red", "tags": ["", "ok", " ", "x" * 65],
                "variables": {"k" * 65: 1, "fine": 1, "bad": {"nested": 1}, "tiny": 1e-300}}, schemas_operator.LeadEdit)
    assert set(refused.value.details["fields"]) == {
        "email", "colour", "tags[0]", "tags[2]", "tags[3]", "variables." + "k" * 64, "variables.bad", "variables.tiny"}


def test_a_rule_is_judged_beside_the_other_fields_and_a_413_comes_last():
    with pytest.raises(ValidationFailed) as refused:
        decode({"id": "has space", "from": "lead"}, schemas_bot.MessageInput)
    assert set(refused.value.details["fields"]) == {"id", "text"}
    with pytest.raises(ValidationFailed) as refused:
        decode({"filename": " ", "content_type": "image/png", "size": 10**9}, schemas.UploadInput)
    assert set(refused.value.details["fields"]) == {"filename"}
    with pytest.raises(UploadTooLarge):
        decode({"filename": "a", "content_type": "image/png", "size": 10**9}, schemas.UploadInput)


@pytest.mark.parametrize("attachments", [[{"upload_id": "nope"}, "x"], ["x", "x"], [None], [{"upload_id": UP}, {}]])
def test_a_rule_is_not_judged_on_fields_that_are_already_wrong(attachments):
    """The rules read the fields they name; with a bad item inside one they stay silent (no crash)."""
    with pytest.raises(ValidationFailed) as refused:
        decode({"id": "m", "from": "lead", "attachments": attachments}, schemas_bot.MessageInput)
    assert all(field.startswith("attachments[") for field in refused.value.details["fields"])


def test_a_query_string_takes_digits_for_integers():
    assert decode_query({"before": "3", "limit": "7"}, schemas_operator.MessageWindow).before == 3
    for bad in ({"limit": ""}, {"limit": "+5"}, {"limit": "5.0"}, {"limit": "0"}, {"after": "-1"},
                {"before": "3", "after": "1"}):
        with pytest.raises(ValidationFailed):
            decode_query(bad, schemas_operator.MessageWindow)


def test_blank_means_what_str_isspace_means():
    """The NON_BLANK pattern spells out the whitespace, because `\\s` differs between Python,
    ECMA-262 and Schemathesis' ASCII reading; it must be exactly str.isspace()."""
    pattern = re.compile(schemas.NON_BLANK)
    assert [c for c in map(chr, range(sys.maxunicode + 1)) if bool(pattern.search(c)) == c.isspace()] == []


def _patterns(node):
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from _patterns(item)


PROBES = ["", "a", "a\n", "\n", "ab c", "A-1", "up_" + "a" * 24, "x@y", "x@y\n", "https://a.b/c", "https://a.b\n",
          "image/png", "image/png\n", "ld_" + "a" * 26, "2026-11-25T10:00:00Z", "9999-01-01", "\u00a0", "\ufeff",
          "\x1c", "\x85", "http://localhost:8000/x"]


@pytest.mark.parametrize("pattern", sorted(set(_patterns(bot_openapi())) | set(_patterns(operator_openapi()))))
def test_every_pattern_reads_the_same_in_python_and_in_json_schema(pattern):
    validator = jsonschema_rs.Draft202012Validator({"type": "string", "pattern": pattern})
    assert [p for p in PROBES if bool(re.search(pattern, p)) != validator.is_valid(p)] == []
