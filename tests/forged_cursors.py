"""Forged cursors for every paged endpoint, shared by the moto test (tests/api) and the
DynamoDB Local one (tests/integration): a cursor this API did not give out is a 422
`validation_failed` naming the parameter, never a 500 or a 503 that a client would retry
forever."""

from __future__ import annotations

import base64
import json


def _b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


# Not base64; base64 of text that is not JSON; JSON that is not an object; objects whose keys
# have the wrong names, types or partition values (what DynamoDB itself would refuse or, worse,
# read from another partition).
FORGED = (
    "%%%",
    "bm90IGpzb24",
    _b64([1, 2]),
    _b64({"k": {}}),
    _b64({"s": [1]}),
    _b64({"s": {"all#0": {"id": {"N": "1"}, "all_key": {"S": "all#0"}, "last_activity_at": {"S": "x"}}}}),
    _b64({"s": {"all#9": "start"}}),
    _b64({"k": {"id": {"S": "x"}, "directory": {"S": "other"}, "dead_at": {"S": "x"}}}),
    _b64({"id": {"S": "dl"}, "directory": {"S": "dead_letters"}, "dead_at": {"S": "x"}, "extra": {"S": "x"}}),
    # Nested 1,000 deep (a RecursionError in the parser, a 500, before the depth scan), and
    # keys of the right shape holding a lone surrogate, which no stored key holds.
    base64.urlsafe_b64encode(b"[" * 1000 + b"]" * 1000).decode().rstrip("="),
    _b64({"s": {"all#0": {"id": {"S": "ld_\ud800"}, "all_key": {"S": "all#0"}, "last_activity_at": {"S": "x"}}}}),
    _b64({"s": {"waiting#0": {"id": {"S": "ld_\ud800"}, "waiting_key": {"S": "waiting#0"},
                              "last_activity_at": {"S": "x"}}}}),
    _b64({"k": {"operator": {"S": "admin"}, "lead_id": {"S": "\udc00"}, "last_activity_at": {"S": "x"}}}),
    _b64({"k": {"id": {"S": "evt_\ud800"}, "directory": {"S": "dead_letters"}, "dead_at": {"S": "x"}}}),
)

# The message pages' cursor is the `seq` to continue before (or after).
FORGED_SEQ = ("abc", "-1", "1.5", "0x10", "9" * 20, "")

PAGED = ("/api/tabs/waiting", "/api/tabs/mine", "/api/tabs/all", "/api/admin/webhooks/dead-letters")


def is_validation_error(status: int, body: object, parameter: str) -> bool:
    return (
        status == 422
        and isinstance(body, dict)
        and body.get("error", {}).get("code") == "validation_failed"
        and isinstance(body["error"].get("message"), str)
        and parameter in body["error"].get("details", {}).get("fields", {})
    )
