"""Text at the edges (chalicelib/text.py), pure: the depth scan that runs before any parser,
the walk that finds lone UTF-16 surrogates in a decoded body, the encoders that render a
stored one as U+FFFD, and the pieces of the HTTP and websocket edges built on them. No moto,
no AWS: the same checks through the real local runtime are in
tests/integration/test_contract_edge_runtime.py."""

from __future__ import annotations

import base64
import json
import logging
import random
import time

import pytest
from chalice.app import Request

from chalicelib import observability
from chalicelib.api.http import HttpError, json_body, refuse_deep_json
from chalicelib.domain.errors import ValidationFailed
from chalicelib.live.connections import BadFrame, LiveConnections
from chalicelib.storage.pages import check_key, decode_cursor
from chalicelib.text import MAX_JSON_DEPTH, dumps, lone_surrogates, scrub, too_deep, utf8
from chalicelib.webhooks.events import render_body


def _nested(depth: int, kind: str = "[") -> bytes:
    if kind == "[":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * (depth - 1) + b"{}" + b"}" * (depth - 1)


def _depth(value: object) -> int:
    """The nesting depth of a decoded JSON value, the slow and obvious way."""
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


# --- the depth scan -----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["[", "{"])
def test_the_limit_itself_passes_and_one_level_more_is_too_deep(kind):
    assert not too_deep(_nested(MAX_JSON_DEPTH, kind))
    assert too_deep(_nested(MAX_JSON_DEPTH + 1, kind))
    assert json.loads(_nested(MAX_JSON_DEPTH, kind))  # what passes, the parser takes


def test_what_crashed_the_parser_is_found_without_recursion():
    crash = _nested(100_000)
    with pytest.raises(RecursionError):
        json.loads(crash)
    assert too_deep(crash)
    assert too_deep(b"[" * 100_000)  # unterminated: a parser would still recurse into it


def test_brackets_inside_strings_do_not_count_whatever_the_escapes():
    inside = b"[" * 500 + b"{" * 500
    assert not too_deep(b'{"text": "' + inside + b'"}')
    assert not too_deep(b'{"k\\"' + inside + b'": 1}')  # an escaped quote does not end the key
    assert not too_deep(b'["\\\\", "' + inside + b'"]')  # an escaped backslash does not escape the quote
    # A backslash outside a string is where any parser stops (invalid JSON), so what the scan
    # takes for a string after it is never parsed, however deep.
    hidden = b'[\\"' + b"[" * 5000 + b'"]'
    assert not too_deep(hidden)
    with pytest.raises(ValueError):
        json.loads(hidden)


def test_a_stray_closing_bracket_does_not_hide_depth_after_it():
    assert too_deep(b"]" * 1000 + _nested(MAX_JSON_DEPTH + 1))
    assert too_deep(b"}}}" + b"[" * (MAX_JSON_DEPTH + 1))


def test_an_unterminated_string_or_a_trailing_backslash_stays_linear():
    # Each would make a naive tokenizer restart at every quote: quadratic, seconds for 256 KB.
    for hostile in (b'"' + b'\\"' * 128_000, b'"' + b'\\"' * 128_000 + b"\\", b'["' * 85_000):
        started = time.perf_counter()
        too_deep(hostile)
        assert time.perf_counter() - started < 1.0


def test_the_scan_agrees_with_the_parser_on_random_documents():
    rng = random.Random(18)

    def build(levels: int) -> object:
        if levels == 0:
            return rng.choice(["[{\"}]", 1, None, "\\", "\ud83d\ude00"])
        child = build(levels - 1)
        return [child, "]"] if rng.random() < 0.5 else {"k[": child, "}": "{"}

    for _ in range(300):
        document = build(rng.randint(0, MAX_JSON_DEPTH + 8))
        for text in (json.dumps(document), json.dumps(document, ensure_ascii=False, indent=1)):
            assert too_deep(text) == (_depth(document) > MAX_JSON_DEPTH), text[:200]


# --- lone surrogates ------------------------------------------------------------------------------

def test_every_string_with_a_lone_surrogate_is_named_by_its_path():
    body = json.loads('{"name": "Ann\\ud83d", "tags": ["ok", "\\udc00"], "attributes": {"plan": "x\\ud800y", '
                      '"k\\udfff": "v", "fine": 1}, "attachments": [{"upload_id": "\\udbff"}], "status": "ok"}')
    assert lone_surrogates(body) == ["name", "tags[1]", "attributes.plan", "attributes.k\ufffd",
                                     "attachments[0].upload_id"]


def test_a_surrogate_pair_is_one_character_and_valid_text_is_not_named():
    body = json.loads('{"name": "Ann \\ud83d\\ude00", "emoji": "😀", "tags": ["日本"], "n": 1.5, "b": true}')
    assert body["name"] == "Ann 😀"
    assert lone_surrogates(body) == []


def test_the_root_and_the_limit():
    assert lone_surrogates("\ud800") == ["body"]
    assert lone_surrogates("\ud800", root="frame") == ["frame"]
    assert lone_surrogates(["\ud800"] * 500) == [f"[{i}]" for i in range(20)]
    # The walk is iterative: depth is bounded by the scan, but the walk does not depend on it.
    deep: object = "\ud800"
    for _ in range(5000):
        deep = [deep]
    assert lone_surrogates(deep) == ["[0]" * 5000]


# --- rendering stored text ------------------------------------------------------------------------

def test_dumps_renders_a_lone_surrogate_as_the_replacement_character_and_nothing_else_changes():
    stored = {"name": "a\ud800b", "k\udc00": ["\udfff"], "ok": "Ann 😀 ü"}
    text = dumps(stored)
    assert json.loads(text.encode("utf-8")) == {"name": "a\ufffdb", "k\ufffd": ["\ufffd"], "ok": "Ann 😀 ü"}
    assert dumps({"ok": "Ann 😀 ü"}) == json.dumps({"ok": "Ann 😀 ü"}, ensure_ascii=False)
    assert dumps({"a": [1, 2]}, compact=True) == '{"a":[1,2]}'
    assert utf8("x\ud800") == "x\ufffd".encode() and utf8("ü") == "ü".encode()
    assert scrub("fine") == "fine"


def test_a_webhook_body_stored_with_a_lone_surrogate_renders():
    stored = json.dumps({"id": "evt_1", "data": {"message": {"text": "cut \ud83d", "attachments": []}}},
                        ensure_ascii=False)
    with pytest.raises(UnicodeEncodeError):
        stored.encode("utf-8")  # what stalled the lead's queue before
    assert json.loads(render_body(stored, None, 0))["data"]["message"]["text"] == "cut \ufffd"


def test_render_each_leaves_out_the_item_that_cannot_be_rendered_logs_and_counts_it(caplog):
    observability.reset_recorded()

    def render(item: dict) -> str:
        return item["name"].upper()

    with caplog.at_level(logging.ERROR):
        rendered = observability.render_each([{"name": "a"}, {"id": "ld_bad"}, {"name": "c"}], render, "lead")
    assert rendered == ["A", "C"]
    assert [m.name for m in observability.recorded(observability.RECORDS_SKIPPED)] == ["RecordsSkipped"]
    assert "a stored lead could not be rendered; left out: id='ld_bad'" in caplog.text


# --- the edges built on them ----------------------------------------------------------------------

def _request(body: bytes, content_type: str = "application/json") -> Request:
    return Request({"multiValueQueryStringParameters": None, "headers": {"content-type": content_type},
                    "pathParameters": {}, "requestContext": {"httpMethod": "POST", "resourcePath": "/x"},
                    "body": body.decode("utf-8", "surrogatepass"), "isBase64Encoded": False, "stageVariables": None})


def test_json_body_refuses_depth_with_a_400_and_lone_surrogates_with_a_422_naming_them():
    with pytest.raises(HttpError) as deep:
        json_body(_request(_nested(1000)))
    assert (deep.value.status, deep.value.code, deep.value.details) == (400, "json_too_deep", {"max_depth": 32})
    with pytest.raises(ValidationFailed) as bad:
        json_body(_request(b'{"name": "\\ud800", "tags": ["\\udc00"]}'))
    assert set(bad.value.details["fields"]) == {"name", "tags[0]"}
    assert json_body(_request(b'{"name": "\\ud83d\\ude00"}')) == {"name": "😀"}


def test_the_middleware_answers_before_the_route_and_lets_everything_else_through():
    called = []

    def route(request: Request) -> str:
        called.append(request)
        return "the route's answer"

    answer = refuse_deep_json(_request(_nested(1000)), route)
    assert answer.status_code == 400 and called == []
    error = json.loads(answer.body)["error"]
    assert error["code"] == "json_too_deep" and error["details"] == {"max_depth": 32} and "32" in error["message"]
    for passes in (_request(_nested(32)), _request(_nested(1000), "text/plain"), _request(b""), None):
        assert refuse_deep_json(passes, route) == "the route's answer"
    assert len(called) == 4


@pytest.mark.parametrize("frame, code, fields", [
    ("[" * 2000, "json_too_deep", None),
    ('{"action": "view", "x": ' + '{"a":' * 40 + "1" + "}" * 41, "json_too_deep", None),
    ('{"action": "view", "dialog_id": "\\ud800"}', "invalid_frame", {"dialog_id"}),
    ('{"action": "ping", "\\udc00": 1}', "invalid_frame", {"\ufffd"}),
])
def test_a_websocket_frame_too_deep_or_not_unicode_is_a_bad_frame(frame, code, fields):
    with pytest.raises(BadFrame) as bad:
        LiveConnections._parse(frame)
    assert bad.value.code == code
    if fields is not None:
        assert set(bad.value.details["fields"]) == fields


def test_a_forged_cursor_too_deep_or_with_a_lone_surrogate_is_refused():
    deep = base64.urlsafe_b64encode(_nested(1000)).decode().rstrip("=")
    with pytest.raises(ValidationFailed) as refused:
        decode_cursor(deep)
    assert refused.value.details["fields"] == {"cursor": "not valid"}
    with pytest.raises(ValidationFailed):
        check_key({"id": {"S": "ld_\ud800"}}, {"id": None})
    assert check_key({"id": {"S": "ld_a"}}, {"id": None}) == {"id": {"S": "ld_a"}}
