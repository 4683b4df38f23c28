"""Schemathesis hooks for both documents (loaded by tests/hardening/fuzzing.py as a file).

Every built-in check runs. One rule needs the documents' help: a request that is valid by its
schema can still be refused for what is stored (an upload that is not yours, a cursor the API
never gave out, a lead grown past its limits after a merge). Each operation lists those
refusals in its 422 answer (`x-state-refusals`, chalicelib/api/openapi.py `StateRefusal`), so
schemathesis.toml lets `positive_data_acceptance` take a 422, and this check fails every
positive-data 422 that is not one of the operation's listed refusals: a `validation_failed` on
a field the schema allows is still a failure, exactly as before.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis


@schemathesis.check
def valid_data_refused_only_for_stored_state(ctx: Any, response: Any, case: Any) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    declared = case.operation.definition.raw.get("responses", {}).get("422", {}).get("x-state-refusals", [])
    try:
        error = json.loads(response.text)["error"]
    except (ValueError, KeyError, TypeError):
        raise AssertionError(f"a 422 without the error body: {response.text[:200]!r}") from None
    fields = set((error.get("details") or {}).get("fields") or {})
    for refusal in declared:
        if refusal["code"] == error.get("code") and ("field" not in refusal or fields <= {refusal["field"]}):
            return None
    raise AssertionError(
        f"valid data refused with {error.get('code')} {sorted(fields)}; the operation lists only "
        f"{[(r['code'], r.get('field')) for r in declared]} as refusals that depend on stored state")
