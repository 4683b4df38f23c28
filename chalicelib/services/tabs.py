"""The tabs as a service: a page of a tab, an operator's counts, and the stager that keeps the
counters in step with every change (in the change's own transaction)."""

from __future__ import annotations

from chalicelib.domain.tabs import counter_deltas
from chalicelib.services.changes import Change
from chalicelib.storage.counters import CounterStore
from chalicelib.storage.dialog_write import DialogWrite
from chalicelib.storage.tab_pages import DEFAULT_PAGE, TabPage, TabReader


class Tabs:
    def __init__(self, pages: TabReader, counters: CounterStore) -> None:
        self.pages = pages
        self.counters = counters

    def page(self, tab: str, username: str, limit: int = DEFAULT_PAGE, cursor: str | None = None, *,
             state: str | None = None, bot_id: str | None = None) -> TabPage:
        """One Query per page (per shard), newest activity first; the All tab may be filtered
        by state and/or bot (one Query on a keys-only index, plus one BatchGetItem)."""
        return self.pages.page(tab, username, limit, cursor, state=state, bot_id=bot_id)

    def counts(self, username: str) -> dict[str, int]:
        """`{waiting, mine, all}` for `username`: one BatchGetItem."""
        return self.counters.of_operator(username)

    # --- the stager -------------------------------------------------------------------------
    def stage(self, write: DialogWrite, change: Change) -> None:
        write.move_counters(counter_deltas(change.before, change.after))
