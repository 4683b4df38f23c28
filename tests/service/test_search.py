"""Search on moto: every kind finds its lead with one Query (one GetItem for a lead id), pages
with a cursor, and an edit leaves no stale term behind."""

from __future__ import annotations

import pytest

from chalicelib.api.bodies import check_lead_changes, check_operator_lead_edit
from chalicelib.domain.credentials import parse_api_key
from chalicelib.domain.errors import ValidationFailed
from chalicelib.storage.search import SearchTermModel


def _lead(services, bot, ref, **fields):
    lead, _ = services.dialogs.upsert_lead(parse_api_key(bot.api_key), ref, check_lead_changes(fields))
    return lead


def _found(services, text, **kwargs):
    _, page = services.search.page(text, **kwargs)
    return [item["lead_id"] for item in page.items]


@pytest.fixture
def anna(services, bot):
    return _lead(services, bot, "tg:100", name="Анна Zoë Petrova", tags=["VIP", "new"],
                 attributes={"sys_phone": "+7 (999) 123-45-67", "sys_email": "Anna@Example.com"})


@pytest.mark.parametrize("text", [
    "+7 999 123 45 67", "79991234567", "0079991234567", "anna@example.COM", "#vip", "#New", "tg:100",
    "ref:tg:100", "анна", "АНН", "ZOË", "zoe", "petr", "анна zoe p",
])
def test_every_kind_finds_the_lead_with_one_query(services, anna, aws, text):
    aws.clear()
    assert _found(services, text) == [anna.id]
    assert aws.dynamodb() == ["Query", "BatchGetItem"]


def test_a_lead_id_is_one_get(services, anna, aws):
    aws.clear()
    assert _found(services, anna.id) == [anna.id]
    assert aws.dynamodb() == ["GetItem"]
    assert _found(services, "ld_" + "a" * 26) == []


@pytest.mark.parametrize("text", ["+7 999 123 45 68", "anna@example.org", "#vi", "tg:10", "petrova x", "bob"])
def test_near_misses_find_nothing(services, anna, text):
    assert _found(services, text) == []


def test_a_name_is_a_prefix_match_and_pages_with_a_cursor(services, bot, aws):
    ids = {_lead(services, bot, f"tg:{n}", name=f"Élodie {n:02d}").id for n in range(7)}
    _lead(services, bot, "tg:other", name="Eliza")
    seen: list[str] = []
    cursor = None
    aws.clear()
    for _ in range(4):
        _, page = services.search.page("elod", limit=3, cursor=cursor)
        seen += [item["lead_id"] for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == 7
    queries = [op for op in aws.dynamodb() if op == "Query"]
    assert len(queries) == 3  # 3 + 3 + 1: one Query a page
    assert "Scan" not in aws.dynamodb()


def test_a_cursor_of_another_search_is_refused(services, bot):
    for n in range(3):
        _lead(services, bot, f"tg:{n}", name=f"Anna {n}")
    _, page = services.search.page("anna", limit=1)
    assert page.next_cursor
    with pytest.raises(ValidationFailed):
        services.search.page("bob", limit=1, cursor=page.next_cursor)
    with pytest.raises(ValidationFailed):
        services.search.page("an", limit=1, cursor="not-a-cursor")


def test_a_lone_surrogate_is_refused_before_dynamodb(services, aws):
    with pytest.raises(ValidationFailed):
        services.search.page("anna\ud800")
    assert aws.dynamodb() == []


def test_an_edit_replaces_the_terms_it_changes(services, bot, anna):
    services.dialogs.edit_lead(anna.id, "alice", check_operator_lead_edit(
        {"name": "Olga", "phone": "+1 555 0100", "email": "", "tags": ["gold"]}))
    for gone in ("+7 999 123 45 67", "anna@example.com", "#vip", "анна", "petrova"):
        assert _found(services, gone) == [], gone
    for found in ("+1 555 0100", "#gold", "olg", "tg:100"):
        assert _found(services, found) == [anna.id], found
    # No stale item is left in the table either: only the current terms of the lead remain.
    terms = {item.term for term in ("name#o", "phone#15550100", "tag#gold", "lead_ref#tg:100")
             for item in SearchTermModel.query(term)}
    assert terms == {"name#o", "phone#15550100", "tag#gold", "lead_ref#tg:100"}
    for stale in ("phone#79991234567", "email#anna@example.com", "tag#vip", "tag#new", "name#а", "name#z", "name#p"):
        assert list(SearchTermModel.query(stale)) == [], stale


def test_a_bot_put_that_changes_nothing_writes_no_term(services, bot, anna, aws):
    aws.clear()
    _lead(services, bot, "tg:100", name="Анна Zoë Petrova", tags=["VIP", "new"])
    assert "TransactWriteItems" not in aws.dynamodb()


def test_an_edit_writes_only_the_terms_that_changed(services, anna, aws, monkeypatch):
    from pynamodb.transactions import TransactWrite

    written: list[tuple[str, str]] = []
    real_save, real_delete = TransactWrite.save, TransactWrite.delete

    def save(self, model, condition=None, return_values=None):
        if isinstance(model, SearchTermModel):
            written.append(("put", model.term))
        return real_save(self, model, condition=condition, return_values=return_values)

    def delete(self, model, condition=None, return_values=None):
        if isinstance(model, SearchTermModel):
            written.append(("delete", model.term))
        return real_delete(self, model, condition=condition, return_values=return_values)

    monkeypatch.setattr(TransactWrite, "save", save)
    monkeypatch.setattr(TransactWrite, "delete", delete)
    services.dialogs.edit_lead(anna.id, "alice", check_operator_lead_edit({"tags": ["VIP", "new", "gold"]}))
    assert written == [("put", "tag#gold")]
    written.clear()
    services.dialogs.edit_lead(anna.id, "alice", check_operator_lead_edit({"status": "hot"}))
    assert written == []


def test_a_message_writes_no_term_and_keeps_its_request_count(services, bot, anna, aws):
    from chalicelib.domain.commands import IncomingMessage

    aws.clear()
    services.dialogs.post_bot_message(parse_api_key(bot.api_key), "tg:100", IncomingMessage("m1", "lead", "hi", (), None))
    assert aws.dynamodb() == ["BatchGetItem", "TransactWriteItems"]
