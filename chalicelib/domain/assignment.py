"""Fair assignment's rules (docs/assignment.md), pure: who may be given a waiting dialog.

An operator is offered a dialog when they are online (a live connection), available (not
away), under their capacity, and did not just leave that very dialog. Among them, the one with
the fewest open dialogs; among equals, the one assigned longest ago; among exact equals, any
one at random (so that concurrent assigners, all reading the same loads, spread over the tied
operators instead of all racing for the first one).
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable

import msgspec

from chalicelib.domain.presence import Status


class OperatorLoad(msgspec.Struct, frozen=True):
    username: str
    status: Status = Status.AVAILABLE
    open_dialogs: int = 0
    assigned_at: str = ""  # ISO time of the last assignment; "" for never


def has_room(load: OperatorLoad, capacity: int) -> bool:
    return load.open_dialogs < capacity


def eligible(loads: Iterable[OperatorLoad], online: Collection[str], capacity: int,
             exclude: Collection[str] = ()) -> list[OperatorLoad]:
    """The operators who may be offered a dialog now."""
    return [load for load in loads
            if load.username in online and load.status is Status.AVAILABLE
            and has_room(load, capacity) and load.username not in exclude]


def ranked(candidates: Iterable[OperatorLoad], rng: random.Random | None = None) -> list[OperatorLoad]:
    """Candidates best first: fewest open dialogs, then longest since their last assignment,
    then shuffled."""
    shuffled = list(candidates)
    (rng or random).shuffle(shuffled)
    # sorted() is stable: the shuffle decides only between exact equals.
    return sorted(shuffled, key=lambda load: (load.open_dialogs, load.assigned_at))
