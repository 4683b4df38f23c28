"""End to end through a real HTTP receiver: dialog changes -> deliveries table -> stream ->
delivery function -> signed POSTs, with failures, retries and a fake clock."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest

from chalicelib.clock import iso
from chalicelib.storage.deliveries import DeadLetterModel, DeliveryModel
from chalicelib.storage.models import MessageModel
from chalicelib.webhooks import retries
from chalicelib.webhooks.delivery import _Run
from tests.service.webhooks.flows import conversation, new_lead, operator_says


def assert_in_order(calls, expected_ids):
    """Each call is for the next event not yet accepted (or a retry of it): no event is
    sent before every earlier one was accepted with a 2xx."""
    accepted = 0
    for call in calls:
        position = expected_ids.index(call.webhook_id)
        assert position == accepted, f"call for event #{position} while #{accepted} was not yet accepted"
        if isinstance(call.answered, int) and 200 <= call.answered < 300:
            accepted += 1
    assert accepted == len(expected_ids)


def test_each_change_is_one_delivery_item_in_its_own_transaction(hooks, aws):
    lead = new_lead(hooks)
    assert list(DeliveryModel.query(lead)) == []  # the bot created the lead itself: nothing to tell
    aws.clear()
    operator_says_nothing_yet = hooks.services.dialogs.start(lead, "alice")
    assert operator_says_nothing_yet.dialog_state == "operator"
    # The transition, its messages and its delivery: one TransactWriteItems, no second write.
    writes = [op for op in aws.dynamodb() if op in ("TransactWriteItems", "PutItem", "UpdateItem", "BatchWriteItem")]
    assert writes == ["TransactWriteItems"]
    (item,) = DeliveryModel.query(lead)
    assert [event.type for event in item.events] == ["dialog.operator_joined", "message.created"]
    assert item.bot_id == hooks.bot_id and item.next_attempt_at <= iso(hooks.clock.now())


def test_every_event_arrives_in_order_signed_through_failures(hooks):
    from chalicelib.webhooks.transport import SafeTransport

    # The third call hangs longer than the call's timeout.
    hooks.delivery.transport = SafeTransport(local=True, timeout=3.0)
    hooks.receiver.plan = [500, ("status", 429, {"Retry-After": "7200"}), ("sleep", 6.0), 503, 502]
    lead, expected = conversation(hooks)
    hooks.drain()

    calls = hooks.receiver.calls
    delivered = hooks.receiver.delivered()
    assert [call.payload["type"] for call in delivered] == expected
    assert all(call.verified for call in calls), "every call verifies with standardwebhooks"
    ids = [call.webhook_id for call in delivered]
    assert len(set(ids)) == len(ids)
    # The five failures were all retries of the first event, under the same webhook-id.
    assert [call.webhook_id for call in calls[:6]] == [ids[0]] * 6
    assert len(calls) == len(expected) + 5
    assert_in_order(calls, ids)
    # The body says what the issue promises: the event id, the lead, the dialog state, the operator.
    for call in delivered:
        payload = call.payload
        assert payload["id"] == call.webhook_id
        assert payload["data"]["lead"]["id"] == lead and payload["data"]["lead"]["lead_ref"] == "tg:1"
        assert payload["data"]["dialog"]["state"] in ("waiting", "operator", "bot")
    joined = delivered[1].payload["data"]
    assert joined["operator"] == {"username": "alice"} and joined["dialog"] == {"state": "operator",
                                                                                  "operators": ["alice"]}
    reply = delivered[3].payload["data"]["message"]
    assert reply["text"] == "Hello, I am Alice" and reply["from"] == "operator" and reply["operator"] == "alice"
    script = delivered[2].payload["data"]["message"]
    assert script["from"] == "bot" and script["system_script"] == "operator_transfer"
    assert delivered[5].payload["data"]["lead"]["status"] == "vip"
    # Every operator and script message shows "delivered" to the operator.
    states = {int(m.seq): m.delivery for m in MessageModel.query(lead) if m.sender in ("operator", "bot")
              and m.delivery}
    assert set(states.values()) == {"delivered"} and len(states) == 4
    assert list(DeliveryModel.query(lead)) == []


def test_429_retry_after_is_honoured_and_backoff_grows(hooks):
    hooks.receiver.plan = [("status", 429, {"Retry-After": "7200"}), 500]
    lead = new_lead(hooks)
    hooks.services.dialogs.start(lead, "alice")
    start = hooks.clock.now()
    hooks.feed()
    (item,) = DeliveryModel.query(lead)
    assert item.attempts == 1 and item.last_status == 429
    assert item.next_attempt_at >= iso(start + timedelta(seconds=7200))
    hooks.advance(7199)
    hooks.sweep()
    assert len(hooks.receiver.calls) == 1  # not before Retry-After
    hooks.advance(2 * 3600)
    hooks.sweep()
    (item,) = DeliveryModel.query(lead)
    assert item.attempts == 2 and item.last_status == 500
    # The second failure is retried 5 s later (plus up to 25 % jitter): the fast retries.
    assert iso(hooks.clock.now() + timedelta(seconds=5)) <= item.next_attempt_at
    assert item.next_attempt_at <= iso(hooks.clock.now() + timedelta(seconds=6.25))
    hooks.advance(6.25 + 1)
    hooks.sweep()
    assert [c.answered for c in hooks.receiver.calls] == [429, 500, 204, 204]
    assert len({c.webhook_id for c in hooks.receiver.calls[:3]}) == 1


@pytest.mark.parametrize("jitter", [0.0, 1.0])
def test_the_retry_schedule_is_1_5_30_seconds_then_the_long_backoff(hooks, jitter):
    """What the delivery function writes after each failed attempt, until the dead letter."""
    hooks.delivery.rand = lambda: jitter
    hooks.receiver.plan = [500] * retries.MAX_ATTEMPTS
    lead = new_lead(hooks)
    hooks.services.dialogs.start(lead, "alice")
    started = hooks.clock.now()
    hooks.feed()
    waits = []
    while True:
        items = list(DeliveryModel.query(lead))
        if not items or items[0].attempts == 0:
            break
        due = datetime.fromisoformat(items[0].next_attempt_at.replace("Z", "+00:00"))
        waits.append(round((due - hooks.clock.now()).total_seconds(), 2))
        hooks.advance((due - hooks.clock.now()).total_seconds() + 0.001)
        hooks.sweep()
    minute, hour = 60, 3600
    expected = [1, 5, 30, 2 * minute, 6 * minute, 18 * minute, 54 * minute, 162 * minute, 486 * minute,
                24 * hour, 24 * hour, 24 * hour]
    assert waits == [round(wait * (1 + 0.25 * jitter), 2) for wait in expected]
    first = hooks.receiver.calls[0].webhook_id
    assert [c.webhook_id for c in hooks.receiver.calls].count(first) == retries.MAX_ATTEMPTS == 13
    assert DeadLetterModel.get(first).attempts == 13
    assert hooks.clock.now() - started >= timedelta(hours=84)


def test_connection_refused_then_back(hooks):
    lead = new_lead(hooks)
    hooks.receiver.stop()
    hooks.services.dialogs.start(lead, "alice")
    hooks.feed()
    (item,) = DeliveryModel.query(lead)
    assert item.attempts == 1 and item.last_status is None and "connection failed" in (item.last_error or "")
    hooks.receiver.start()  # the same port again
    hooks.advance(3600)
    hooks.sweep()
    assert [c.payload["type"] for c in hooks.receiver.delivered()] == ["dialog.operator_joined", "message.created"]
    assert all(c.verified for c in hooks.receiver.calls)


def test_a_later_event_waits_for_an_earlier_one(hooks):
    hooks.receiver.plan = [500]
    lead = new_lead(hooks)
    hooks.services.dialogs.start(lead, "alice")
    hooks.feed()
    operator_says(hooks, lead, "are you there?")
    hooks.feed()  # the new item's stream record: its lead's head is waiting for a retry
    assert [c.payload["type"] for c in hooks.receiver.calls] == ["dialog.operator_joined"]
    hooks.advance(3600)
    hooks.sweep()
    assert [c.payload["type"] for c in hooks.receiver.delivered()] == [
        "dialog.operator_joined", "message.created", "message.created"]


def test_other_leads_are_not_held_up_by_a_failing_one(hooks):
    hooks.receiver.plan = [500]
    first = new_lead(hooks, "tg:1")
    second = new_lead(hooks, "tg:2")
    hooks.services.dialogs.start(first, "alice")
    hooks.services.dialogs.start(second, "bob")
    hooks.feed()
    delivered_leads = {c.payload["data"]["lead"]["id"] for c in hooks.receiver.delivered()}
    assert delivered_leads == {second}


def test_dead_letter_after_the_last_attempt_spans_three_days(hooks, capsys):
    hooks.receiver.plan = [500] * retries.MAX_ATTEMPTS
    lead = new_lead(hooks)
    hooks.services.dialogs.start(lead, "alice")
    operator_says(hooks, lead, "hello?")
    started = hooks.clock.now()
    hooks.drain()
    calls = hooks.receiver.calls
    first_id = calls[0].webhook_id
    assert [c.webhook_id for c in calls[: retries.MAX_ATTEMPTS]] == [first_id] * retries.MAX_ATTEMPTS
    letter = DeadLetterModel.get(first_id)
    assert letter.reason == "attempts_exhausted" and letter.attempts == retries.MAX_ATTEMPTS
    assert letter.last_status == 500
    assert hooks.clock.now() - started >= timedelta(hours=72)
    # The queue went on after the dead letter: the script message and the reply arrived.
    assert [c.payload["type"] for c in hooks.receiver.delivered()] == ["message.created", "message.created"]
    assert '"WebhookDeadLetters":1' in capsys.readouterr().out


def test_parallel_leads_each_keep_their_order(hooks):
    hooks.delivery.workers = 4
    leads = {}
    for n in range(6):
        ref = f"tg:{n}"
        lead = new_lead(hooks, ref)
        hooks.services.dialogs.start(lead, "alice")
        operator_says(hooks, lead, f"first to {n}")
        operator_says(hooks, lead, f"second to {n}")
        leads[lead] = n
    hooks.feed()
    delivered = hooks.receiver.delivered()
    assert len(delivered) == 6 * 4
    for lead, n in leads.items():
        texts = [(c.payload["type"], (c.payload["data"].get("message") or {}).get("text"))
                 for c in delivered if c.payload["data"]["lead"]["id"] == lead]
        assert texts == [("dialog.operator_joined", None), ("message.created", "An operator joined."),
                         ("message.created", f"first to {n}"), ("message.created", f"second to {n}")]


def test_no_call_starts_without_time_for_it(hooks):
    """Near the Lambda's timeout nothing new is started; the item stays due for the sweep."""
    from chalicelib.webhooks.delivery import SAFETY_SECONDS

    lead = new_lead(hooks)
    hooks.services.dialogs.start(lead, "alice")
    hooks.delivery.on_stream(hooks.stream.records(), time_left=SAFETY_SECONDS - 1)
    assert hooks.receiver.calls == []
    (item,) = DeliveryModel.query(lead)
    assert item.claim is None and item.next_attempt_at <= iso(hooks.clock.now())
    hooks.delivery.sweep(time_left=300)
    assert len(hooks.receiver.delivered()) == 2


def test_an_item_that_sorts_before_a_begun_one_waits_for_it(hooks):
    """A lead edit racing a message can commit an item that sorts before the message's; once
    the message's delivery has begun (here: a failed attempt), it still goes first."""
    from chalicelib.webhooks.events import Outgoing
    from chalicelib.webhooks.outbox import delivery_item

    hooks.receiver.plan = [500]
    lead = new_lead(hooks)
    hooks.services.dialogs.start(lead, "alice")  # position 000000000002 (seq 2 after the change)
    hooks.feed()
    (begun,) = DeliveryModel.query(lead)
    assert begun.attempts == 1
    # What the racing edit would have staged: it read seq 1, so it sorts first.
    edit = Outgoing("evt_racing_edit", "lead.updated", '{"id":"evt_racing_edit","type":"lead.updated","data":{}}')
    delivery_item(lead, hooks.bot_id, "000000000001~x", [edit], iso(hooks.clock.now())).save()
    hooks.advance(3600)
    hooks.sweep()
    assert [c.webhook_id for c in hooks.receiver.delivered()][-1] == "evt_racing_edit"
    assert [c.payload["type"] for c in hooks.receiver.delivered()] == [
        "dialog.operator_joined", "message.created", "lead.updated"]


def test_items_behind_a_waiting_head_leave_the_due_index_until_its_retry(hooks):
    """Otherwise a bot that is down for hours fills the sweep's pages with items that cannot
    go yet, and the due retries of other leads starve behind them."""
    from chalicelib.storage.deliveries import DUE_SHARDS

    def due_now():
        now = iso(hooks.clock.now())
        return [i for s in range(DUE_SHARDS) for i in DeliveryModel.due.query(f"due#{s}", DeliveryModel.next_attempt_at
                                                                               <= now)]

    hooks.receiver.plan = [500]
    lead = new_lead(hooks)
    hooks.services.dialogs.start(lead, "alice")
    hooks.feed()
    for n in range(3):
        operator_says(hooks, lead, f"waiting {n}")
    assert len(due_now()) == 3
    hooks.sweep()
    assert due_now() == [], "deferred to the head's retry time"
    (head, *behind) = DeliveryModel.query(lead)
    assert all(item.next_attempt_at == head.next_attempt_at for item in behind)
    hooks.drain()
    assert [c.payload["type"] for c in hooks.receiver.delivered()] == [
        "dialog.operator_joined", "message.created", "message.created", "message.created", "message.created"]


def test_dynamodb_requests_of_one_delivered_event(hooks, aws):
    """Per event: read the lead's queue, claim its head, read the bot, record the outcome
    (with the message's delivery state) in one transaction, and look once more."""
    lead = new_lead(hooks)
    hooks.services.dialogs.start(lead, "alice")
    hooks.feed()
    message = operator_says(hooks, lead, "hello")
    records = hooks.stream.records()
    aws.clear()
    hooks.delivery.on_stream(records)
    assert hooks.receiver.delivered()[-1].payload["data"]["message"]["seq"] == int(message.seq)
    assert aws.dynamodb() == ["Query", "UpdateItem", "GetItem", "TransactWriteItems", "Query"]


def test_items_behind_a_head_another_function_holds_are_not_deferred_to_its_lease(hooks):
    """The stream and the sweep often take the same lead at once. The one that finds the head
    claimed must not defer what waits behind it to the claim's lease end: the holder goes on with
    the next item as soon as the head is done, and would find it not due for a minute (a reply
    stuck behind its own join for 60 s; seen under load in the local runtime)."""
    lead = new_lead(hooks)
    hooks.services.dialogs.start(lead, "alice")  # item 1: operator_joined + the script's message
    operator_says(hooks, lead, "right behind the join")  # item 2
    delivery = hooks.delivery
    holder = delivery._claim_head(lead)  # the stream's function holds the head...
    assert holder is not None
    assert delivery._claim_head(lead) is None  # ... the sweep's finds it leased and stops
    delivery._deliver_item(holder, _Run(time.monotonic(), 60.0, {}))
    delivery.work_lead(lead)  # the holder goes on, at the same instant
    assert [c.payload["type"] for c in hooks.receiver.delivered()] == [
        "dialog.operator_joined", "message.created", "message.created"]
    assert list(DeliveryModel.query(lead)) == []
