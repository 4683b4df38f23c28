"""Schemathesis against both OpenAPI documents on the local runtime, bounded for `make test`
(25 examples per operation, a fixed seed, every phase including the stateful one); `make fuzz`
runs the same at depth (tests/hardening/fuzzing.py). Passing: no 5xx, every status, content
type and body as documented, schema-breaking input refused with a 4xx, auth enforced.

It runs on a runtime of its own: the operator API is called as the demo admin, who creates
bots, rotates keys and moves dialogs, which must not disturb the tests sharing
`handover_runtime`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from local_runtime.testing import LocalRuntime, running_runtime
from tests.hardening.fuzzing import NO_RATE_LIMITS, operator_token, run_schemathesis, server_errors

MAX_EXAMPLES = 25
SEED = 20261125


@pytest.fixture(scope="module")
def fuzz_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRuntime]:
    # No rate limits: a 429 is documented, but it would stop the fuzzer reaching the code.
    with running_runtime(tmp_path_factory.mktemp("fuzz-runtime"), env=NO_RATE_LIMITS) as runtime:
        yield runtime


@pytest.mark.parametrize("api", ["bot", "operator"])
def test_schemathesis_finds_nothing(fuzz_runtime: LocalRuntime, api: str) -> None:
    admin = fuzz_runtime.operator("admin")
    key = fuzz_runtime.bot["api_key"] if api == "bot" else operator_token(fuzz_runtime.url, admin["username"],
                                                                           admin["password"])
    result = run_schemathesis(fuzz_runtime.url, api, key, max_examples=MAX_EXAMPLES, seed=SEED, timeout=600)
    assert result.passed, f"Schemathesis failures {result.failures}:\n{result.output[-20000:]}"
    assert not server_errors(fuzz_runtime.log_text()), server_errors(fuzz_runtime.log_text())


def test_a_path_with_a_newline_reaches_the_app(fuzz_runtime: LocalRuntime) -> None:
    """Found by Schemathesis: the gateway's catch-all route used `.`, so a decoded %0A in a
    path parameter got aiohttp's text/plain 404 instead of the app's JSON answer."""
    admin = fuzz_runtime.operator("admin")
    token = operator_token(fuzz_runtime.url, admin["username"], admin["password"])
    answer = requests.get(f"{fuzz_runtime.url}/api/admin/webhooks/dead-letters/a%0Ab%0D%0Ac",
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert answer.status_code == 404
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json()["error"]["code"] == "dead_letter_not_found"
