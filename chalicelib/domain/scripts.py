"""System scripts (R7, R10): the bot's `return` and `operator_transfer` messages.

Texts may use `{{attribute}}` placeholders, filled from the lead's attributes (and
`{{name}}` from the lead's name); an unknown placeholder becomes empty text, so a typo in
a script never shows braces to a client.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]{1,64})\s*\}\}")
SCRIPTS = ("return", "operator_transfer")


def render(template: str, attributes: Mapping[str, Any], name: str | None = None) -> str:
    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in attributes and attributes[key] is not None:
            value = attributes[key]
            return str(value).lower() if isinstance(value, bool) else str(value)
        if key == "name":
            return name or ""
        return ""

    return PLACEHOLDER.sub(fill, template)


def render_all(templates: Sequence[str], attributes: Mapping[str, Any], name: str | None = None) -> list[str]:
    texts = [render(t, attributes, name).strip() for t in templates]
    return [t for t in texts if t]
