"""Schemathesis against both OpenAPI documents on the local runtime, bounded for `make test`
(25 examples per operation, a fixed seed, every phase including the stateful one); `make fuzz`
runs the same at depth (tests/hardening/fuzzing.py). Every check is on. Passing: no 5xx, every
status, content type and body as documented, schema-breaking input refused with a 4xx,
schema-valid input accepted (or refused only for a documented state refusal), auth enforced.

It runs on a runtime of its own: the operator API is called as the demo admin, who creates
bots, rotates keys and moves dialogs, which must not disturb the tests sharing
`handover_runtime`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import requests

from chalicelib.api.openapi_bot import bot_openapi
from chalicelib.api.openapi_operator import operator_openapi
from local_runtime.testing import LocalRuntime, running_runtime
from tests.hardening.fuzzing import NO_RATE_LIMITS, operator_token, run_schemathesis, server_errors

MAX_EXAMPLES = 25
SEED = 20261125


@pytest.fixture(scope="module")
def fuzz_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRuntime]:
    # No rate limits: a 429 is documented, but it would stop the fuzzer reaching the code.
    with running_runtime(tmp_path_factory.mktemp("fuzz-runtime"), env=NO_RATE_LIMITS) as runtime:
        yield runtime


@pytest.fixture(scope="module")
def admin_token(fuzz_runtime: LocalRuntime) -> str:
    """Signed in once, before the fuzzing: the operator API's stateful phase may turn on TOTP
    for the admin it runs as (`POST /api/me/totp/verify`), after which a password alone no
    longer signs in; the token taken before stays valid."""
    admin = fuzz_runtime.operator("admin")
    return operator_token(fuzz_runtime.url, admin["username"], admin["password"])


@pytest.mark.parametrize("api", ["bot", "operator"])
def test_schemathesis_finds_nothing(fuzz_runtime: LocalRuntime, admin_token: str, api: str) -> None:
    key = fuzz_runtime.bot["api_key"] if api == "bot" else admin_token
    result = run_schemathesis(fuzz_runtime.url, api, key, max_examples=MAX_EXAMPLES, seed=SEED, timeout=600)
    assert result.passed, f"Schemathesis failures {result.failures}:\n{result.output[-20000:]}"
    assert not server_errors(fuzz_runtime.log_text()), server_errors(fuzz_runtime.log_text())


def test_a_path_with_a_newline_reaches_the_app(fuzz_runtime: LocalRuntime, admin_token: str) -> None:
    """Found by Schemathesis: the gateway's catch-all route used `.`, so a decoded %0A in a
    path parameter got aiohttp's text/plain 404 instead of the app's JSON answer."""
    token = admin_token
    answer = requests.get(f"{fuzz_runtime.url}/api/admin/webhooks/dead-letters/a%0Ab%0D%0Ac",
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert answer.status_code == 404
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json()["error"]["code"] == "dead_letter_not_found"


def _served_schema_allows(runtime: LocalRuntime, document: str, name: str, body: object) -> bool:
    import jsonschema_rs

    served = requests.get(f"{runtime.url}{document}", timeout=30).json()
    return jsonschema_rs.Draft202012Validator({**served, "$ref": f"#/components/schemas/{name}"},
                                              validate_formats=True).is_valid(body)


def test_what_schemathesis_found_the_document_and_the_server_now_agree_on(fuzz_runtime: LocalRuntime,
                                                                         admin_token: str) -> None:
    """Issue 18, through the real local runtime: (1) an empty text with no attachments was allowed
    by the document and refused by the server; now both refuse it, and nothing is stored. (2)
    `size: 1758.0` is a JSON Schema integer the server refused; now it is taken. (3) A control
    character in an attribute key was allowed by the document; now both refuse it."""
    url, token = fuzz_runtime.url, admin_token
    # A bot of its own: the operator API's fuzzing rotates the demo bot's key.
    created = requests.post(f"{url}/api/admin/bots", json={"name": "Contract"}, timeout=30,
                            headers={"Authorization": f"Bearer {token}"})
    auth = {"Authorization": f"Bearer {created.json()['api_key']}"}
    assert requests.put(f"{url}/bot/v1/leads/st:1", json={"name": "Anna"}, headers=auth, timeout=30).status_code == 201
    before = requests.get(f"{url}/bot/v1/leads/st:1", headers=auth, timeout=30).json()

    empty = {"id": "st-empty", "from": "lead", "text": "", "attachments": []}
    assert not _served_schema_allows(fuzz_runtime, "/bot/v1/openapi.json", "MessageInput", empty)
    refused = requests.post(f"{url}/bot/v1/leads/st:1/messages", json=empty, headers=auth, timeout=30)
    assert refused.status_code == 422 and refused.json()["error"]["details"]["fields"] == {
        "text": "a message needs text or at least one attachment"}
    assert requests.get(f"{url}/bot/v1/leads/st:1", headers=auth, timeout=30).json() == before  # nothing stored

    upload = {"filename": "a.txt", "content_type": "text/plain", "size": 1758.0}
    assert _served_schema_allows(fuzz_runtime, "/bot/v1/openapi.json", "UploadInput", upload)
    taken = requests.post(f"{url}/bot/v1/uploads", json=upload, headers=auth, timeout=30)
    assert taken.status_code == 201, taken.text

    control = {"attributes": {"plan\u0007": "pro"}}
    for document in ("/bot/v1/openapi.json", "/api/openapi.json"):
        name = "LeadInput" if document.startswith("/bot") else "LeadEdit"
        body = control if name == "LeadInput" else {"variables": control["attributes"]}
        assert not _served_schema_allows(fuzz_runtime, document, name, body)
    refused = requests.put(f"{url}/bot/v1/leads/st:2", json=control, headers=auth, timeout=30)
    assert refused.status_code == 422 and list(refused.json()["error"]["details"]["fields"]) == ["attributes.plan\u0007"]
    assert requests.get(f"{url}/bot/v1/leads/st:2", headers=auth, timeout=30).status_code == 404
    assert requests.get(f"{url}/bot/v1/leads/st:1", headers=auth, timeout=30).status_code == 200


def _case(operation: dict, positive: bool = True) -> SimpleNamespace:
    mode = SimpleNamespace(is_positive=positive)
    return SimpleNamespace(meta=SimpleNamespace(generation=SimpleNamespace(mode=mode)),
                           operation=SimpleNamespace(definition=SimpleNamespace(raw=operation)))


def _refused(code: str, *fields: str) -> SimpleNamespace:
    body = {"error": {"code": code, "message": "no", "details": {"fields": {name: "bad" for name in fields}}}}
    return SimpleNamespace(status_code=422, text=json.dumps(body))


def test_valid_data_is_refused_only_for_what_the_operation_lists():
    """The hook that narrows positive_data_acceptance's 422 to the documented state refusals."""
    from tests.hardening.fuzz_hooks import valid_data_refused_only_for_stored_state as check

    documents = {"bot": bot_openapi(), "operator": operator_openapi()}
    post_message = documents["bot"]["paths"]["/bot/v1/leads/{lead_ref}/messages"]["post"]
    tab_page = documents["operator"]["paths"]["/api/tabs/{tab}"]["get"]
    assert check(None, _refused("upload_rejected", "attachments[0].upload_id"), _case(post_message)) is None
    with pytest.raises(AssertionError, match="validation_failed"):
        check(None, _refused("validation_failed", "text"), _case(post_message))
    assert check(None, _refused("validation_failed", "text"), _case(post_message, positive=False)) is None
    assert check(None, _refused("validation_failed", "cursor"), _case(tab_page)) is None
    with pytest.raises(AssertionError):
        check(None, _refused("validation_failed", "cursor", "limit"), _case(tab_page))
    with pytest.raises(AssertionError):
        check(None, _refused("validation_failed", "cursor"), _case(documents["operator"]["paths"]["/api/counts"]["get"]))
