"""Which tabs a dialog is on, and how a change moves the counters (domain/tabs.py: pure,
no models, no moto)."""

from __future__ import annotations

from chalicelib.domain.dialog import Dialog
from chalicelib.domain.dialog_state import DialogState
from chalicelib.domain.tabs import NOWHERE, CountsMoved, Tab, TabPlace, counter_deltas, counts_moved

BOT = Dialog(DialogState.BOT)
WAITING = Dialog(DialogState.WAITING)


def operators(*names: str) -> Dialog:
    return Dialog(DialogState.OPERATOR, names)


def test_counter_deltas_for_every_transition():
    assert counter_deltas(None, BOT) == {"all": 1}
    assert counter_deltas(BOT, WAITING) == {"waiting": 1}
    assert counter_deltas(WAITING, operators("a")) == {"waiting": -1, "mine#a": 1}
    assert counter_deltas(BOT, operators("a")) == {"mine#a": 1}
    assert counter_deltas(operators("a"), operators("a", "b")) == {"mine#b": 1}
    assert counter_deltas(operators("a", "b"), operators("a")) == {"mine#b": -1}
    assert counter_deltas(operators("a"), WAITING) == {"waiting": 1, "mine#a": -1}
    assert counter_deltas(operators("a", "b"), BOT) == {"mine#a": -1, "mine#b": -1}
    assert counter_deltas(WAITING, BOT) == {"waiting": -1}
    # A message or an edit moves nothing.
    assert counter_deltas(operators("a"), operators("a")) == {}
    assert counter_deltas(WAITING, WAITING) == {}


def test_a_dialog_is_on_the_tabs_its_state_says():
    assert TabPlace.of(None) == NOWHERE
    assert TabPlace.of(BOT) == TabPlace(False, frozenset())
    assert TabPlace.of(WAITING) == TabPlace(True, frozenset())
    assert TabPlace.of(operators("a", "b")) == TabPlace(False, frozenset({"a", "b"}))


def test_counts_moved_names_the_shared_tabs_and_whose_mine():
    assert counts_moved(None, BOT) == CountsMoved((Tab.ALL,), ())
    assert counts_moved(WAITING, operators("a")) == CountsMoved((Tab.WAITING,), ("a",))
    assert counts_moved(operators("a"), operators("a", "b")) == CountsMoved((), ("b",))
    assert not counts_moved(operators("a"), operators("a"))


def test_a_tab_is_named_only_by_its_name():
    assert Tab.named("mine") is Tab.MINE
    for wrong in ("Mine", "", None, 5, ["all"], {"tab": "all"}):
        assert Tab.named(wrong) is None
