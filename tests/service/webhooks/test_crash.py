"""The delivery function dies mid-batch after a call went out: nothing is lost, and what is
sent twice carries the same webhook-id."""

from __future__ import annotations

import pytest

from chalicelib.storage.deliveries import DeliveryModel
from chalicelib.webhooks.delivery import LEASE_SECONDS, WebhookDelivery
from tests.service.webhooks.flows import conversation, new_lead


class Crash(BaseException):
    """The Lambda runtime going away: no `except Exception` in the code under test catches it."""


def crash_after_sending(monkeypatch, on_call: int) -> list[int]:
    """Make the function die right after the `on_call`-th 2xx, before recording it."""
    seen = [0]
    original = WebhookDelivery._delivered

    def dying(self, *args, **kwargs):
        seen[0] += 1
        if seen[0] == on_call:
            raise Crash()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(WebhookDelivery, "_delivered", dying)
    return seen


def test_crash_after_sending_loses_nothing_and_repeats_the_same_id(hooks, monkeypatch):
    lead, expected = conversation(hooks)
    crash_after_sending(monkeypatch, on_call=3)
    with pytest.raises(Crash):
        hooks.feed()
    sent = [c.webhook_id for c in hooks.receiver.calls]
    assert len(sent) == 3
    # Until the dead function's lease ends nobody else takes the lead (no concurrent sends).
    hooks.advance(LEASE_SECONDS - 1)
    hooks.sweep()
    assert len(hooks.receiver.calls) == 3
    hooks.advance(2)
    hooks.sweep()

    calls = hooks.receiver.calls
    ids_in_order = list(dict.fromkeys(c.webhook_id for c in calls))
    assert [hooks_type(calls, i) for i in ids_in_order] == expected, "every event arrived, in order"
    duplicates = [i for i in ids_in_order if sum(c.webhook_id == i for c in calls) > 1]
    assert duplicates == [sent[2]], "only the event in flight at the crash was sent twice, with its own id"
    assert [c.webhook_id for c in calls[2:4]] == [sent[2], sent[2]]
    assert all(c.verified for c in calls)
    assert list(DeliveryModel.query(lead)) == []


def hooks_type(calls, webhook_id):
    return next(c.payload["type"] for c in calls if c.webhook_id == webhook_id)


def test_crash_mid_batch_leaves_the_other_leads_due_for_the_sweep(hooks, monkeypatch):
    first = new_lead(hooks, "tg:1")
    second = new_lead(hooks, "tg:2")
    hooks.services.dialogs.start(first, "alice")
    hooks.services.dialogs.start(second, "bob")
    crash_after_sending(monkeypatch, on_call=1)
    with pytest.raises(Crash):
        hooks.feed()  # one batch with both leads' records; it dies on the first lead
    assert {c.payload["data"]["lead"]["id"] for c in hooks.receiver.calls} == {first}
    # The second lead's item was never claimed: the next sweep takes it at once.
    hooks.sweep()
    assert {c.payload["data"]["lead"]["id"] for c in hooks.receiver.delivered()} == {first, second}
    hooks.advance(LEASE_SECONDS + 1)
    hooks.sweep()
    delivered = hooks.receiver.delivered()
    assert sorted(c.payload["type"] for c in delivered if c.payload["data"]["lead"]["id"] == first) == [
        "dialog.operator_joined", "dialog.operator_joined", "message.created"]
    assert list(DeliveryModel.query(first)) == [] and list(DeliveryModel.query(second)) == []


def test_two_functions_on_one_lead_never_send_at_once(hooks):
    """The stream and the sweep may both wake for the same lead: the claim lets one through."""
    lead = new_lead(hooks)
    hooks.services.dialogs.start(lead, "alice")
    (item,) = DeliveryModel.query(lead)
    first = hooks.delivery._claim_head(lead)
    second = hooks.delivery._claim_head(lead)
    assert first is not None and second is None
    assert item.position == first[0].position


def test_an_outcome_that_cannot_touch_its_message_does_not_stick_the_queue(hooks):
    """Messages are never deleted, but if one were, its event's outcome is still recorded."""
    from chalicelib.storage.models import MessageModel
    from tests.service.webhooks.flows import operator_says

    lead = new_lead(hooks)
    hooks.services.dialogs.start(lead, "alice")
    message = operator_says(hooks, lead, "soon gone")
    operator_says(hooks, lead, "next")
    MessageModel(lead, int(message.seq)).delete()
    hooks.feed()
    assert [c.payload["type"] for c in hooks.receiver.delivered()] == ["dialog.operator_joined"] + [
        "message.created"] * 3
    assert list(DeliveryModel.query(lead)) == []
    assert MessageModel.get(lead, int(message.seq) + 1).delivery == "delivered"
    assert MessageModel.count(lead, MessageModel.seq == int(message.seq)) == 0
