"""How big a stored record is, and the limits that keep leads, messages and bots inside
DynamoDB's 400 KB item (docs/data-model.md, "Sizes").

The measure follows DynamoDB's rules (docs: "Item sizes and formats"): an item is the sum of
its attribute names' and values' UTF-8 lengths; a number counts 1 byte per two significant
digits plus 1 (at most 21); a boolean or null 1; a list or map 3 bytes plus 1 per element plus
its elements (a map's element names count like attribute names). One change makes it an
upper bound of more than the stored item: every string counts as it is written in JSON
(`json.dumps(..., ensure_ascii=False)`: quotes, backslashes and control characters escaped).
The same record also travels as JSON, whole, in places with their own limits: a lead in a
`lead.updated` webhook body (one deliveries item, then perhaps one dead letter, each a
DynamoDB item too) and in `lead.updated` websocket frames. A string of 2,000 `"` is 2,000
bytes to DynamoDB and 4,000 in JSON; counting the larger keeps every copy bounded by one
number. Pure: the item comes in DynamoDB's wire format (`{"name": {"S": "..."}}`), as
PynamoDB's `Model.serialize()` gives it.

Limits, with the margin each needs below DynamoDB's 409,600 bytes:

- a lead: 300 KiB. Its `lead.updated` webhook carries the whole lead as JSON, which is at
  most ~12 % bigger than this measure (JSON's quotes, colons and commas per attribute, a
  38-digit number written out, `phone`/`email` repeated beside `sys_phone`/`sys_email`, the
  event's envelope): ≤ ~345 KB for the largest lead, in a deliveries item. The lead item also
  grows after the check without passing it again: `last_message` (≤ 200 characters), the
  Waiting keys, the operators' names (a few hundred bytes). The Mine-tab copies carry only a
  summary (name, avatar, last message: ≤ ~4 KB), never the attributes.
- a message: 300 KiB. Unreachable with the field limits (10,000 characters of text, 10
  attachments: ≤ ~75 KB); kept as a guard should those limits ever be raised.
- a bot: 300 KiB. Its scripts (2 × 10 texts × 10,000 characters: up to 800 KB today) are the
  messages one transition appends and the webhook events one deliveries item carries, so a
  script that fits the bot fits that item too (`domain/scripts.py` caps what placeholders add).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from chalicelib.domain.errors import ValidationFailed

KIB = 1024
DYNAMODB_ITEM_LIMIT = 400 * KIB
LEAD_LIMIT = 300 * KIB
MESSAGE_LIMIT = 300 * KIB
BOT_LIMIT = 300 * KIB

# DynamoDB: "1 byte per two significant digits, plus 1 byte"; at most 38 digits.
_MAX_NUMBER_BYTES = 21
_CONTAINER_OVERHEAD = 3
_ELEMENT_OVERHEAD = 1


class TooLarge(ValidationFailed):
    """A record that would not fit its store (HTTP 422); `code` names the record
    (`lead_too_large`, `message_too_large`, `bot_too_large`), `details` the limit and the size."""

    def __init__(self, code: str, message: str, **details: object) -> None:
        super().__init__(message, **details)
        self.code = code


def string_size(text: str) -> int:
    """A string's bytes: the larger of its UTF-8 and its JSON spelling (without the quotes)."""
    raw = len(text.encode("utf-8", "surrogatepass"))
    if text.isprintable() and '"' not in text and "\\" not in text:
        return raw  # nothing JSON would escape: the common case, without a dumps
    return max(raw, len(json.dumps(text, ensure_ascii=False).encode("utf-8", "surrogatepass")) - 2)


def number_size(text: str) -> int:
    """A number as DynamoDB sends it (a string): 1 byte per two significant digits, plus 1."""
    mantissa = text.lower().split("e")[0].lstrip("+-").replace(".", "")
    digits = mantissa.strip("0") or "0"
    return min(_MAX_NUMBER_BYTES, (len(digits) + 1) // 2 + 1)


def value_size(value: Mapping[str, Any]) -> int:
    """One attribute value in wire format (`{"S": ...}`, `{"N": ...}`, `{"M": {...}}`, ...)."""
    ((kind, content),) = value.items()
    if kind == "S":
        return string_size(content)
    if kind == "N":
        return number_size(content)
    if kind == "B":
        return len(content)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return _CONTAINER_OVERHEAD + sum(
            string_size(name) + _ELEMENT_OVERHEAD + value_size(item) for name, item in content.items())
    if kind == "L":
        return _CONTAINER_OVERHEAD + sum(_ELEMENT_OVERHEAD + value_size(item) for item in content)
    if kind == "SS":
        return sum(string_size(item) for item in content)
    if kind == "NS":
        return sum(number_size(item) for item in content)
    if kind == "BS":
        return sum(len(item) for item in content)
    raise ValueError(f"not a DynamoDB attribute value: {kind!r}")


def item_size(item: Mapping[str, Mapping[str, Any]]) -> int:
    """An item in wire format: each attribute's name plus its value."""
    return sum(string_size(name) + value_size(value) for name, value in item.items())


def check_size(record: str, size: int, limit: int) -> None:
    """Refuse a `record` (lead, message, bot) whose merged size is over `limit`, naming both."""
    if size > limit:
        raise TooLarge(
            f"{record}_too_large",
            f"the {record} would be {_kib(size)} KB, over the limit of {_kib(limit)} KB "
            f"(attribute names and values, UTF-8, as JSON writes them); make it smaller",
            limit_bytes=limit,
            size_bytes=size,
        )


def _kib(size: int) -> str:
    return f"{size / KIB:.1f}".rstrip("0").rstrip(".")
