"""The waiting clock: when the lead's current wait began (docs/notifications.md, "Waiting
clocks").

- On Waiting: the moment the dialog entered Waiting (the handoff, or the last operator leaving).
- With operators: the first lead message no operator has answered yet; none when every lead
  message is answered. Only an operator's message answers: a bot message (a system script)
  or a system message does not. Lead messages written while on Waiting stay unanswered when
  an operator joins, so the clock goes on from the first of them.
- With the bot: none (the bot answers; a return to the bot forgets the unanswered messages).

Pure rules; `storage/dialog_write.py` writes the result in the update it already makes.
"""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.domain.dialog_state import DialogState


def unanswered_since(previous: str | None, state: DialogState, senders: Iterable[str], now: str) -> str | None:
    """The first unanswered lead message's time after messages from `senders` (in order) were
    added at `now` to a dialog in `state`."""
    if state is DialogState.BOT:
        return None
    first = previous
    for sender in senders:
        if sender == "operator":
            first = None
        elif sender == "lead" and first is None:
            first = now
    return first


def wait_started_at(state: DialogState, waiting_since: str | None, unanswered: str | None) -> str | None:
    """When the current wait began; None when nobody waits for an operator."""
    if state is DialogState.WAITING:
        return waiting_since
    if state is DialogState.OPERATOR:
        return unanswered
    return None
