"""Fair assignment's pure rules and presence (chalicelib/domain/assignment.py, presence.py)."""

from __future__ import annotations

import random

from chalicelib.domain.assignment import OperatorLoad, eligible, ranked
from chalicelib.domain.presence import Presence, Status, presence_of


def test_presence_is_offline_without_a_connection_whatever_the_status():
    assert presence_of(False, Status.AVAILABLE) is Presence.OFFLINE
    assert presence_of(False, Status.AWAY) is Presence.OFFLINE
    assert presence_of(True, Status.AVAILABLE) is Presence.ONLINE
    assert presence_of(True, Status.AWAY) is Presence.AWAY
    assert Status.of(None) is Status.AVAILABLE and Status.of("bogus") is Status.AVAILABLE


def test_only_online_available_operators_under_capacity_and_not_excluded_are_eligible():
    loads = [
        OperatorLoad("ann", open_dialogs=1),
        OperatorLoad("bob", status=Status.AWAY),
        OperatorLoad("cat", open_dialogs=3),  # at capacity
        OperatorLoad("dan"),  # offline
        OperatorLoad("eve"),  # just left the dialog
    ]
    found = eligible(loads, online={"ann", "bob", "cat", "eve"}, capacity=3, exclude=("eve",))
    assert [load.username for load in found] == ["ann"]


def test_the_fewest_open_first_then_the_longest_since_assigned_and_ties_spread_at_random():
    loads = [OperatorLoad("ann", open_dialogs=2), OperatorLoad("bob", open_dialogs=1, assigned_at="2026-01-01T10:00"),
             OperatorLoad("cat", open_dialogs=1, assigned_at="2026-01-01T09:00")]
    assert [load.username for load in ranked(loads, random.Random(1))] == ["cat", "bob", "ann"]
    tied = [OperatorLoad(name) for name in ("a", "b", "c", "d")]
    firsts = {ranked(tied, random.Random(seed))[0].username for seed in range(40)}
    assert firsts == {"a", "b", "c", "d"}
