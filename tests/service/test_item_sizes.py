"""Leads, messages and bots stay under DynamoDB's 400 KB item (chalicelib/domain/sizes.py),
checked on the merged result, on AWS's own engine (DynamoDB Local): the measure agrees with
DynamoDB's refusal byte for byte, a change that would pass the limit is a 422 naming it and
stores nothing, and the largest lead allowed still commits everything that carries it whole
(the `lead.updated` webhook's deliveries item)."""

from __future__ import annotations

import boto3
import pytest

from chalicelib.api.bodies import check_lead_changes, check_operator_lead_edit
from chalicelib.domain.commands import MAX_ATTACHMENTS, MAX_SHORT_FIELD, MAX_TEXT
from chalicelib.domain.credentials import parse_api_key
from chalicelib.domain.ids import lead_id
from chalicelib.domain.sizes import BOT_LIMIT, DYNAMODB_ITEM_LIMIT, LEAD_LIMIT, MESSAGE_LIMIT, TooLarge, item_size
from chalicelib.storage.deliveries import DeliveryModel
from chalicelib.storage.item_sizes import stored_size
from chalicelib.storage.models import Attachment, BotModel, LeadModel, MessageModel
from tests.conftest import make_bot


def _attributes(first: int, count: int, value: str = "x" * 2000) -> dict[str, str]:
    return {f"k{i:03d}": value for i in range(first, first + count)}


# --- the measure against the engine ---------------------------------------------------------

@pytest.mark.parametrize("shape", ["string", "map", "numbers", "multibyte"])
def test_the_measure_is_dynamodbs_own_at_the_400_kb_boundary(dynamodb_local, aws_env, shape):
    ddb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=dynamodb_local)
    table = f"sizes-{shape}"
    ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")

    def item(filler: int) -> dict:
        base: dict = {"id": {"S": "a"}}
        if shape == "map":
            base["m"] = {"M": {f"k{i}": {"L": [{"S": "y" * 50}, {"BOOL": True}]} for i in range(20)}}
        if shape == "numbers":
            base["m"] = {"M": {f"k{i}": {"N": "12345678901234567890.5"} for i in range(500)}}
        text = "é" * (filler // 2) + "x" * (filler % 2) if shape == "multibyte" else "x" * filler
        return {**base, "v": {"S": text}}

    exact = item(0)
    exact = item(DYNAMODB_ITEM_LIMIT - item_size(exact))
    assert item_size(exact) == DYNAMODB_ITEM_LIMIT
    ddb.put_item(TableName=table, Item=exact)
    over = item(DYNAMODB_ITEM_LIMIT - item_size(item(0)) + 1)
    assert item_size(over) == DYNAMODB_ITEM_LIMIT + 1
    with pytest.raises(ddb.exceptions.ClientError, match="size"):
        ddb.put_item(TableName=table, Item=over)


# --- leads ------------------------------------------------------------------------------------

def test_the_second_big_put_is_lead_too_large_and_stores_nothing(real_dynamodb):
    services = real_dynamodb
    bot = make_bot(services)
    key = parse_api_key(bot.api_key)
    lead, _ = services.dialogs.upsert_lead(key, "big-1", check_lead_changes({"attributes": _attributes(0, 100)}))
    before = LeadModel.get(lead.id, consistent_read=True)
    # Each PUT is well inside the field limits; the merged lead is ~400 KB (before this check:
    # a 500 from DynamoDB's ValidationException).
    with pytest.raises(TooLarge) as refused:
        services.dialogs.upsert_lead(key, "big-1", check_lead_changes({"attributes": _attributes(100, 100)}))
    assert refused.value.code == "lead_too_large"
    assert refused.value.details["limit_bytes"] == LEAD_LIMIT
    assert refused.value.details["size_bytes"] > LEAD_LIMIT
    after = LeadModel.get(lead.id, consistent_read=True)
    assert after.serialize() == before.serialize()
    # Making room in the same PUT is fine: the check is on the merged result.
    room = {**{k: None for k in _attributes(0, 60)}, **_attributes(100, 50)}
    lead, _ = services.dialogs.upsert_lead(key, "big-1", check_lead_changes({"attributes": room}))
    assert len(LeadModel.get(lead.id, consistent_read=True).attributes.as_dict()) == 90


def test_a_new_lead_over_the_limit_is_refused(real_dynamodb):
    services = real_dynamodb
    key = parse_api_key(make_bot(services).api_key)
    # 2,000 characters of 4-byte emoji: 8 KB a value, 40 of them in one PUT.
    changes = check_lead_changes({"attributes": _attributes(0, 40, "😀" * 2000)})
    with pytest.raises(TooLarge):
        services.dialogs.upsert_lead(key, "big-2", changes)
    assert services.store.get_lead(lead_id(key.bot_id, "big-2")) is None


def test_an_operator_edit_past_the_limit_is_refused(real_dynamodb):
    services = real_dynamodb
    key = parse_api_key(make_bot(services).api_key)
    lead, _ = services.dialogs.upsert_lead(key, "big-3", check_lead_changes({"attributes": _attributes(0, 100)}))
    services.dialogs.upsert_lead(key, "big-3", check_lead_changes({"attributes": _attributes(100, 45)}))
    services.dialogs.handoff(key, "big-3", "")
    services.dialogs.start(lead.id, "alice")
    variables = {f"v{i}": "y" * 2000 for i in range(20)}
    with pytest.raises(TooLarge):
        services.dialogs.edit_lead(lead.id, "alice", check_operator_lead_edit({"variables": variables}))
    assert "v0" not in LeadModel.get(lead.id, consistent_read=True).attributes.as_dict()


def test_the_largest_lead_allowed_commits_its_lead_updated_webhook(real_dynamodb):
    """The deliveries item of an operator's edit carries the whole lead as JSON: at the
    limit, with what makes JSON longest (escaped characters, numbers written out, phone and
    e-mail shown twice), it still fits DynamoDB's item."""
    services = real_dynamodb
    bot = make_bot(services)
    services.bots.update(bot.id, {"webhook_url": "https://bot.example/hook"})
    key = parse_api_key(bot.api_key)
    quoted = '"\\\x01' * 666  # 1,998 characters that JSON escapes (2, 2 and 6 bytes)
    first = {"sys_phone": quoted, "sys_email": quoted, **{f"n{i:03d}": 1.2345678901234567e-100 for i in range(100)}}
    lead, _ = services.dialogs.upsert_lead(key, "big-4", check_lead_changes({"attributes": first}))
    # Fill up to just under the limit.
    i = 0
    while True:
        try:
            services.dialogs.upsert_lead(key, "big-4", check_lead_changes({"attributes": {f"q{i:03d}": quoted}}))
        except TooLarge:
            break
        i += 1
    lead = LeadModel.get(lead.id, consistent_read=True)
    assert LEAD_LIMIT - 10_000 < stored_size(lead) <= LEAD_LIMIT
    services.dialogs.handoff(key, "big-4", "")
    services.dialogs.start(lead.id, "alice")
    services.dialogs.edit_lead(lead.id, "alice", check_operator_lead_edit({"status": "vip"}))
    edits = [item for item in DeliveryModel.query(lead.id, consistent_read=True)
             if any(event.type == "lead.updated" for event in item.events)]
    assert len(edits) == 1
    # DynamoDB Local took the transaction, so the item fits (~317 KB for a lead of 301 KB measured).
    body = edits[0].events[0].body.encode("utf-8")
    assert len(body) < DYNAMODB_ITEM_LIMIT - 20 * 1024


# --- messages and bots -------------------------------------------------------------------------

def test_the_field_limits_keep_any_message_under_its_limit():
    """`message_too_large` guards a future change of the field limits; with today's a
    message cannot reach it, whatever its characters."""
    attachment = Attachment(upload_id="up_" + "a" * 40, key="uploads/bot/" + "k" * 200, name="\x01" * MAX_SHORT_FIELD,
                            content_type="application/" + "x" * 100, size=20 * 1024 * 1024, preview=False)
    message = MessageModel("ld_" + "x" * 40, 10**12, sender="operator", operator="o" * 128,
                           text="\x01" * MAX_TEXT, attachments=[attachment] * MAX_ATTACHMENTS,
                           bot_message_id="m" * 128, created_at="2026-01-01T00:00:00.000Z",
                           sent_at="2026-01-01T00:00:00.000Z", delivery="sent")
    assert stored_size(message) < MESSAGE_LIMIT / 2


def test_a_bot_is_checked_on_its_merged_scripts(real_dynamodb):
    services = real_dynamodb
    bot = make_bot(services)
    script = ["é" * MAX_TEXT] * 10  # 200 KB a script: each edit alone is fine
    services.bots.update(bot.id, {"return_script": script})
    with pytest.raises(TooLarge) as refused:
        services.bots.update(bot.id, {"operator_transfer_script": script})
    assert refused.value.code == "bot_too_large" and refused.value.details["limit_bytes"] == BOT_LIMIT
    stored = BotModel.get(bot.id, consistent_read=True)
    assert stored.operator_transfer_script == [] and len(stored.return_script) == 10
    with pytest.raises(TooLarge):
        services.bots.create({"name": "Huge", "return_script": script, "operator_transfer_script": script})
    assert [b.name for b in services.bots.list()] == [stored.name]
