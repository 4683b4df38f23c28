"""Presence in the browser (docs/assignment.md): the operators in a dialog show whether each is
online, away or offline, and it changes live when one sets away in the top bar."""

from __future__ import annotations

from playwright.sync_api import expect


def test_a_participant_shows_online_then_away_live_when_they_set_away(open_console, bot):
    lead = bot.waiting_lead(name="Presence Lead")
    other = open_console("operator2")
    other.open(lead["id"])
    other.start()
    expect(other.page.get_by_test_id("presence-status")).to_have_value("available")

    me = open_console("operator")
    me.open(lead["id"], tab="all")
    participant = me.page.locator('[data-testid="participant"][data-operator="operator2"]')
    expect(participant).to_have_attribute("data-presence", "online")
    expect(participant.get_by_role("img")).to_have_attribute("aria-label", "online")

    other.page.get_by_test_id("presence-status").select_option("away")
    expect(participant).to_have_attribute("data-presence", "away")
    expect(participant.get_by_role("img")).to_have_attribute("aria-label", "away")
    # Still theirs: away keeps one's own dialogs.
    expect(me.page.get_by_test_id("info-operators")).to_have_text("operator2")
    me.shot("presence-away")

    # Back: the status survives a reload of the page that set it, and shows online again.
    other.page.reload()
    expect(other.page.get_by_test_id("presence-status")).to_have_value("away")
    other.page.get_by_test_id("presence-status").select_option("available")
    expect(participant).to_have_attribute("data-presence", "online")
