"""Large data, fast: copies of real items written straight into DynamoDB Local with BatchWriteItem.

A template item is first created through the public API (a lead, a message), read back raw, and
copied with new keys, so the copies have exactly the shape the app writes (every attribute and
index key) without knowing it here. Only seeding bypasses the app; every measurement goes through
it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.ids import lead_id as make_lead_id
from chalicelib.storage.dialogs import DialogStore

BATCH = 25
THREADS = 4


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _batches(items: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def batch_write(dynamodb: Any, table: str, items: Iterator[dict[str, Any]]) -> int:
    """Write every item (retrying what DynamoDB hands back unprocessed); answers how many."""

    def write(batch: list[dict[str, Any]]) -> int:
        requests = [{"PutRequest": {"Item": item}} for item in batch]
        for attempt in range(20):
            answer = dynamodb.batch_write_item(RequestItems={table: requests})
            requests = answer.get("UnprocessedItems", {}).get(table, [])
            if not requests:
                return len(batch)
            time.sleep(0.05 * (attempt + 1))
        raise RuntimeError(f"{table}: items left unprocessed")

    with ThreadPoolExecutor(THREADS) as pool:
        return sum(pool.map(write, _batches(items)))


def get_raw(dynamodb: Any, table: str, key: dict[str, Any]) -> dict[str, Any]:
    item = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    if item is None:
        raise RuntimeError(f"{table}: no template item {key}")
    return item


def seed_messages(dynamodb: Any, prefix: str, lead_id: str, upto: int) -> int:
    """Give the dialog `upto` messages: copies of its message 1 at seq 2..upto (seq 1 is real),
    then move the lead's `seq` so the app's next message continues after them."""
    messages = f"{prefix}messages"
    template = get_raw(dynamodb, messages, {"lead_id": {"S": lead_id}, "seq": {"N": "1"}})

    def copies() -> Iterator[dict[str, Any]]:
        for seq in range(2, upto + 1):
            yield {**template, "seq": {"N": str(seq)}, "text": {"S": f"seeded message {seq}"}}

    written = batch_write(dynamodb, messages, copies())
    dynamodb.update_item(TableName=f"{prefix}leads", Key={"id": {"S": lead_id}},
                         UpdateExpression="SET seq = :n", ExpressionAttributeValues={":n": {"N": str(upto)}})
    return written


def seed_leads(dynamodb: Any, prefix: str, template_lead_id: str, bot_id: str, refs: range,
               moment: Callable[[int], datetime] | None = None) -> int:
    """Copies of a waiting lead (lead_ref seed-<i>), older than anything real: the i-th copy
    was last active and entered Waiting 1 to 3 hours ago."""
    leads = f"{prefix}leads"
    template = get_raw(dynamodb, leads, {"id": {"S": template_lead_id}})
    store = DialogStore()
    now = datetime.now(UTC)
    span = max(1, refs.stop)
    moment = moment or (lambda i: now - timedelta(hours=1) - timedelta(seconds=7200 * i / span))

    def copies() -> Iterator[dict[str, Any]]:
        for i in refs:
            ref = f"seed-{i}"
            lead_id = make_lead_id(bot_id, ref)
            at = _iso(moment(i))
            item = {**template, "id": {"S": lead_id}, "lead_ref": {"S": ref}, "name": {"S": f"Seeded lead {i}"},
                    "created_at": {"S": at}, "last_activity_at": {"S": at}, "all_key": {"S": store.all_key(lead_id)}}
            if "waiting_key" in template:
                item["waiting_key"] = {"S": store.waiting_key(lead_id)}
            if "waiting_since" in template:
                item["waiting_since"] = {"S": at}
            if "wait_started_at" in template:
                # The waiting clock (the escalation ladder's index) began when it entered Waiting.
                item["wait_started_at"] = {"S": at}
                item["clock_key"] = {"S": store.clock_key(lead_id)}
            yield item

    return batch_write(dynamodb, leads, copies())


def seed_search_terms(dynamodb: Any, prefix: str, bot_id: str, refs: range, tag: str) -> int:
    """The search items of `seed_leads`' copies, as their create would write them: the whole
    folded name ("seeded lead <i>", all in the bucket `name#s`) and one shared tag (one exact
    partition holding every copy: the worst case for an exact term)."""
    table = f"{prefix}search"

    def items() -> Iterator[dict[str, Any]]:
        for i in refs:
            lead_id = make_lead_id(bot_id, f"seed-{i}")
            yield {"term": {"S": "name#s"}, "entry": {"S": f"seeded lead {i}#{lead_id}"}, "lead_id": {"S": lead_id}}
            yield {"term": {"S": f"tag#{tag}"}, "entry": {"S": lead_id}, "lead_id": {"S": lead_id}}

    return batch_write(dynamodb, table, items())
