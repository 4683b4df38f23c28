"""The one cursor codec of every paged list (tabs, dead letters).

A cursor is the Query's LastEvaluatedKey (or, for a sharded tab, one per shard) as
base64url JSON: opaque to clients, and checked on the way back in. A cursor this API did not
give out — not base64, not JSON, not an object, or a key of the wrong shape — is a 422
`validation_failed` naming `cursor`, never a DynamoDB error (a 500, or a 503 that tells the
client to retry forever).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from chalicelib.domain.errors import ValidationFailed
from chalicelib.text import has_lone_surrogate, too_deep


def bad_cursor() -> ValidationFailed:
    return ValidationFailed("the cursor is not valid; start again without one", fields={"cursor": "not valid"})


def encode_cursor(position: dict[str, Any]) -> str:
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        # A forged cursor of 1,000 brackets is 1.4 KB of base64: refused before the parser
        # recurses into it (a RecursionError, a 500, before this check).
        if too_deep(text):
            raise bad_cursor()
        value = json.loads(text)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad_cursor() from None
    if not isinstance(value, dict):
        raise bad_cursor()
    return value


# An empty key attribute in an ExclusiveStartKey is a ValidationException (DynamoDB Local
# answers so), and no stored key is longer than a sort key's limit (a partition key's is
# 2,048 bytes): a cursor holding either was not given out by this API.
MAX_KEY_BYTES = 1024


def check_key(key: Any, expected: dict[str, str | None]) -> dict[str, Any]:
    """A LastEvaluatedKey in wire format with exactly the expected string attributes
    (a value of None means any string DynamoDB takes as a key)."""
    if not isinstance(key, dict) or set(key) != set(expected):
        raise bad_cursor()
    for name, wanted in expected.items():
        value = key[name]
        if not isinstance(value, dict) or set(value) != {"S"} or not isinstance(value["S"], str):
            raise bad_cursor()
        if has_lone_surrogate(value["S"]):
            raise bad_cursor()  # no stored key holds one: this API never gave it out
        if not 0 < len(value["S"].encode("utf-8", "surrogatepass")) <= MAX_KEY_BYTES:
            raise bad_cursor()
        if wanted is not None and value["S"] != wanted:
            raise bad_cursor()
    return key
