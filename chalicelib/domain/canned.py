"""Canned replies: saved texts an operator inserts into the composer with `/` (docs/operator-api.md,
"Canned replies"). Pure rules, no AWS.

Two kinds of owner: the team's replies (admins manage them) and each operator's own. A reply
is a `shortcut` (1-32 of a-z 0-9 _ -, starting with a letter or digit; unique per owner) and a
`text` with `{{placeholders}}` filled from the lead:

- `{{key}}`: the lead's field (`name`, `lead_ref`, `phone`, `email`, `status`, `channel`,
  `messenger`, `language`) or, when no field of that name has a value, its attribute `key`;
- `{{key|default}}`: the text after `|` when the lead has no value for `key`.

Unlike a system script (domain/scripts.py), which goes to the lead untouched, a canned reply
goes into the composer for the operator to edit before sending. So a placeholder with no
value and no default is kept as written (`{{plan}}`) and named in `missing`: the operator sees
it and fills it in, and nothing the lead did not say is ever made up.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec

from chalicelib.domain.scripts import PLACEHOLDER

TEAM = "team"
# `$(?!\n)`: the end of the string in Python and in JSON Schema alike (a bare `$` lets Python
# accept a trailing newline).
SHORTCUT = "^[a-z0-9][a-z0-9_-]{0,31}$(?!\\n)"
SHORTCUT_RE = re.compile(SHORTCUT)
MAX_CANNED_TEXT = 2_000
# Per owner: the team, or one operator. 100 replies of at most 2,000 characters (8 KB in the
# worst UTF-8) stay under DynamoDB's 1 MB page, so an owner's list is ONE Query page.
MAX_CANNED_PER_OWNER = 100
LEAD_FIELDS = ("name", "lead_ref", "phone", "email", "status", "channel", "messenger", "language")


def personal(username: str) -> str:
    """The owner key of one operator's own replies."""
    return f"operator:{username}"


class Rendered(msgspec.Struct, frozen=True):
    text: str
    missing: tuple[str, ...] = ()


def lead_values(fields: Mapping[str, Any], attributes: Mapping[str, Any]) -> dict[str, str]:
    """What placeholders may say about a lead: its attributes, with its fields over them."""
    values = {str(key): _text(value) for key, value in attributes.items()}
    for name in LEAD_FIELDS:
        text = _text(fields.get(name))
        if text.strip():
            values[name] = text
    return {key: value for key, value in values.items() if value.strip()}


def render(template: str, values: Mapping[str, str]) -> Rendered:
    """The reply's text for one lead; unfilled placeholders kept and named in `missing`."""
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        key, default = match.group(1), match.group(2)
        value = values.get(key, "")
        if value.strip():
            return value
        if default is not None and default.strip():
            return default.strip()
        if key not in missing:
            missing.append(key)
        return match.group(0)

    return Rendered(PLACEHOLDER.sub(fill, template), tuple(missing))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
