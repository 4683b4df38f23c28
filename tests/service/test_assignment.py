"""Fair assignment's rules and presence (moto in-process; the race test is on DynamoDB Local in
tests/integration/test_assignment_race.py). docs/assignment.md is the prose version."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.api.bodies import check_lead_changes
from chalicelib.clock import FakeClock
from chalicelib.domain.commands import IncomingMessage
from chalicelib.domain.credentials import parse_api_key
from chalicelib.domain.presence import Presence, Status
from chalicelib.storage.counters import CounterStore
from chalicelib.storage.deliveries import DeliveryModel
from chalicelib.storage.models import LeadModel, MessageModel, OperatorDialogModel
from chalicelib.storage.presence import PresenceStore
from tests.conftest import make_bot


class Announcements:
    def __init__(self) -> None:
        self.members = []

    def announce(self, member, skip=None) -> None:
        self.members.append((member.username, member.presence, skip))


def _build(request, monkeypatch, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    request.getfixturevalue("aws")
    from chalicelib import bootstrap
    from chalicelib.config import get_settings

    clock = FakeClock()
    built = bootstrap.build(get_settings(), clock)
    return built, clock


@pytest.fixture
def fair(request, monkeypatch, aws_env):
    return _build(request, monkeypatch, HANDOVER_ASSIGNMENT="fair", HANDOVER_OPERATOR_CAPACITY="2")


@pytest.fixture
def off(request, monkeypatch, aws_env):
    monkeypatch.delenv("HANDOVER_ASSIGNMENT", raising=False)
    return _build(request, monkeypatch)


class Desk:
    """A bot whose leads ask for an operator, and operators who come online."""

    def __init__(self, services, clock) -> None:
        self.services = services
        self.clock = clock
        handle = make_bot(services, operator_transfer_script=["An operator joined."], return_script=["Bot back."])
        self.key = parse_api_key(handle.api_key)
        self.count = 0

    def online(self, *operators: str) -> None:
        for operator in operators:
            connection_id = f"c-{operator}-{self.count}"
            self.count += 1
            self.services.connections.add(connection_id, operator, False, self.clock.now())
            self.services.presence.connected(operator, connection_id)

    def waiting(self) -> str:
        """A new lead that asks for an operator; a second later than the previous one."""
        self.count += 1
        ref = f"tg:{self.count}"
        self.clock._now += timedelta(seconds=1)
        lead, _ = self.services.dialogs.upsert_lead(self.key, ref, check_lead_changes({}))
        self.services.dialogs.post_bot_message(self.key, ref, IncomingMessage(f"m{self.count}", "lead", "hi", (), None))
        self.services.dialogs.handoff(self.key, ref, "")
        return lead.id


def _owner(lead_id: str) -> tuple[str, list[str]]:
    lead = LeadModel.get(lead_id, consistent_read=True)
    return lead.dialog_state, list(lead.operators or [])


def _load(operator: str) -> int:
    return PresenceStore().loads([operator])[operator].open_dialogs


def test_off_by_default_a_waiting_dialog_stays_waiting_and_loads_are_still_counted(off):
    services, clock = off
    assert services.settings.fair_assignment is False and services.assignment is None
    desk = Desk(services, clock)
    desk.online("alice")
    lead_id = desk.waiting()
    assert _owner(lead_id) == ("waiting", [])
    services.dialogs.start(lead_id, "alice")
    assert _load("alice") == 1
    services.dialogs.resolve(lead_id, "alice")
    assert _load("alice") == 0


def test_a_waiting_dialog_goes_to_the_online_operator_with_the_fewest_open(fair):
    services, clock = fair
    desk = Desk(services, clock)
    desk.online("alice", "bob")
    first, second = desk.waiting(), desk.waiting()
    # One each: the second went to whoever did not get the first.
    owners = {_owner(first)[1][0], _owner(second)[1][0]}
    assert owners == {"alice", "bob"}
    services.dialogs.resolve(first if _owner(first)[1] == ["alice"] else second, "alice")
    third = desk.waiting()
    assert _owner(third) == ("operator", ["alice"])
    assert (_load("alice"), _load("bob")) == (1, 1)


def test_an_assignment_is_a_start_with_its_script_mine_tab_counters_and_webhook(fair):
    services, clock = fair
    desk = Desk(services, clock)
    desk.online("alice")
    lead_id = desk.waiting()
    assert _owner(lead_id) == ("operator", ["alice"])
    scripts = [m.text for m in MessageModel.query(lead_id) if m.system_script == "operator_transfer"]
    assert scripts == ["An operator joined."]
    assert OperatorDialogModel.get("alice", lead_id).summary is not None
    assert CounterStore().of_operator("alice") == {"waiting": 0, "mine": 1, "all": 1}
    events = [event.type for item in DeliveryModel.query(lead_id) for event in item.events]
    assert events[events.index("dialog.waiting"):] == ["dialog.waiting", "dialog.operator_joined", "message.created"]


def test_nobody_under_capacity_leaves_the_dialog_waiting(fair):
    services, clock = fair
    desk = Desk(services, clock)
    desk.online("alice")
    assigned = [desk.waiting(), desk.waiting()]
    assert all(_owner(lead_id)[1] == ["alice"] for lead_id in assigned)
    third = desk.waiting()
    assert _owner(third) == ("waiting", [])
    assert _load("alice") == 2


def test_away_and_offline_operators_are_not_offered_but_keep_their_own(fair):
    services, clock = fair
    desk = Desk(services, clock)
    desk.online("alice", "bob")
    mine = desk.waiting()
    owner = _owner(mine)[1][0]
    other = "bob" if owner == "alice" else "alice"
    services.presence.set_status(owner, Status.AWAY)
    # The away operator keeps their dialog; the next ones go to the other even past equal loads.
    assert _owner(mine) == ("operator", [owner])
    nxt = desk.waiting()
    assert _owner(nxt) == ("operator", [other])
    services.presence.set_status(other, Status.AWAY)
    assert _owner(desk.waiting()) == ("waiting", [])
    # carol signed in once but has no connection now: offline, not offered.
    PresenceStore().seen("carol")
    assert _owner(desk.waiting()) == ("waiting", [])


def test_an_operator_who_gains_room_gets_the_oldest_waiting_dialog(fair):
    services, clock = fair
    desk = Desk(services, clock)
    desk.online("alice")
    first, second = desk.waiting(), desk.waiting()
    oldest, newer = desk.waiting(), desk.waiting()
    assert _owner(oldest) == _owner(newer) == ("waiting", [])
    services.dialogs.resolve(first, "alice")
    assert _owner(oldest) == ("operator", ["alice"])
    assert _owner(newer) == ("waiting", [])
    services.dialogs.leave(second, "alice")
    # The dialog alice left is not handed back to her: she gets the next oldest one.
    assert _owner(newer) == ("operator", ["alice"])
    assert _owner(second) == ("waiting", [])
    assert _load("alice") == 2


def test_setting_available_again_takes_waiting_dialogs(fair):
    services, clock = fair
    desk = Desk(services, clock)
    desk.online("alice")
    services.presence.set_status("alice", Status.AWAY)
    lead_id = desk.waiting()
    assert _owner(lead_id) == ("waiting", [])
    member = services.presence.set_status("alice", Status.AVAILABLE)
    assert _owner(lead_id) == ("operator", ["alice"])
    assert (member.presence, member.status) == (Presence.ONLINE, Status.AVAILABLE)


def test_the_team_lists_online_then_away_then_offline(off, aws):
    services, clock = off
    announcements = Announcements()
    services.presence.announcer = announcements
    desk = Desk(services, clock)
    PresenceStore().seen("dave")
    desk.online("zoe", "bob", "carl")
    services.presence.set_status("bob", Status.AWAY)
    aws.clear()
    team = [(m.username, m.presence) for m in services.presence.team()]
    assert team == [("carl", Presence.ONLINE), ("zoe", Presence.ONLINE), ("bob", Presence.AWAY),
                    ("dave", Presence.OFFLINE)]
    # One Query of the team index and one of the online index: no Scan, no Query per operator.
    assert sorted(aws.dynamodb()) == ["Query", "Query"]
    # Each came online once (announced, not to the connection being opened), bob went away.
    assert ("bob", Presence.AWAY, None) in announcements.members
    assert ("zoe", Presence.ONLINE, "c-zoe-0") in announcements.members


def test_the_last_connection_gone_is_announced_offline(off):
    services, clock = off
    announcements = Announcements()
    services.presence.announcer = announcements
    desk = Desk(services, clock)
    desk.online("alice")
    desk.online("alice")
    assert [m for m in announcements.members if m[0] == "alice"] == [("alice", Presence.ONLINE, "c-alice-0")]
    services.live.disconnect("c-alice-0")
    assert announcements.members[-1][1] is Presence.ONLINE and len(announcements.members) == 1
    services.live.disconnect("c-alice-1")
    assert announcements.members[-1] == ("alice", Presence.OFFLINE, None)
