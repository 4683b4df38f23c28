"""The operator states table: ONE item per operator, with the status the operator set
(available / away) and their load (open dialogs, for fair assignment, docs/assignment.md).

Online or offline is not stored here: it is whether the operator has a live connection
(`storage/connections.py`), so a missed `$disconnect` cannot leave anyone "online" past the
connection's TTL. The item is written on the operator's first connection and when they set a
status; the `team` index (one fixed partition key) lists every operator who ever connected with
ONE Query, for the operators route's picker (never a Scan). A contact center has tens to
hundreds of operators: one partition of small items.

The load (`open_dialogs`) moves in the SAME transaction as the dialog change that adds or
removes the operator (`DialogWrite.move_operator_load`), so it never drifts on a retry, and an
assignment's `+1` carries the condition `open_dialogs < capacity`: two assigners racing for the
last free place of one operator cannot both win.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.clock import iso
from chalicelib.domain.assignment import OperatorLoad
from chalicelib.domain.presence import Status
from chalicelib.storage.models import LeadModel, _Meta

TEAM = "team"


class TeamIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "team"
        projection = AllProjection()

    team = UnicodeAttribute(hash_key=True)
    username = UnicodeAttribute(range_key=True)


class OperatorStateModel(Model):
    class Meta(_Meta):
        kind = "operator_states"

    username = UnicodeAttribute(hash_key=True)
    team = UnicodeAttribute(default=TEAM)
    # "available" or "away"; absent reads as available.
    status = UnicodeAttribute(null=True)
    status_at = UnicodeAttribute(null=True)
    # Dialogs the operator is in now (moved with each join and leave; may read below 0 for
    # dialogs joined before the counter existed: read as 0).
    open_dialogs = NumberAttribute(null=True)
    # The last fair assignment to this operator (a tie-break, docs/assignment.md).
    assigned_at = UnicodeAttribute(null=True)

    by_team = TeamIndex()


def _load(item: OperatorStateModel) -> OperatorLoad:
    return OperatorLoad(
        username=item.username,
        status=Status.of(item.status),
        open_dialogs=max(0, int(item.open_dialogs or 0)),
        assigned_at=item.assigned_at or "",
    )


class PresenceStore:
    """Reads and writes of the operator states."""

    def seen(self, username: str) -> None:
        """The operator connected: make sure they have an item (and so are in the team list).
        One UpdateItem that sets only the team key: the status and load are left as they are."""
        OperatorStateModel(username).update([OperatorStateModel.team.set(TEAM)])

    def set_status(self, username: str, status: Status, now: datetime) -> Status:
        """Set the operator's status; answer the one it replaced (UPDATED_OLD)."""
        response = OperatorStateModel._get_connection().update_item(
            username,
            actions=[OperatorStateModel.team.set(TEAM), OperatorStateModel.status.set(status.value),
                     OperatorStateModel.status_at.set(iso(now))],
            return_values="UPDATED_OLD",
        )
        old = response.get("Attributes", {}).get("status", {}).get("S")
        return Status.of(old)

    def loads(self, usernames: Iterable[str]) -> dict[str, OperatorLoad]:
        """Status and load of each of `usernames`: ONE strongly consistent BatchGetItem (split
        by PynamoDB at 100 keys). An operator without an item is available with no load."""
        names = sorted(set(usernames))
        found = {name: OperatorLoad(username=name) for name in names}
        if names:
            for item in OperatorStateModel.batch_get(names, consistent_read=True):
                found[item.username] = _load(item)
        return found

    def team(self) -> list[OperatorLoad]:
        """Every operator who ever connected: ONE Query of the `team` index."""
        return [_load(item) for item in OperatorStateModel.by_team.query(TEAM)]


def oldest_waiting(shards: int, limit: int) -> list[str]:
    """The ids of up to `limit` dialogs that have waited longest, oldest first: one Query of
    `limit` keys per tab shard of the sparse, keys-only `waiting-since` index (it orders by when
    a dialog entered Waiting, where the `waiting` index orders by last activity)."""
    found: list[tuple[str, str]] = []
    for shard in range(max(1, shards)):
        items: Any = LeadModel.waiting_since_index.query(f"waiting#{shard}", scan_index_forward=True, limit=limit)
        found += [(item.waiting_since, item.id) for item in items if item.waiting_since]
    return [lead_id for _, lead_id in sorted(found)[:limit]]
