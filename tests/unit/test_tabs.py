"""Which tabs a dialog is on, and how a change moves the counters (pure)."""

from __future__ import annotations

from chalicelib.services.publisher import Change
from chalicelib.services.tabs import counter_deltas
from chalicelib.storage.models import LeadModel


def change(before_state, before_ops, state, ops, created=False):
    lead = LeadModel("ld_x", dialog_state=state, operators=list(ops))
    return Change(lead=lead, created=created, before_state=before_state, before_operators=tuple(before_ops))


def test_counter_deltas_for_every_transition():
    assert counter_deltas(change(None, (), "bot", (), created=True)) == {"all": 1}
    assert counter_deltas(change("bot", (), "waiting", ())) == {"waiting": 1}
    assert counter_deltas(change("waiting", (), "operator", ("a",))) == {"waiting": -1, "mine#a": 1}
    assert counter_deltas(change("bot", (), "operator", ("a",))) == {"mine#a": 1}
    assert counter_deltas(change("operator", ("a",), "operator", ("a", "b"))) == {"mine#b": 1}
    assert counter_deltas(change("operator", ("a", "b"), "operator", ("a",))) == {"mine#b": -1}
    assert counter_deltas(change("operator", ("a",), "waiting", ())) == {"waiting": 1, "mine#a": -1}
    assert counter_deltas(change("operator", ("a", "b"), "bot", ())) == {"mine#a": -1, "mine#b": -1}
    assert counter_deltas(change("waiting", (), "bot", ())) == {"waiting": -1}
    # A message or an edit moves nothing.
    assert counter_deltas(change("operator", ("a",), "operator", ("a",))) == {}
