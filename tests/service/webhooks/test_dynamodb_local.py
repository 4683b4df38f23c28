"""The outbox on AWS's own engine (DynamoDB Local): the `deliveries` table is created with
its stream, racing changes commit their deliveries with them, and the stream read from
DynamoDB Local triggers delivery in commit order."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import boto3

from chalicelib.api.bodies import check_lead_changes
from chalicelib.domain.credentials import parse_api_key
from chalicelib.storage.deliveries import DeliveryModel
from chalicelib.storage.models import MessageModel
from tests.conftest import make_bot
from tests.service.webhooks.conftest import Receiver


def _stream_records(endpoint: str, table: str) -> list[dict]:
    ddb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint)
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    streams = boto3.client("dynamodbstreams", region_name="us-east-1", endpoint_url=endpoint)
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            answer = streams.get_records(ShardIterator=iterator)
            records += answer["Records"]
            if not answer["Records"]:
                break
            iterator = answer.get("NextShardIterator")
    return records


def test_racing_operators_messages_reach_the_bot_in_commit_order(real_dynamodb, dynamodb_local):
    services = real_dynamodb
    bot = make_bot(services, operator_transfer_script=["An operator joined"])
    receiver = Receiver(secret=bot.webhook_secret)
    receiver.start()
    try:
        services.bots.update(bot.id, {"webhook_url": receiver.url})
        key = parse_api_key(bot.api_key)
        lead, _ = services.dialogs.upsert_lead(key, "tg:1", check_lead_changes({"name": "Anna"}))
        services.dialogs.start(lead.id, "alice")
        services.dialogs.start(lead.id, "bob")

        def say(i: int) -> int:
            operator = "alice" if i % 2 else "bob"
            message, _, _ = services.dialogs.send_operator_message(lead.id, operator, f"c{i}", f"text {i}", ())
            return int(message.seq)

        with ThreadPoolExecutor(6) as pool:
            seqs = list(pool.map(say, range(12)))
        # One delivery item per change, each at its own position (the seq the change made).
        items = list(DeliveryModel.query(lead.id, consistent_read=True))
        assert len(items) == 2 + 12
        assert sorted(int(item.position) for item in items)[-12:] == sorted(seqs)

        inserts = [r for r in _stream_records(dynamodb_local, DeliveryModel.Meta.table_name)
                   if r["eventName"] == "INSERT"]
        assert len(inserts) == 14
        services.webhooks.delivery.on_stream(inserts)

        messages = [c.payload["data"]["message"] for c in receiver.delivered()
                    if c.payload["type"] == "message.created" and c.payload["data"]["message"]["from"] == "operator"]
        assert [m["seq"] for m in messages] == sorted(seqs), "delivered in seq (commit) order"
        assert all(c.verified for c in receiver.calls)
        assert all(m.delivery == "delivered" for m in MessageModel.query(lead.id) if m.sender == "operator")
        assert list(DeliveryModel.query(lead.id, consistent_read=True)) == []
    finally:
        receiver.stop()
