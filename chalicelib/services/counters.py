"""Tab counts without a table scan: an Outbox stager that adds each change's counter deltas to
the change's own transaction, and one BatchGetItem to read an operator's counts.

Every change that moves a counter writes that counter item, so two such changes at once
conflict in DynamoDB's transactions and one retries: counts stay exact. (A contact center
moves a few dialogs a second; one hot `waiting` item handles that easily.)
"""

from __future__ import annotations

from chalicelib.services.publisher import Change
from chalicelib.services.tabs import ALL_COUNTER, WAITING_COUNTER, counter_deltas, mine_counter
from chalicelib.storage.counters import CounterModel
from chalicelib.storage.dialogs import DialogWrite


class CounterStager:
    """An `Outbox`: stages `ADD value :delta` for every counter the change moves."""

    def stage(self, write: DialogWrite, change: Change) -> None:
        for name, delta in sorted(counter_deltas(change).items()):
            write.update(CounterModel(name), [CounterModel.value.add(delta)])


def read_counts(username: str) -> dict[str, int]:
    """`{waiting, mine, all}` for `username`: one BatchGetItem."""
    names = {WAITING_COUNTER: "waiting", ALL_COUNTER: "all", mine_counter(username): "mine"}
    counts = dict.fromkeys(("waiting", "mine", "all"), 0)
    for item in CounterModel.batch_get(list(names), consistent_read=True):
        # Never below zero on screen, even if data predates the counters.
        counts[names[item.name]] = max(0, int(item.value or 0))
    return counts
