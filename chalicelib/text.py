"""Text at the edges: what JSON may come in, and how stored text goes out.

In: JSON nested deeper than MAX_JSON_DEPTH is refused before it is parsed (`too_deep`, a
scan of the raw text that neither recurses nor parses: the standard library's parser
recurses once per level and raises RecursionError near depth 1,000), and every string of a
parsed value, keys included, must be valid Unicode (`lone_surrogates`): `json.loads`
accepts `"\\ud800"`, which no UTF-8 encoder can write back, so a stored one broke every
later read of the record (issue 18).

Out: `dumps`/`utf8` replace any lone surrogate with U+FFFD, so a record stored before the
edge refused them (or written around it) still renders for everyone.

The bottom layer (plain Python, no AWS): the HTTP edge (`api/http.py`), the websocket
(`live/connections.py`), the cursor codec (`storage/pages.py`), the live frames
(`adapters/notifier.py`) and the webhook bodies (`webhooks/events.py`) all use it.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Handover's bodies are a few levels deep (a lead's `attributes` is the deepest: 2); 32
# leaves room for any honest client and none for a parser-crashing one.
MAX_JSON_DEPTH = 32
# At most this many fields are named in one refusal: enough to fix a body, bounded however
# many strings a hostile one holds.
MAX_NAMED_FIELDS = 20

# A JSON string, escapes consumed (so a bracket or quote inside one never counts); an
# unterminated one runs to the end of the text, so the scan stays linear whatever the input.
_STRING = re.compile(rb'"[^"\\]*(?:\\[\s\S][^"\\]*)*(?:"|\\?\Z)')
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
_OPENING = frozenset(b"[{")
_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"
_BAD_KEY = object()


def too_deep(raw: bytes | str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text `raw` nests arrays/objects more than `limit` levels deep.

    Iterative and linear in len(raw) (some 15 ms for 256 KB of the worst input),
    whether or not `raw` is valid JSON: for valid JSON the answer is exact; for invalid JSON
    it never under-counts (a stray closing bracket does not lower the depth below zero), so
    a text it lets through is at most `limit` deep wherever a parser could get to."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if data.count(b"[") + data.count(b"{") <= limit:
        return False  # every honest body: two counts in C, no scan
    depth = 0
    # Strings out and everything but brackets deleted, both in C; then one step per bracket.
    for bracket in _STRING.sub(b"", data).translate(None, _NOT_BRACKETS):
        if bracket in _OPENING:
            depth += 1
            if depth > limit:
                return True
        elif depth:
            depth -= 1
    return False


def has_lone_surrogate(text: str) -> bool:
    # A str holds a surrogate code point only when it stands alone: a JSON pair such as
    # "\ud83d\ude00" is decoded into one character (U+1F600).
    return _SURROGATE.search(text) is not None


def lone_surrogates(value: Any, root: str = "body", limit: int = MAX_NAMED_FIELDS) -> list[str]:
    """The paths of the strings (values and keys) of a decoded JSON value that hold a lone
    UTF-16 surrogate, in the naming of `details.fields`: `name`, `attributes.plan`,
    `tags[0]`, `attachments[1].upload_id`; `root` names the value itself when it is a
    string (`body`). A key that holds one is named with U+FFFD in its place. Iterative
    (an explicit stack, in document order), at most `limit` paths."""
    found: list[str] = []
    stack: list[tuple[str, Any]] = [("", value)]
    while stack and len(found) < limit:
        path, item = stack.pop()
        if item is _BAD_KEY or (isinstance(item, str) and has_lone_surrogate(item)):
            found.append(path or root)
        elif isinstance(item, dict):
            children = []
            for key, child in item.items():
                child_path = f"{path}.{scrub(key)}" if path else scrub(key)
                # A bad key is named, in its place in the document; its value is not looked at.
                children.append((child_path, _BAD_KEY if has_lone_surrogate(key) else child))
            stack.extend(reversed(children))
        elif isinstance(item, list):
            stack.extend(reversed([(f"{path}[{i}]", child) for i, child in enumerate(item)]))
    return found[:limit]


def scrub(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD (the same string when it has none)."""
    return _SURROGATE.sub(REPLACEMENT, text) if has_lone_surrogate(text) else text


def dumps(value: Any, *, compact: bool = False, indent: int | None = None) -> str:
    """JSON text (UTF-8 characters as they are, not escaped) that any UTF-8 encoder can
    write: a lone surrogate in any string or key is rendered as U+FFFD. With
    ensure_ascii=False, json.dumps copies a string's code points as they are, so every
    surrogate in the text is one from a string, and replacing it there is exact."""
    separators = (",", ":") if compact else None
    return scrub(json.dumps(value, ensure_ascii=False, separators=separators, indent=indent))


def utf8(text: str) -> bytes:
    """`text` as UTF-8, a lone surrogate as U+FFFD (the str codec's own `replace` would write `?`)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return scrub(text).encode("utf-8")
