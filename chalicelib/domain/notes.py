"""Private notes: what an operator writes in a dialog for colleagues only (docs/operator-api.md,
"Notes and mentions").

A note is a message of the dialog with `from: "note"`: it takes the dialog's next `seq`, so the
live panel's gap-free resync by `seq` carries notes like any message, and it is never for the
lead or the bot (`webhooks/events.py:for_webhook` takes only operator replies and scripts).

Mentions: `@name` names an operator by their username. It counts where `@` starts the text or
follows a space or an opening bracket/quote (so `anna@example.com` mentions nobody), and the
name is 1-128 of the characters a Cognito username may hold here (letters, digits, `.`, `_`,
`-`), ending on a letter or digit (so "thanks @bob." mentions bob). Matching is
case-insensitive: the service asks the directory for the name and uses the canonical
username it answers. A name nobody has is left as plain text, never an error.
"""

from __future__ import annotations

import re

MAX_MENTIONS = 10
MENTION = re.compile(r"(?:(?<=^)|(?<=[\s(\[{\"'«]))@([A-Za-z0-9](?:[A-Za-z0-9._-]{0,126}[A-Za-z0-9])?)")


def mentioned_names(text: str | None) -> tuple[str, ...]:
    """The names `@`-mentioned in `text`, lower-cased, each once, in order, at most MAX_MENTIONS."""
    names: list[str] = []
    for match in MENTION.finditer(text or ""):
        name = match.group(1).lower()
        if name not in names:
            names.append(name)
        if len(names) == MAX_MENTIONS:
            break
    return tuple(names)
