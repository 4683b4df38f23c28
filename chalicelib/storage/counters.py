"""The tab counters table: one item per counter (`waiting`, `all`, `mine#<operator>`).

Counting a tab with a Query would read every item of it, and a table scan is never allowed, so
each change adds its deltas (DynamoDB ADD) to these items in the change's own transaction
(`DialogWrite.move_counters`): a counter moves exactly when its tab does, and never drifts on
a retry. Two changes that move the same counter conflict in DynamoDB's transactions and one
retries, so counts stay exact (a contact center moves a few dialogs a second; one hot
`waiting` item handles that easily).
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.domain.tabs import ALL_COUNTER, WAITING_COUNTER, Tab, mine_counter
from chalicelib.storage.models import _Meta


class CounterModel(Model):
    class Meta(_Meta):
        kind = "counters"

    name = UnicodeAttribute(hash_key=True)
    value = NumberAttribute(default=0)


class Counts(msgspec.Struct):
    shared: dict[str, int] = msgspec.field(default_factory=dict)  # "waiting", "all"
    mine: dict[str, int] = msgspec.field(default_factory=dict)  # operator -> their Mine count


class CounterStore:
    def read(self, operators: Iterable[str]) -> Counts:
        """Waiting, All and the Mine count of each of `operators`: ONE BatchGetItem, strongly
        consistent so that a push made after a change shows the counts after it (PynamoDB
        splits it at DynamoDB's 100 keys)."""
        operators = sorted(set(operators))
        names = {WAITING_COUNTER: ("shared", Tab.WAITING.value), ALL_COUNTER: ("shared", Tab.ALL.value)}
        names.update({mine_counter(username): ("mine", username) for username in operators})
        counts = Counts({Tab.WAITING.value: 0, Tab.ALL.value: 0}, dict.fromkeys(operators, 0))
        for item in CounterModel.batch_get(list(names), consistent_read=True):
            where, key = names[item.name]
            # Never below zero on screen, even if data predates the counters.
            getattr(counts, where)[key] = max(0, int(item.value or 0))
        return counts

    def of_operator(self, username: str) -> dict[str, int]:
        """`{waiting, mine, all}` as `username` sees them: one BatchGetItem."""
        counts = self.read([username])
        return {Tab.WAITING.value: counts.shared[Tab.WAITING.value], Tab.MINE.value: counts.mine[username],
                Tab.ALL.value: counts.shared[Tab.ALL.value]}
