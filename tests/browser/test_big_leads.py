"""A lead too large for a websocket frame (API Gateway refuses frames over 128 KB) still
reaches an open info panel: the server pushes `lead.changed` and the UI reads the lead over
REST. Before, the frame was dropped and the panel went stale without a sign."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import wait_for


def test_an_open_info_panel_follows_a_lead_too_large_to_push(open_console, bot):
    lead = bot.waiting_lead(name="Big lead")
    me = open_console()
    me.open(lead["id"])
    expect(me.page.get_by_test_id("info-panel")).to_be_visible()
    expect(me.page.get_by_test_id("info-status")).not_to_have_text("vip")

    # ~200 KB of variables: as a `lead.updated` frame, over 128 KB.
    variables = {f"k{i:03d}": f"value {i} " + "x" * 1990 for i in range(100)}
    bot.lead(lead["ref"], name="Big lead", status="vip", attributes=variables)

    expect(me.page.get_by_test_id("info-status")).to_have_text("vip")
    expect(me.page.get_by_test_id("info-variables")).to_contain_text("value 99 ")
    wait_for(me.page, lambda: any(f.get("type") == "lead.changed" for f in me.received))
    assert {"type": "lead.changed", "dialog_id": lead["id"]} in me.received
    assert not [f for f in me.received if f.get("type") == "lead.updated" and f["lead"]["id"] == lead["id"]
                and f["lead"].get("status") == "vip"]

    # And again: each change of the big lead is read anew.
    bot.lead(lead["ref"], name="Big lead", status="gold", attributes={"k000": "changed again"})
    expect(me.page.get_by_test_id("info-status")).to_have_text("gold")
    expect(me.page.get_by_test_id("info-variables")).to_contain_text("changed again")
