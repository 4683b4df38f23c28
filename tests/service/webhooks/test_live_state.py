"""The operator sees sent / delivered / failed live: `message.delivery` goes to the
connections viewing the dialog, and only to them."""

from __future__ import annotations

from chalicelib.adapters.notifier import ManagementApiNotifier
from chalicelib.live.delivery_states import LiveDeliveryWatcher
from chalicelib.live.fanout import Fanout
from tests.service.live_support import FakeManagement
from tests.service.webhooks.flows import new_lead, operator_says


def test_viewers_get_each_delivery_state(hooks):
    settings = hooks.services.settings
    connections = hooks.services.connections
    management = FakeManagement()
    watcher = LiveDeliveryWatcher(connections, Fanout(ManagementApiNotifier(settings, management), connections),
                                  hooks.clock)
    hooks.delivery.watcher = watcher
    hooks.services.webhooks.dead_letters.watcher = watcher
    lead = new_lead(hooks)
    other = new_lead(hooks, "tg:2")
    now = hooks.clock.now()
    connections.add("viewer", "alice", False, now)
    connections.set_view("viewer", lead, "mine")
    connections.add("elsewhere", "bob", False, now)
    connections.set_view("elsewhere", other, "all")

    hooks.receiver.plan = [410]
    hooks.services.dialogs.start(lead, "alice")
    message = operator_says(hooks, lead, "hello")
    hooks.feed()
    hooks.services.bots.update(hooks.bot_id, {"webhook_url": hooks.receiver.url})
    hooks.services.webhooks.dead_letters.replay_all()
    hooks.feed()

    frames = [f for f in management.frames["viewer"] if f["type"] == "message.delivery"]
    seq = int(message.seq)
    assert [f["delivery"] for f in frames if f["seq"] == seq] == ["failed", "sent", "delivered"]
    assert all(f["dialog_id"] == lead for f in frames)
    assert {f["seq"] for f in frames} == {seq - 1, seq}  # the script message too
    assert management.frames["elsewhere"] == []
