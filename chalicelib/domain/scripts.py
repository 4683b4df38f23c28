"""System scripts (R7, R10): the bot's `return` and `operator_transfer` messages.

Texts may use placeholders filled from the lead (docs/bot-api.md, "System scripts"):

- `{{key}}`: the lead's attribute `key` (`{{name}}` falls back to the lead's name);
- `{{key|default}}`: the text after `|` when the attribute is missing, null or blank.

A placeholder with nothing to say (no value, no default) is removed together with the
punctuation it would have been attached to, so a lead without a first name never reads
"joined the chat, ." (`_close_gap` has the rule). An unknown placeholder is such a
placeholder too: a typo in a script never shows braces to a client.

What placeholders add is capped: each text at a message's limit (MAX_TEXT characters) and
one run of a script at SCRIPT_RUN_LIMIT bytes, so the messages of one transition, and the
webhook events one deliveries item carries for them, stay inside DynamoDB's item
(domain/sizes.py) however long the lead's attributes are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.domain.commands import MAX_TEXT
from chalicelib.domain.sizes import KIB, string_size

PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s|]{1,64})\s*(?:\|([^{}]*))?\}\}")
SCRIPTS = ("return", "operator_transfer")
# All the texts of one run, as a bot's own limit allows (domain/sizes.py BOT_LIMIT).
SCRIPT_RUN_LIMIT = 300 * KIB
ELLIPSIS = "…"

# Punctuation that attaches a clause to what the placeholder would have said ("chat, {{x}}.")
_JOINERS = (",", ";", ":", "–", "—")
# Punctuation that may directly follow a word ("Hello {{x}}!" -> "Hello!").
_CLOSERS = (".", "!", "?", ",", ";", ":", ")", ELLIPSIS)
_SENTENCE_ENDS = (".", "!", "?")


def render(template: str, attributes: Mapping[str, Any], name: str | None = None) -> str:
    """One text with its placeholders filled (or removed, with what they were attached to)."""
    pieces: list[str | None] = []  # None: a placeholder with nothing to say
    position = 0
    for match in PLACEHOLDER.finditer(template):
        pieces.append(template[position:match.start()])
        pieces.append(_fill(match.group(1), match.group(2), attributes, name))
        position = match.end()
    pieces.append(template[position:])
    text = _join(pieces)
    if None in pieces and not any(character.isalnum() for character in text):
        return ""  # only punctuation was left ("{{greeting}}!"): nothing worth sending
    return text


def render_all(templates: Sequence[str], attributes: Mapping[str, Any], name: str | None = None) -> list[str]:
    """The texts a script sends: rendered, blank ones left out, each cut at MAX_TEXT
    characters and all of them at SCRIPT_RUN_LIMIT bytes (cut with an ellipsis)."""
    texts: list[str] = []
    budget = SCRIPT_RUN_LIMIT
    for template in templates:
        text = _cut(render(template, attributes, name).strip(), MAX_TEXT)
        if not text:
            continue
        size = string_size(text)
        if size > budget:
            text = _fit(text, budget)
            if text:
                texts.append(text)
            break
        budget -= size
        texts.append(text)
    return texts


def _fill(key: str, default: str | None, attributes: Mapping[str, Any], name: str | None) -> str | None:
    value = attributes.get(key)
    text = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    if not text.strip() and key == "name":
        text = name or ""
    if text.strip():
        return text
    if default is not None and default.strip():
        return default.strip()
    return None


def _join(pieces: list[str | None]) -> str:
    out = ""
    gap = False
    spaces = ""  # whitespace met while a gap is open (between two empty placeholders)
    for piece in pieces:
        if piece is None:
            gap = True
        elif gap and not piece.strip():
            spaces += piece
        elif gap:
            out = _close_gap(out, spaces + piece)
            gap, spaces = False, ""
        else:
            out += piece
    return _close_gap(out, spaces) if gap else out


def _close_gap(left: str, right: str) -> str:
    """Join the text before and after a removed placeholder:

    - a joiner before it goes when a closer (or the end) follows: "chat, {{x}}." -> "chat.";
    - a joiner after it goes at the start of a sentence or line, and the sentence starts with
      a capital: "{{x}}, welcome back!" -> "Welcome back!";
    - the whitespace around it becomes one space (a newline if it held one), and none at all
      before a closer or at either end: "Hello {{x}}!" -> "Hello!".
    """
    before = left.rstrip()
    after = right.lstrip()
    between = left[len(before):] + right[:len(right) - len(after)]
    sentence_start = not before or before.endswith(_SENTENCE_ENDS) or "\n" in left[len(before):]
    if before.endswith(_JOINERS) and (not after or after.startswith(_CLOSERS)):
        before = before[:-1].rstrip()
    elif sentence_start and after.startswith(_JOINERS):
        after = after[1:].lstrip()
    if sentence_start and after[:1].islower():
        after = after[0].upper() + after[1:]
    if not before or not after or after.startswith(_CLOSERS):
        return before + after
    return before + ("\n" if "\n" in between else " " if between else "") + after


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + ELLIPSIS


def _fit(text: str, budget: int) -> str:
    """The longest start of `text` (plus an ellipsis) within `budget` bytes."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if string_size(text[:middle]) + len(ELLIPSIS.encode()) <= budget:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS if low else ""


# The lead a script preview is rendered against when the admin gives none (the admin screens):
# a first name and a city filled, a company missing, so that both a filled placeholder and the
# removal of an empty one show.
SAMPLE_LEAD_NAME = "Anna Petrova"
SAMPLE_LEAD_ATTRIBUTES: dict[str, Any] = {"first_name": "Anna", "city": "Berlin", "plan": "premium"}
