"""Pages of the tabs: newest activity first, one DynamoDB Query per page.

Waiting is the sparse `waiting` index of the leads table, All the `all` index (filtered: the
keys-only `by-state`, `by-bot`, `by-bot-state` indexes, then one BatchGetItem), Mine the
operator's items in `operator_dialogs` (their `by-activity` index), which carry a copy of
the dialog's summary. The cursor is the Query's LastEvaluatedKey, base64url JSON: opaque
to the UI, checked on the way back in (a forged cursor is a 422, never a 500).

With `tab_shards > 1` Waiting and All are spread over `waiting#0..n-1` / `all#0..n-1`
partitions (write sharding); a page then Queries every shard and merges them by
activity, and the cursor holds one position per shard. With the default of one shard a
page is one Query.
"""

from __future__ import annotations

from typing import Any

import msgspec

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.tabs import Tab
from chalicelib.observability import render_each
from chalicelib.storage.dialogs import summary_of
from chalicelib.storage.models import LeadModel, OperatorDialogModel
from chalicelib.storage.pages import bad_cursor, check_key, decode_cursor, encode_cursor

MAX_PAGE = 100
DEFAULT_PAGE = 30


class TabPage(msgspec.Struct, frozen=True):
    items: list[dict[str, Any]]
    next_cursor: str | None


class TabReader:
    def __init__(self, tab_shards: int = 1) -> None:
        self.tab_shards = max(1, tab_shards)

    def page(self, tab: str, username: str, limit: int = DEFAULT_PAGE, cursor: str | None = None, *,
             state: str | None = None, bot_id: str | None = None) -> TabPage:
        which = Tab.named(tab)
        if which is None:
            raise ValidationFailed("tab is one of waiting, mine, all", fields={"tab": "waiting, mine or all"})
        limit = max(1, min(MAX_PAGE, limit))
        position = decode_cursor(cursor) if cursor else None
        if state or bot_id:
            if which is not Tab.ALL:
                raise ValidationFailed("only the All tab is filtered by state or bot",
                                       fields={"state" if state else "bot_id": "only on the All tab"})
            return self._filtered(state, bot_id, limit, position)
        if which is Tab.MINE:
            return self._mine(username, limit, position)
        return self._sharded(which, limit, position)

    # --- Mine -------------------------------------------------------------------------
    def _mine(self, username: str, limit: int, position: dict[str, Any] | None) -> TabPage:
        start = None
        if position is not None:
            start = check_key(position.get("k"), {"operator": username, "lead_id": None, "last_activity_at": None})
        result = OperatorDialogModel.by_activity.query(
            username, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=start
        )
        items = render_each(result, _summary_copy, "Mine-tab item")
        last = result.last_evaluated_key
        return TabPage(items, encode_cursor({"k": last}) if last else None)

    # --- the All tab filtered ----------------------------------------------------------
    def _filtered(self, state: str | None, bot_id: str | None, limit: int,
                  position: dict[str, Any] | None) -> TabPage:
        """One Query on a keys-only index per page (per tab shard for a state alone), then
        one BatchGetItem for the rows: `by-bot-state` for both filters, `by-bot` for a bot,
        `by-state` for a state. No filter expression: the partition is the filter."""
        if state and bot_id:
            index, key_name, partitions = LeadModel.by_bot_state, "bot_state_key", [f"{bot_id}#{state}"]
        elif bot_id:
            index, key_name, partitions = LeadModel.by_bot, "bot_id", [bot_id]
        else:
            index, key_name = LeadModel.by_state, "state_key"
            partitions = [f"{state}#{n}" for n in range(self.tab_shards)]
        keys, following = _merged(index, key_name, partitions, limit, position)
        ids = [key.id for key in keys]
        leads = {lead.id: lead for lead in LeadModel.batch_get(ids)} if ids else {}
        items = render_each((leads[i] for i in ids if i in leads), summary_of, "lead")
        return TabPage(items, encode_cursor({"s": following}) if following else None)

    # --- Waiting and All ----------------------------------------------------------------
    def _sharded(self, tab: Tab, limit: int, position: dict[str, Any] | None) -> TabPage:
        index = LeadModel.waiting if tab is Tab.WAITING else LeadModel.all_dialogs
        key_name = "waiting_key" if tab is Tab.WAITING else "all_key"
        shards = [f"{tab.value}#{n}" for n in range(self.tab_shards)]
        leads, following = _merged(index, key_name, shards, limit, position)
        # One lead that cannot be summed up must not empty the tab for every operator.
        items = render_each(leads, summary_of, "lead")
        return TabPage(items, encode_cursor({"s": following}) if following else None)


def _merged(index: Any, key_name: str, shards: list[str], limit: int,
            position: dict[str, Any] | None) -> tuple[list[LeadModel], dict[str, Any]]:
    """A page of an index over one or more partitions, merged newest first, and the
    position of each partition to resume from (one Query per partition)."""
    if position is None:
        starts: dict[str, dict[str, Any] | None] = dict.fromkeys(shards)
    else:
        raw = position.get("s")
        if not isinstance(raw, dict) or not set(raw) <= set(shards):
            raise bad_cursor()
        # A shard missing from the cursor is exhausted; "start" means from its top.
        starts = {
            shard: None if value == "start"
            else check_key(value, {"id": None, key_name: shard, "last_activity_at": None})
            for shard, value in raw.items()
        }
    fetched: dict[str, tuple[list[LeadModel], dict[str, Any] | None]] = {}
    for shard, start in starts.items():
        result = index.query(shard, scan_index_forward=False, limit=limit, page_size=limit,
                             last_evaluated_key=start)
        fetched[shard] = (list(result), result.last_evaluated_key)
    merged = sorted(
        ((lead.last_activity_at, lead.id, shard, n) for shard, (leads, _) in fetched.items()
         for n, lead in enumerate(leads)),
        reverse=True,
    )[:limit]
    taken = {shard: 0 for shard in fetched}
    for _, _, shard, _ in merged:
        taken[shard] += 1
    page = [fetched[shard][0][n] for _, _, shard, n in merged]
    following: dict[str, Any] = {}
    for shard, (leads, last) in fetched.items():
        count = taken[shard]
        if count < len(leads):
            # Resume this shard right after the last item shown from it.
            following[shard] = (
                _index_key(leads[count - 1], key_name) if count else (starts[shard] or "start")
            )
        elif last:
            following[shard] = last
    return page, following


def _index_key(lead: LeadModel, key_name: str) -> dict[str, Any]:
    return {
        "id": {"S": lead.id},
        key_name: {"S": getattr(lead, key_name)},
        "last_activity_at": {"S": lead.last_activity_at},
    }


def _summary_copy(item: OperatorDialogModel) -> dict[str, Any]:
    raw = item.summary
    # PynamoDB reads the copy's numbers as int or float: it is JSON as it is.
    summary = raw.as_dict() if hasattr(raw, "as_dict") else dict(raw or {})
    summary["lead_id"] = item.lead_id
    summary["last_activity_at"] = item.last_activity_at
    return summary

