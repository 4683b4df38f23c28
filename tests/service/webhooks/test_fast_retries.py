"""Retries due within seconds run when they are due, not at the next per-minute sweep: the
delivery function queues a delayed wake-up for the lead (chalicelib/webhooks/wakeups.py), and
the wake-up works the lead's queue like the stream does (head first, under the lease)."""

from __future__ import annotations

import json
from datetime import timedelta

from chalicelib.storage.deliveries import DeliveryModel
from tests.service.webhooks.flows import new_lead


class FakeWakeups:
    """The SQS queue: records each wake-up as (lead, delay in seconds)."""

    def __init__(self, fail: bool = False) -> None:
        self.rung: list[tuple[str, int]] = []
        self.fail = fail

    def wake(self, lead_id: str, delay_seconds: int) -> None:
        if self.fail:
            raise RuntimeError("SQS is down")
        self.rung.append((lead_id, delay_seconds))


def wakeup(lead_id: str) -> dict[str, str]:
    """An SQS record as Lambda hands it over."""
    return {"messageId": "m-1", "body": json.dumps({"lead_id": lead_id})}


def test_a_single_transient_failure_is_delivered_within_seconds(hooks):
    wakeups = hooks.delivery.wakeups = FakeWakeups()
    hooks.delivery.rand = lambda: 0.5  # 1 s + 12.5 % jitter
    hooks.receiver.plan = [503]
    lead = new_lead(hooks)
    hooks.services.dialogs.start(lead, "alice")
    started = hooks.clock.now()
    hooks.feed()
    assert [c.answered for c in hooks.receiver.calls] == [503]
    assert wakeups.rung == [(lead, 2)]  # 1.125 s, rounded up: never before the item is due

    # SQS never hands a delayed message out early; were one early, it would change nothing.
    hooks.delivery.on_wakeups([wakeup(lead)])
    assert len(hooks.receiver.calls) == 1

    hooks.advance(2)
    assert hooks.delivery.on_wakeups([wakeup(lead)]) == 2  # no sweep involved
    assert [c.payload["type"] for c in hooks.receiver.delivered()] == ["dialog.operator_joined", "message.created"]
    assert len({c.webhook_id for c in hooks.receiver.calls[:2]}) == 1
    assert hooks.clock.now() - started <= timedelta(seconds=2)
    assert list(DeliveryModel.query(lead)) == []
    assert wakeups.rung == [(lead, 2)], "nothing waits any more: no other wake-up"


def test_each_fast_and_minutes_retry_is_rung_the_long_ones_are_left_to_the_sweep(hooks):
    wakeups = hooks.delivery.wakeups = FakeWakeups()
    hooks.delivery.rand = lambda: 0.0
    hooks.receiver.plan = [500] * 6
    lead = new_lead(hooks)
    hooks.services.dialogs.start(lead, "alice")
    hooks.feed()
    for _ in range(5):
        (_, delay) = wakeups.rung[-1]
        hooks.advance(delay)
        hooks.delivery.on_wakeups([wakeup(lead)])
    # 1 s, 5 s, 30 s, 2 min, 6 min; the 18 min retry is beyond SQS's 15 minutes.
    assert [delay for _, delay in wakeups.rung] == [1, 5, 30, 120, 360]
    assert len(hooks.receiver.calls) == 6
    (item,) = DeliveryModel.query(lead)
    assert item.attempts == 6
    hooks.advance(18 * 60)
    hooks.sweep()
    assert len(hooks.receiver.delivered()) == 2


def test_an_item_handed_back_for_want_of_time_is_rung_at_once(hooks):
    wakeups = hooks.delivery.wakeups = FakeWakeups()
    hooks.delivery.time_budget = 0.5
    hooks.receiver.plan = [("sleep", 1.0)]  # the first call uses up the invocation's time
    lead = new_lead(hooks)
    hooks.services.dialogs.start(lead, "alice")
    hooks.feed()
    (item,) = DeliveryModel.query(lead)
    assert item.done == 1 and item.claim is None  # the first event went; the second waits
    assert wakeups.rung == [(lead, 0)]
    hooks.delivery.time_budget = 240
    hooks.delivery.on_wakeups([wakeup(lead)])
    assert [c.payload["type"] for c in hooks.receiver.calls] == ["dialog.operator_joined", "message.created"]
    assert list(DeliveryModel.query(lead)) == []


def test_a_wakeup_that_cannot_be_queued_leaves_the_retry_to_the_sweep(hooks, caplog):
    hooks.delivery.wakeups = FakeWakeups(fail=True)
    hooks.receiver.plan = [503]
    lead = new_lead(hooks)
    hooks.services.dialogs.start(lead, "alice")
    hooks.feed()
    assert "could not queue a wake-up" in caplog.text
    hooks.advance(60)
    hooks.sweep()
    assert len(hooks.receiver.delivered()) == 2


def test_wakeups_for_other_leads_and_junk_bodies_are_harmless(hooks):
    hooks.delivery.wakeups = FakeWakeups()
    lead = new_lead(hooks)
    records = [{"messageId": "a", "body": "not json"}, {"messageId": "b", "body": "[1]"},
               wakeup("ld_nobody"), wakeup(lead), wakeup(lead)]
    assert hooks.delivery.on_wakeups(records) == 0
    assert hooks.receiver.calls == []


def test_the_sqs_wakeup_is_a_delayed_message_naming_the_lead(aws):
    import boto3

    from chalicelib.adapters.wakeup_queue import SqsWakeups, leads_of
    from chalicelib.config import get_settings

    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="handover-webhook-wakeups")["QueueUrl"]
    settings = get_settings()
    assert not SqsWakeups.configured(settings)  # no queue configured: the sweep alone
    wakeups = SqsWakeups(settings, sqs=sqs)  # found by its name, as the local runtime does
    wakeups.wake("ld_later", 30)
    wakeups.wake("ld_now", 0)
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    # As Lambda hands them over (`body`, where the SQS API says `Body`); the other is held back 30 s.
    assert leads_of([{"body": message["Body"]} for message in received]) == ["ld_now"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])
    assert attributes["Attributes"]["ApproximateNumberOfMessagesDelayed"] == "1"
