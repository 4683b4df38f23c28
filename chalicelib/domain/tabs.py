"""The operator's tabs as pure rules (design.md): which tabs a dialog is on, and how a change
of the dialog moves the tab counters.

Waiting = state `waiting`; Mine = state `operator` and the operator is in it; All = every
dialog. The live pushes, the counters and the waiting-room escalation all ask this module,
so the rule is written once.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec

from chalicelib.domain.dialog import Dialog
from chalicelib.domain.dialog_state import DialogState


class Tab(StrEnum):
    WAITING = "waiting"
    MINE = "mine"
    ALL = "all"

    @classmethod
    def named(cls, text: object) -> Tab | None:
        """The tab called `text`, or None (what a client sent is not trusted to be a string)."""
        try:
            return cls(text)
        except (ValueError, TypeError):
            return None


# The names of the counter items: Waiting and All are everyone's, Mine is one per operator.
WAITING_COUNTER = "waiting"
ALL_COUNTER = "all"
_MINE_PREFIX = "mine#"


def mine_counter(username: str) -> str:
    return f"{_MINE_PREFIX}{username}"


class TabPlace(msgspec.Struct, frozen=True):
    """Where a dialog is: on Waiting?, on whose Mine? (Every dialog is on All.)"""

    waiting: bool
    mine: frozenset[str]

    @staticmethod
    def of(dialog: Dialog | None) -> TabPlace:
        """None is a dialog that does not exist (yet): on no tab at all."""
        if dialog is None:
            return NOWHERE
        mine = frozenset(dialog.operators) if dialog.state is DialogState.OPERATOR else frozenset()
        return TabPlace(dialog.state is DialogState.WAITING, mine)


NOWHERE = TabPlace(False, frozenset())


def counter_deltas(before: Dialog | None, after: Dialog) -> dict[str, int]:
    """How a change from `before` (None: the change created the dialog) to `after` moves each
    counter; only non-zero deltas."""
    was, now = TabPlace.of(before), TabPlace.of(after)
    deltas: dict[str, int] = {}
    if before is None:
        deltas[ALL_COUNTER] = 1
    if now.waiting != was.waiting:
        deltas[WAITING_COUNTER] = 1 if now.waiting else -1
    for username in now.mine - was.mine:
        deltas[mine_counter(username)] = 1
    for username in was.mine - now.mine:
        deltas[mine_counter(username)] = -1
    return deltas


class CountsMoved(msgspec.Struct, frozen=True):
    """Which counts a change moved: Waiting and All are everyone's; Mine is per operator."""

    shared: tuple[Tab, ...] = ()  # Tab.WAITING, Tab.ALL
    mine: tuple[str, ...] = ()  # operators whose Mine count moved

    def __bool__(self) -> bool:
        return bool(self.shared or self.mine)


def counts_moved(before: Dialog | None, after: Dialog) -> CountsMoved:
    shared: list[Tab] = []
    mine: list[str] = []
    for name in sorted(counter_deltas(before, after)):
        if name == WAITING_COUNTER:
            shared.append(Tab.WAITING)
        elif name == ALL_COUNTER:
            shared.append(Tab.ALL)
        else:
            mine.append(name[len(_MINE_PREFIX):])
    return CountsMoved(tuple(shared), tuple(mine))
