"""The escalation ladder (docs/notifications.md, "The escalation ladder"), with an injected
clock: rung 1 (N) the broadcast to every operator, rung 2 (M) the supervisor channel (SNS and
the bot's `dialog.escalated` webhook), rung 3 (K) back to the bot; each once, in order, and
none once an operator answered."""

from __future__ import annotations

import json

import pytest

from chalicelib import observability
from chalicelib.adapters.supervisor_channel import SnsSupervisorChannel
from chalicelib.config import get_settings
from chalicelib.notifications.escalation import EscalationLadder, Rung
from chalicelib.storage.deliveries import DeliveryModel
from chalicelib.storage.delivery_queue import DeliveryQueue
from chalicelib.storage.notifications import EscalationMarks
from tests.service.reminders_support import build_reminders_harness
from tests.service.test_reminders import SETTINGS_ENV

N, M, K = 300, 900, 1500


class RecordingChannel:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    def notify(self, subject: str, message: dict) -> bool:
        self.sent.append((subject, message))
        return True


class RecordingReturn:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, lead_id: str, started: str) -> bool:
        self.calls.append((lead_id, started))
        return True


@pytest.fixture
def room(monkeypatch, aws_env, aws):
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    observability.reset_recorded()
    room = build_reminders_harness()
    room.lead_id = room.lead()
    room.connect("alice", "alice", tab="waiting")
    room.connect("bob", "bob", tab="all", visible=False)
    room.channel = RecordingChannel()
    room.returned = RecordingReturn()
    services = room.services
    room.ladder = EscalationLadder(
        services.store, room.connections, services.notifications.escalation.fanout, EscalationMarks(), room.clock,
        delays={Rung.BROADCAST: N, Rung.SUPERVISOR: M, Rung.RETURN_TO_BOT: K}, period_seconds=60,
        supervisor=room.channel, deliveries=DeliveryQueue(), return_to_bot=room.returned)
    return room


def tick(room) -> int:
    room.everyone_quiet()
    return room.ladder.tick()


def broadcasts(room, name="alice"):
    return [f for f in room.frames(name) if f["type"] == "dialog.waiting_too_long"]


def escalated_webhooks(lead_id: str) -> list[dict]:
    return [json.loads(event.body) for item in DeliveryModel.query(lead_id, consistent_read=True)
            for event in item.events if event.type == "dialog.escalated"]


def run_minutes(room, until_seconds: int) -> list[tuple[int, int]]:
    """Tick each minute up to `until_seconds` after now; answer (second, fired) per tick that fired."""
    fired = []
    for second in range(60, until_seconds + 1, 60):
        room.clock.advance(60)
        count = tick(room)
        if count:
            fired.append((second, count))
    return fired


def test_rung_1_broadcasts_to_every_operator_after_n(room):
    room.handoff()
    room.clock.advance(N - 1)
    assert tick(room) == 0
    room.clock.advance(2)
    assert tick(room) == 1
    for name in ("alice", "bob"):
        [frame] = broadcasts(room, name)
        assert frame["dialog"]["lead_id"] == room.lead_id and frame["waiting_seconds"] == N + 1
        assert frame["dialog"]["wait_started_at"] is not None
    assert room.channel.sent == [] and escalated_webhooks(room.lead_id) == []


def test_rung_2_notifies_the_supervisors_and_the_bot_after_m(room):
    room.handoff()
    room.clock.advance(N + 1)
    tick(room)
    room.clock.advance(M - N - 2)
    assert tick(room) == 0
    room.clock.advance(2)
    assert tick(room) == 1
    [(subject, message)] = room.channel.sent
    assert message["lead_id"] == room.lead_id and message["rung"] == 2 and message["waiting_seconds"] == M + 1
    assert "Anna" in subject
    [event] = escalated_webhooks(room.lead_id)
    assert event["data"]["rung"] == 2 and event["data"]["waiting_seconds"] == M + 1
    assert event["data"]["lead"]["id"] == room.lead_id and event["data"]["dialog"]["state"] == "waiting"
    assert broadcasts(room) == []  # rung 1 does not fire again
    assert [m.value for m in observability.recorded(observability.DIALOGS_ESCALATED)] == [1.0]


def test_rung_3_gives_the_dialog_back_after_k(room):
    room.handoff()
    started = room.services.store.get_lead(room.lead_id).wait_started_at
    room.clock.advance(K - 1)
    room.ladder.tick()  # rungs 1 and 2 (late, in one tick)
    assert room.returned.calls == []
    room.clock.advance(2)
    assert tick(room) == 1
    assert room.returned.calls == [(room.lead_id, started)]


def test_each_rung_fires_once_and_in_order_on_minute_ticks(room):
    room.handoff()
    fired = run_minutes(room, K + 600)
    # rung 1 at the first tick past N, rung 2 past M, rung 3 past K; nothing twice
    assert fired == [(N, 1), (M, 1), (K, 1)]
    assert len(broadcasts(room)) == 0  # cleared by each tick; counted by the metric instead
    assert [m.value for m in observability.recorded(observability.DIALOGS_WAITING_TOO_LONG)] == [1.0]
    assert len(room.channel.sent) == 1 and len(escalated_webhooks(room.lead_id)) == 1
    assert len(room.returned.calls) == 1


def test_a_tick_late_past_two_rungs_fires_both_in_order(room):
    from datetime import timedelta

    room.ladder.delays[Rung.SUPERVISOR] = timedelta(seconds=N + 60)  # two rungs a minute apart
    room.handoff()
    room.clock.advance(N + 90)  # the tick at N+60 was lost: both rungs' look-back windows hold it
    room.everyone_quiet()
    order: list[str] = []
    room.ladder._broadcast = (lambda leads, now, real=room.ladder._broadcast: order.append("broadcast") or real(leads, now))
    room.ladder._to_supervisor = (lambda leads, now, real=room.ladder._to_supervisor:
                                  order.append("supervisor") or real(leads, now))
    assert room.ladder.tick() == 2
    assert order == ["broadcast", "supervisor"]


def test_a_lower_rung_never_fires_after_a_higher_one(room):
    room.handoff()
    started = room.services.store.get_lead(room.lead_id).wait_started_at
    marks = EscalationMarks()
    assert marks.climb(room.lead_id, started, 2, room.clock.now())
    assert not marks.climb(room.lead_id, started, 1, room.clock.now())
    assert not marks.climb(room.lead_id, started, 2, room.clock.now())
    assert marks.climb(room.lead_id, started, 3, room.clock.now())


def test_an_operator_answer_stops_the_ladder(room):
    room.handoff()
    room.clock.advance(60)
    room.lead_says("anyone?")
    room.services.dialogs.start(room.lead_id, "alice")  # the lead's message is still unanswered
    room.clock.advance(N + 1)
    assert tick(room) == 1  # the clock runs from the message written on Waiting
    assert broadcasts(room)[0]["dialog"]["state"] == "operator"
    room.services.dialogs.send_operator_message(room.lead_id, "alice", "c-1", "here I am", ())
    assert run_minutes(room, K + 600) == []
    assert room.channel.sent == [] and room.returned.calls == []


def test_an_answer_between_the_index_and_the_lead_read_wins(room):
    room.handoff()
    room.clock.advance(M + 1)
    # Read the index, then the operator answers before the ladder reads the lead.
    real = room.services.store.waits_started

    def answered_meanwhile(oldest, newest):
        found = real(oldest, newest)
        if found:
            room.services.dialogs.start(room.lead_id, "alice")
        return found

    room.services.store.waits_started = answered_meanwhile
    assert tick(room) == 0
    assert room.channel.sent == [] and broadcasts(room) == []


def test_a_new_wait_climbs_the_ladder_again(room):
    room.handoff()
    room.clock.advance(N + 1)
    assert tick(room) == 1
    room.services.dialogs.start(room.lead_id, "alice")
    room.services.dialogs.leave(room.lead_id, "alice")  # Waiting again: a new wait
    room.clock.advance(N + 1)
    assert tick(room) == 1


def test_the_supervisor_channel_publishes_to_sns(room, aws):
    import boto3

    sns = boto3.client("sns", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    arn = sns.create_topic(Name="supervisors")["TopicArn"]
    queue = sqs.create_queue(QueueName="supervisor-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)
    settings = get_settings()
    from dataclasses import replace

    channel = SnsSupervisorChannel(replace(settings, supervisor_topic_arn=arn), sns)
    room.ladder.supervisor = channel
    room.handoff()
    room.clock.advance(M + 1)
    tick(room)
    [received] = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    envelope = json.loads(received["Body"])
    assert json.loads(envelope["Message"])["lead_id"] == room.lead_id
    assert "waited 15 min" in envelope["Subject"]


def test_without_a_topic_the_channel_publishes_nothing():
    from dataclasses import replace

    from chalicelib.config import Settings

    channel = SnsSupervisorChannel(replace(Settings(), supervisor_topic_arn="", sns_endpoint=None), sns=object())
    assert channel.notify("subject", {}) is False


def test_the_rungs_are_settings(monkeypatch):
    from chalicelib.config import load_settings

    for name in ("HANDOVER_ESCALATE_TO_SUPERVISOR_SECONDS", "HANDOVER_RETURN_TO_BOT_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    defaults = load_settings()
    assert (defaults.waiting_too_long_seconds, defaults.escalate_to_supervisor_seconds,
            defaults.return_to_bot_seconds) == (300, 900, 0)
    monkeypatch.setenv("HANDOVER_ESCALATE_TO_SUPERVISOR_SECONDS", "off")
    monkeypatch.setenv("HANDOVER_RETURN_TO_BOT_SECONDS", "1800")
    assert (load_settings().escalate_to_supervisor_seconds, load_settings().return_to_bot_seconds) == (0, 1800)


@pytest.mark.parametrize("leads", [10, 10_000])
def test_a_ladder_tick_reads_one_query_per_rung_whatever_waits(room, aws, leads):
    from tests.service.test_reminders import _seed_waiting_leads

    _seed_waiting_leads(leads, "2025-12-31T23:00:00.000Z")  # waiting an hour: past every rung
    room.clock.advance(60)
    aws.clear()
    assert tick(room) == 0
    assert aws.dynamodb() == ["Query", "Query", "Query"]


def test_give_back_is_a_transition_of_the_state_machine():
    from chalicelib.domain import dialog as machine
    from chalicelib.domain.dialog_state import DialogState
    from chalicelib.domain.events import ReturnedToBot, SystemScriptDue

    for before in (machine.Dialog(DialogState.WAITING), machine.Dialog(DialogState.OPERATOR, ("alice",))):
        transition = machine.give_back(before)
        assert transition.after == machine.Dialog(DialogState.BOT)
        returned, script = transition.events
        assert isinstance(returned, ReturnedToBot) and returned.operator == ""
        assert returned.previous_operators == before.operators
        assert isinstance(script, SystemScriptDue) and script.script == machine.UNANSWERED_SCRIPT
    assert not machine.give_back(machine.Dialog(DialogState.BOT)).changed


def test_rung_3_returns_the_dialog_to_the_bot_with_its_unanswered_script(room):
    from chalicelib.storage.models import BotModel, MessageModel

    BotModel.get(room.bot_id).update(actions=[BotModel.unanswered_script.set(["Sorry {{name}}, nobody is free."])])
    room.ladder.return_to_bot = room.services.dialogs.give_back_unanswered
    room.handoff()
    room.services.dialogs.start(room.lead_id, "alice")
    room.lead_says("hello?")  # unanswered with an operator
    room.clock.advance(K + 1)
    room.ladder.tick()
    lead = room.services.store.get_lead(room.lead_id)
    assert (lead.dialog_state, list(lead.operators), lead.wait_started_at) == ("bot", [], None)
    newest = list(MessageModel.query(room.lead_id, scan_index_forward=False, limit=2))
    script, note = newest
    assert (script.sender, script.system_script, script.text) == ("bot", "unanswered", "Sorry Anna, nobody is free.")
    assert note.sender == "system" and note.text == "Nobody answered in time: the dialog returned to the bot"
    events = [json.loads(e.body) for item in DeliveryModel.query(room.lead_id, consistent_read=True) for e in item.events]
    returned = [e for e in events if e["type"] == "dialog.returned_to_bot"][-1]
    assert returned["data"]["operator"] is None and returned["data"]["previous_operators"] == ["alice"]
    assert [m.value for m in observability.recorded(observability.DIALOGS_RETURNED_UNANSWERED)] == [1.0]


def test_rung_3_does_nothing_when_the_lead_was_answered_since_the_ladder_decided(room):
    room.handoff()
    started = room.services.store.get_lead(room.lead_id).wait_started_at
    room.services.dialogs.start(room.lead_id, "alice")  # nothing unanswered: the clock stopped
    assert room.services.dialogs.give_back_unanswered(room.lead_id, started) is False
    assert room.services.store.get_lead(room.lead_id).dialog_state == "operator"
