"""The tab counts that a change moved, read for a `counts` push.

The counters are kept by the REST side (`chalicelib/services/counters.py`: each change adds
its deltas in its own transaction); this reads the ones a change moved, for every operator
receiving them, in ONE BatchGetItem (strongly consistent, so the push shows the counts
after the change).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from chalicelib.services.publisher import Change
from chalicelib.services.tabs import ALL_COUNTER, WAITING_COUNTER, counter_deltas, mine_counter
from chalicelib.storage.counters import CounterModel

_MINE_PREFIX = mine_counter("")


@dataclass(frozen=True)
class CountsMoved:
    """Which counts a change moved: Waiting and All are everyone's; Mine is per operator."""

    shared: tuple[str, ...] = ()  # "waiting", "all"
    mine: tuple[str, ...] = ()  # operators whose Mine count moved

    def __bool__(self) -> bool:
        return bool(self.shared or self.mine)


def counts_moved(change: Change) -> CountsMoved:
    shared: list[str] = []
    mine: list[str] = []
    for name in sorted(counter_deltas(change)):
        if name == WAITING_COUNTER:
            shared.append("waiting")
        elif name == ALL_COUNTER:
            shared.append("all")
        elif name.startswith(_MINE_PREFIX):
            mine.append(name[len(_MINE_PREFIX):])
    return CountsMoved(tuple(shared), tuple(mine))


@dataclass
class Counts:
    shared: dict[str, int] = field(default_factory=dict)
    mine: dict[str, int] = field(default_factory=dict)


class CounterReader:
    def read(self, operators: Iterable[str]) -> Counts:
        """Waiting, All and the Mine count of each of `operators`: one BatchGetItem
        (PynamoDB splits it at DynamoDB's 100 keys)."""
        operators = sorted(set(operators))
        names = {WAITING_COUNTER: ("shared", "waiting"), ALL_COUNTER: ("shared", "all")}
        names.update({mine_counter(username): ("mine", username) for username in operators})
        counts = Counts({"waiting": 0, "all": 0}, dict.fromkeys(operators, 0))
        for item in CounterModel.batch_get(list(names), consistent_read=True):
            where, key = names[item.name]
            # Never below zero on screen, even if data predates the counters.
            getattr(counts, where)[key] = max(0, int(item.value or 0))
        return counts
