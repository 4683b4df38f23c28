"""The tabs (Waiting, Mine, All) as pure rules: which tabs a dialog is on, and how a
change moves the tab counters. No AWS here; the websocket listeners may use it too.

Waiting = state `waiting`; Mine = state `operator` and the operator is in it; All = every
dialog (design.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.services.publisher import Change

WAITING_COUNTER = "waiting"
ALL_COUNTER = "all"


def mine_counter(username: str) -> str:
    return f"mine#{username}"


@dataclass(frozen=True)
class TabPlace:
    """Where a dialog is: on Waiting?, on whose Mine?"""

    waiting: bool
    mine: frozenset[str]

    @staticmethod
    def of(state: str | None, operators: Iterable[str]) -> TabPlace:
        return TabPlace(state == "waiting", frozenset(operators) if state == "operator" else frozenset())


def places(change: Change) -> tuple[TabPlace | None, TabPlace]:
    """The dialog's place before (None if it did not exist) and after the change."""
    before = None if change.created else TabPlace.of(change.before_state, change.before_operators)
    after = TabPlace.of(change.lead.dialog_state, change.lead.operators or ())
    return before, after


def counter_deltas(change: Change) -> dict[str, int]:
    """How the change moves each counter; only non-zero deltas."""
    before, after = places(change)
    deltas: dict[str, int] = {}
    if before is None:
        deltas[ALL_COUNTER] = 1
        before = TabPlace(False, frozenset())
    if after.waiting != before.waiting:
        deltas[WAITING_COUNTER] = 1 if after.waiting else -1
    for username in after.mine - before.mine:
        deltas[mine_counter(username)] = 1
    for username in before.mine - after.mine:
        deltas[mine_counter(username)] = -1
    return deltas
