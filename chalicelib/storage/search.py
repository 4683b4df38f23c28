"""The `search` table: one item per (index term, lead), written in the lead's own create/edit
transaction (`DialogWrite.create_lead` / `edit_lead`), and the pages that read it.

Exact kinds (lead_ref, phone, e-mail, tag) are one partition per value: `term =
"phone#79991234567"`, `entry = <lead id>`. A name is found by prefix, which a key condition can
only do on a sort key, so name items are bucketed by their first letter: `term = "name#a"`,
`entry = "anna petrova#<lead id>"`, and a page is `term = "name#a" AND begins_with(entry,
"anna p")`. Either way a search page is ONE Query on the table's key (plus one BatchGetItem for
the rows, so that a row shows the dialog as it is now, not as it was when the term was written).
A lead id is one GetItem. Nothing here scans or filters.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec
from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.models import Model

from chalicelib.domain.commands import EMAIL_ATTRIBUTE, PHONE_ATTRIBUTE
from chalicelib.domain.search import SearchKind, SearchQuery, lead_terms
from chalicelib.observability import render_each
from chalicelib.storage.dialogs import DialogStore, lead_attributes, summary_of
from chalicelib.storage.errors import condition_failed
from chalicelib.storage.models import LeadModel, _Meta
from chalicelib.storage.pages import bad_cursor, check_key, decode_cursor, encode_cursor

_NAME = SearchKind.NAME.value + "#"


class SearchTermModel(Model):
    """`term` is the partition (an exact value, or a name's first letter), `entry` the lead
    (a name's folded words first, so that a Query can match their prefix)."""

    class Meta(_Meta):
        kind = "search"

    term = UnicodeAttribute(hash_key=True)
    entry = UnicodeAttribute(range_key=True)
    lead_id = UnicodeAttribute()


def item_key(logical: str, lead_id: str) -> tuple[str, str]:
    """(term, entry) of a logical term (`kind#value`) of a lead."""
    if logical.startswith(_NAME):
        name = logical[len(_NAME):]
        return _NAME + name[0], f"{name}#{lead_id}"
    return logical, lead_id


def terms_of(lead: LeadModel) -> frozenset[str]:
    """The logical terms of a lead as it is in memory now."""
    attributes = lead_attributes(lead)
    return lead_terms(lead.lead_ref, lead.name, attributes.get(PHONE_ATTRIBUTE),
                      attributes.get(EMAIL_ATTRIBUTE), lead.tags or ())


def term_items(lead_id: str, logical: Iterable[str]) -> list[SearchTermModel]:
    return [SearchTermModel(*item_key(term, lead_id), lead_id=lead_id) for term in sorted(logical)]


class SearchPage(msgspec.Struct, frozen=True):
    items: list[dict[str, Any]]
    next_cursor: str | None


class SearchReader:
    """A page of search results: dialog rows like the All tab's."""

    def page(self, query: SearchQuery, limit: int, cursor: str | None = None) -> SearchPage:
        if query.kind is SearchKind.LEAD_ID:
            if cursor:
                raise bad_cursor()  # a lead id has one result and no second page
            try:
                lead = LeadModel.get(query.value)
            except LeadModel.DoesNotExist:
                return SearchPage([], None)
            return SearchPage(render_each([lead], summary_of, "lead"), None)
        prefix = ""
        if query.kind is SearchKind.NAME:
            # The name items' bucket and the start of their entries (docs/data-model.md, "Search").
            term, prefix = _NAME + query.value[0], query.value
            condition = SearchTermModel.entry.startswith(prefix)
        else:
            term, condition = query.term, None
        start = None
        if cursor:
            position = decode_cursor(cursor)
            start = check_key(position.get("k"), {"term": term, "entry": None})
            if condition is not None and not start["entry"]["S"].startswith(prefix):
                raise bad_cursor()
        result = SearchTermModel.query(term, condition, limit=limit, page_size=limit, last_evaluated_key=start)
        ids: list[str] = []
        for item in result:
            if item.lead_id not in ids:  # "anna annabel" matches "anna" twice
                ids.append(item.lead_id)
        last = result.last_evaluated_key
        leads = {lead.id: lead for lead in LeadModel.batch_get(ids)} if ids else {}
        # A lead whose terms moved on after this item was read (an edit racing the page) is
        # left out rather than shown under a name or phone it no longer has.
        found = [leads[i] for i in ids if i in leads and _answers(leads[i], query)]
        return SearchPage(render_each(found, summary_of, "lead"), encode_cursor({"k": last}) if last else None)


def _answers(lead: LeadModel, query: SearchQuery) -> bool:
    """Whether the lead, as it is now, answers the query (a name by prefix, the rest whole)."""
    terms = terms_of(lead)
    if query.kind is SearchKind.NAME:
        return any(term.startswith(query.term) for term in terms)
    return query.term in terms


# --- leads stored before search ------------------------------------------------------------------

def index_lead(lead: LeadModel, tab_shards: int) -> bool:
    """Give a lead stored before search and the All tab's filters its search items and filter
    keys (the one-off backfill, `python -m ops.search_backfill`). The terms are puts of what
    the lead says now (idempotent); the keys are set on condition that the dialog has not
    moved since `lead` was read. False: it moved; read it again and retry."""
    with SearchTermModel.batch_write() as batch:
        for item in term_items(lead.id, terms_of(lead)):
            batch.save(item)
    store = DialogStore(tab_shards)
    try:
        lead.update(
            actions=[LeadModel.state_key.set(store.state_key(lead.id, lead.dialog_state)),
                     LeadModel.bot_state_key.set(store.bot_state_key(lead.bot_id, lead.dialog_state))],
            condition=(LeadModel.dialog_version == lead.dialog_version) & (LeadModel.dialog_state == lead.dialog_state),
        )
    except UpdateError as error:
        if condition_failed(error):
            return False
        raise
    return True
