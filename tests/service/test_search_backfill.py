"""The one-off backfill gives a lead stored before search its terms and filter keys."""

from __future__ import annotations

from chalicelib.api.bodies import check_lead_changes
from chalicelib.domain.credentials import parse_api_key
from chalicelib.storage.models import LeadModel
from chalicelib.storage.search import SearchTermModel, index_lead, term_items, terms_of
from ops.search_backfill import backfill


def _as_before_search(lead_id):
    """The lead as an older release stored it: no search items, no filter keys."""
    lead = LeadModel.get(lead_id)
    for item in term_items(lead.id, terms_of(lead)):
        item.delete()
    lead.update(actions=[LeadModel.state_key.remove(), LeadModel.bot_state_key.remove()])
    return LeadModel.get(lead_id)


def test_an_old_lead_becomes_findable_and_filterable(services, bot):
    key = parse_api_key(bot.api_key)
    lead, _ = services.dialogs.upsert_lead(key, "old:1", check_lead_changes(
        {"name": "Old Timer", "attributes": {"sys_phone": "+1 555 0199"}}))
    services.dialogs.handoff(key, "old:1", "")
    old = _as_before_search(lead.id)
    assert services.search.page("+15550199")[1].items == []
    assert services.tabs.page("all", "alice", state="waiting").items == []

    assert backfill([old], services.settings.tab_shards, services.store.get_lead) == 1
    assert [i["lead_id"] for i in services.search.page("+1 555 0199")[1].items] == [lead.id]
    assert [i["lead_id"] for i in services.search.page("old tim")[1].items] == [lead.id]
    assert [i["lead_id"] for i in services.tabs.page("all", "alice", state="waiting").items] == [lead.id]
    # Again: nothing changes (idempotent).
    backfill([LeadModel.get(lead.id)], services.settings.tab_shards, services.store.get_lead)
    assert len(list(SearchTermModel.query("phone#15550199"))) == 1


def test_a_lead_that_moved_meanwhile_is_read_again(services, bot):
    key = parse_api_key(bot.api_key)
    lead, _ = services.dialogs.upsert_lead(key, "old:2", check_lead_changes({"name": "Mover"}))
    stale = _as_before_search(lead.id)
    services.dialogs.handoff(key, "old:2", "")  # the transition writes the keys itself
    assert index_lead(stale, services.settings.tab_shards) is False
    assert backfill([stale], services.settings.tab_shards, services.store.get_lead) == 1
    assert LeadModel.get(lead.id).state_key == "waiting#0"
