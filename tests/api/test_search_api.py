"""GET /api/search and the All tab's filters through Chalice: answers, 422s, auth."""

from __future__ import annotations

from urllib.parse import quote

import msgspec
import pytest

from chalicelib.api.schemas_operator import TabPage
from chalicelib.api.schemas_search import SearchResults


def _ids(response):
    return [item["lead_id"] for item in response.body["items"]]


def test_search_by_phone_and_name_answers_dialog_rows(api, leads, aws):
    anna = leads.make(name="Zoë Anna", waiting=True, attributes={"sys_phone": "+7 999 123-45-67"})
    leads.make(name="Bob")
    aws.clear()
    found = api.get("/api/search?q=" + quote("+7 (999) 1234567"))
    assert found.status == 200, found.body
    assert aws.dynamodb() == ["Query", "BatchGetItem"]
    assert found.body["kind"] == "phone" and found.body["value"] == "79991234567"
    assert _ids(found) == [anna]
    row = found.body["items"][0]
    assert row["state"] == "waiting" and row["name"] == "Zoë Anna"
    msgspec.convert(found.body, SearchResults)  # the documented shape
    by_name = api.get("/api/search?q=" + quote("ZOE AN"))
    assert (by_name.body["kind"], _ids(by_name)) == ("name", [anna])


@pytest.mark.parametrize("query", ["", "?q=", "?q=%20%20", "?q=" + "x" * 101, "?q=a&limit=0", "?q=a&cursor=zzz"])
def test_bad_searches_are_422(api, leads, query):
    refused = api.get("/api/search" + query)
    assert refused.status == 422, refused.body
    assert refused.body["error"]["code"] == "validation_failed"


def test_search_needs_a_token(api):
    assert api.get("/api/search?q=anna", as_=None).status == 401
    assert api.get("/api/search?q=anna", token="not-a-token").status == 401


def test_all_tab_filters(api, leads, aws):
    waiting = leads.make(waiting=True)
    with_bot = leads.make()
    aws.clear()
    page = api.get("/api/tabs/all?state=waiting")
    assert page.status == 200 and _ids(page) == [waiting]
    assert aws.dynamodb() == ["Query", "BatchGetItem"]
    msgspec.convert(page.body, TabPage)
    assert _ids(api.get(f"/api/tabs/all?bot_id={leads.key.bot_id}")) == [with_bot, waiting]
    assert _ids(api.get(f"/api/tabs/all?bot_id={leads.key.bot_id}&state=bot")) == [with_bot]
    assert _ids(api.get("/api/tabs/all?bot_id=bot_nobody")) == []
    for bad in ("/api/tabs/all?state=closed", "/api/tabs/waiting?state=waiting", "/api/tabs/all?bot_id=a%23b"):
        assert api.get(bad).status == 422, bad
