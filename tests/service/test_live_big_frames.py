"""A frame over API Gateway's 128 KB is never dropped silently: the viewers get a small
"changed, fetch it" frame instead (docs/operator-api.md, "Websocket")."""

from __future__ import annotations

import json

import pytest

from chalicelib.adapters.notifier import MAX_FRAME_BYTES
from chalicelib.api.bodies import check_operator_lead_edit
from chalicelib.domain.sizes import LEAD_LIMIT
from chalicelib.storage.item_sizes import stored_size
from tests.service.live_support import build_harness


@pytest.fixture
def live(aws):
    return build_harness()


def _big_lead(live, ref: str = "big:1") -> str:
    """A lead just under the item limit (~290 KB): more than twice a websocket frame. Made in
    one call: moto (not DynamoDB) refuses an update whose old and new map add up past 400 KB."""
    attributes = {f"k{i:03d}": "x" * 2000 for i in range(144)}
    lead_id = live.lead(ref, attributes=attributes)
    size = stored_size(live.services.store.get_lead(lead_id))
    assert 2 * MAX_FRAME_BYTES < size <= LEAD_LIMIT
    return lead_id


def test_a_lead_over_a_frame_reaches_its_viewers_as_lead_changed(live):
    lead_id = _big_lead(live)
    live.handoff("big:1")
    live.services.dialogs.start(lead_id, "alice")
    live.connect("alice", "alice", view=lead_id, tab="mine")
    live.connect("bob", "bob", view=None, tab="all")

    live.services.dialogs.edit_lead(lead_id, "alice", check_operator_lead_edit({"status": "vip"}))

    # Where lead.updated {lead} would have been: the small frame, in the same place.
    assert live.types("alice") == ["lead.changed", "dialog.updated:mine"]
    assert live.frames("alice")[0] == {"type": "lead.changed", "dialog_id": lead_id}
    # The tab frames carry the summary, which is small whatever the lead's size.
    assert live.frames("alice")[1]["dialog"]["lead_id"] == lead_id
    assert live.types("bob") == ["dialog.updated:all"]
    assert all(len(json.dumps(frame)) < 4096 for frame in live.frames("alice") + live.frames("bob"))


def test_a_lead_under_a_frame_is_still_pushed_whole(live):
    lead_id = live.lead("small:1", attributes={"plan": "pro"})
    live.handoff("small:1")
    live.services.dialogs.start(lead_id, "alice")
    live.connect("alice", "alice", view=lead_id, tab="mine")
    live.services.dialogs.edit_lead(lead_id, "alice", check_operator_lead_edit({"status": "vip"}))
    frame = live.frames("alice")[0]
    assert frame["type"] == "lead.updated" and frame["lead"]["status"] == "vip"


def test_a_message_over_a_frame_reaches_its_viewers_as_message_changed(live, monkeypatch):
    # Today's field limits keep a message far under 128 KB; a lower limit shows the path.
    monkeypatch.setattr("chalicelib.live.pushes.MAX_FRAME_BYTES", 4000)
    lead_id = live.lead("msg:1")
    live.connect("alice", "alice", view=lead_id, tab="all")
    live.lead_says("y" * 5000, ref="msg:1")
    live.lead_says("short", ref="msg:1")
    frames = [f for f in live.frames("alice") if f["type"].startswith("message.")]
    assert frames[0] == {"type": "message.changed", "dialog_id": lead_id, "seq": 1, "from": "lead"}
    assert frames[1]["type"] == "message.created" and frames[1]["message"]["text"] == "short"
