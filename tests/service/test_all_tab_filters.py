"""The All tab filtered by state and by bot: one Query on a keys-only index a page, plus one
BatchGetItem for the rows; the keys follow every transition."""

from __future__ import annotations

import pytest

from chalicelib.api.bodies import check_lead_changes
from chalicelib.domain.credentials import parse_api_key
from chalicelib.domain.errors import ValidationFailed
from tests.conftest import make_bot


@pytest.fixture
def dialogs(services, bot):
    """Two bots; bot A: a1 with the bot, a2 waiting, a3 with alice; bot B: b1 waiting."""
    other = make_bot(services, name="Sales bot")
    made = {}
    for handle, ref in ((bot, "a1"), (bot, "a2"), (bot, "a3"), (other, "b1")):
        key = parse_api_key(handle.api_key)
        lead, _ = services.dialogs.upsert_lead(key, ref, check_lead_changes({"name": ref}))
        made[ref] = lead.id
        if ref != "a1":
            services.dialogs.handoff(key, ref, "")
    services.dialogs.start(made["a3"], "alice")
    return {"ids": made, "a": bot.id, "b": other.id}


def _page(services, **filters):
    page = services.tabs.page("all", "alice", 30, None, **filters)
    return {item["lead_id"] for item in page.items}, page


def test_filter_by_state_by_bot_and_both(services, dialogs, aws):
    ids = dialogs["ids"]
    aws.clear()
    assert _page(services, state="waiting")[0] == {ids["a2"], ids["b1"]}
    assert aws.dynamodb() == ["Query", "BatchGetItem"]
    assert _page(services, state="bot")[0] == {ids["a1"]}
    assert _page(services, state="operator")[0] == {ids["a3"]}
    aws.clear()
    assert _page(services, bot_id=dialogs["a"])[0] == {ids["a1"], ids["a2"], ids["a3"]}
    assert aws.dynamodb() == ["Query", "BatchGetItem"]
    aws.clear()
    assert _page(services, bot_id=dialogs["a"], state="waiting")[0] == {ids["a2"]}
    assert aws.dynamodb() == ["Query", "BatchGetItem"]
    assert _page(services, bot_id=dialogs["b"], state="operator")[0] == set()


def test_rows_show_the_state_and_who_is_in(services, dialogs):
    _, page = _page(services, state="operator")
    assert [(item["state"], item["operators"]) for item in page.items] == [("operator", ["alice"])]


def test_the_keys_follow_transitions(services, dialogs):
    ids = dialogs["ids"]
    services.dialogs.resolve(ids["a3"], "alice")
    assert _page(services, state="operator")[0] == set()
    assert _page(services, state="bot")[0] == {ids["a1"], ids["a3"]}
    assert _page(services, bot_id=dialogs["a"], state="bot")[0] == {ids["a1"], ids["a3"]}


def test_a_filtered_page_is_newest_first_and_pages(services, dialogs):
    ids = dialogs["ids"]
    page = services.tabs.page("all", "alice", 2, None, bot_id=dialogs["a"])
    assert len(page.items) == 2 and page.next_cursor
    times = [item["last_activity_at"] for item in page.items]
    assert times == sorted(times, reverse=True)
    rest = services.tabs.page("all", "alice", 2, page.next_cursor, bot_id=dialogs["a"])
    assert {item["lead_id"] for item in page.items + rest.items} == {ids["a1"], ids["a2"], ids["a3"]}
    assert rest.next_cursor is None
    with pytest.raises(ValidationFailed):  # a cursor of another filter
        services.tabs.page("all", "alice", 2, page.next_cursor, bot_id=dialogs["b"])


def test_only_the_all_tab_is_filtered(services, dialogs):
    with pytest.raises(ValidationFailed):
        services.tabs.page("waiting", "alice", 30, None, state="waiting")
    with pytest.raises(ValidationFailed):
        services.tabs.page("mine", "alice", 30, None, bot_id=dialogs["a"])
