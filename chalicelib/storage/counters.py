"""The tab counters table: one item per counter (`waiting`, `all`, `mine#<operator>`).

Counting a tab with a Query would read every item of it, and a table scan is never allowed, so
each change adds its deltas (DynamoDB ADD) to these items in the change's own transaction:
a counter moves exactly when its tab does, and never drifts on a retry.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.storage.models import _Meta


class CounterModel(Model):
    class Meta(_Meta):
        kind = "counters"

    name = UnicodeAttribute(hash_key=True)
    value = NumberAttribute(default=0)
