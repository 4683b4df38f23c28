"""Feeds the app's DynamoDB-stream and SQS handlers the way Lambda's event source
mappings do, discovered generically from `app.event_sources`.

DynamoDB streams (DynamoDB Local has them): the handler gets batches of at most
`batch_size` records, shard by shard, in order. A batch that fails is retried, and the
shard waits for it (Lambda's default); `{"batchItemFailures": [...]}` (partial batch
response) resumes from the first failed record. The position read so far is kept in the
data directory, so a restart neither loses nor repeats what was handled.

SQS queues live in moto's server: the queue is created if missing, messages are
deleted after the handler succeeded (all but the reported failures), and come back
after their visibility timeout otherwise.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from chalice.app import DynamoDBEventConfig, ScheduledEventConfig, SQSEventConfig

from local_runtime import events
from local_runtime.invoker import Invoker, background, log_line

log = logging.getLogger("local_runtime")
POLL_SECONDS = 0.25
MAX_BACKOFF_SECONDS = 30.0


def _client(service: str, endpoint: str, region: str) -> Any:
    return boto3.session.Session().client(service, region_name=region, endpoint_url=endpoint,
                                          aws_access_key_id="local", aws_secret_access_key="local")


def _as_lambda_json(value: Any) -> Any:
    """boto3 parsed timestamps and binary values; Lambda passes numbers and base64."""
    if isinstance(value, dict):
        return {key: _as_lambda_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_lambda_json(item) for item in value]
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    return value


def table_of_arn(arn: str) -> str | None:
    match = re.search(r":table/([^/]+)", arn or "")
    return match.group(1) if match else None


class Checkpoints:
    """The last sequence number handled per stream shard, kept across restarts."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.data: dict[str, dict[str, str]] = json.loads(path.read_text())
        except (OSError, ValueError):
            self.data = {}

    def get(self, stream: str, shard: str) -> str | None:
        return self.data.get(stream, {}).get(shard)

    def put(self, stream: str, shard: str, sequence: str) -> None:
        self.data.setdefault(stream, {})[shard] = sequence
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1))
        tmp.replace(self.path)


class EventFeeds:
    def __init__(self, invoker: Invoker, *, dynamodb_endpoint: str, moto_endpoint: str, region: str,
                 table_prefix: str, data_dir: Path) -> None:
        self.invoker = invoker
        self.dynamodb_endpoint = dynamodb_endpoint
        self.moto_endpoint = moto_endpoint
        self.region = region
        self.table_prefix = table_prefix
        self.checkpoints = Checkpoints(data_dir / "stream-checkpoints.json")
        self.tasks: list[asyncio.Task] = []

    def start(self) -> None:
        for source in self.invoker.app.event_sources:
            if isinstance(source, DynamoDBEventConfig):
                self.tasks.append(background(self._feed_stream(source)))
            elif isinstance(source, SQSEventConfig):
                self.tasks.append(background(self._feed_queue(source)))
            elif not isinstance(source, ScheduledEventConfig):
                # S3, SNS, Kinesis, EventBridge patterns: Handover declares none of them today.
                log.warning("event source %s (%s) is not fed by the local runtime", source.name,
                            type(source).__name__)

    def stop(self) -> None:
        for task in self.tasks:
            task.cancel()

    # -- DynamoDB streams -----------------------------------------------------------------

    def _local_stream_arn(self, configured_arn: str) -> str | None:
        """The stream of the local table the configured ARN names: the same table name, or
        the same kind of table under this runtime's prefix (`handover-deliveries` for
        `prod-deliveries`)."""
        wanted = table_of_arn(configured_arn) or ""
        ddb = _client("dynamodb", self.dynamodb_endpoint, self.region)
        names = ddb.list_tables()["TableNames"]
        candidates = [name for name in names if name == wanted]
        candidates += [name for name in names if name.startswith(self.table_prefix)
                       and wanted.endswith(name[len(self.table_prefix):]) and name not in candidates]
        for name in candidates:
            arn = ddb.describe_table(TableName=name)["Table"].get("LatestStreamArn")
            if arn:
                return arn
        return None

    async def _feed_stream(self, source: DynamoDBEventConfig) -> None:
        stream_arn = None
        warned = False
        while stream_arn is None:
            stream_arn = await asyncio.to_thread(self._local_stream_arn, source.stream_arn)
            if stream_arn is None:
                if not warned:
                    warned = True
                    log.warning("stream handler %s: no local table with a stream matches %s yet (waiting)",
                                source.name, source.stream_arn)
                await asyncio.sleep(1)
        streams = _client("dynamodbstreams", self.dynamodb_endpoint, self.region)
        iterators: dict[str, str | None] = {}
        done: set[str] = set()
        while True:
            got_any = False
            try:
                description = await asyncio.to_thread(streams.describe_stream, StreamArn=stream_arn)
                shards = description["StreamDescription"]["Shards"]
                for shard in shards:
                    shard_id = shard["ShardId"]
                    parent = shard.get("ParentShardId")
                    if shard_id in done or (parent and parent not in done and any(s["ShardId"] == parent for s in shards)):
                        continue
                    if shard_id not in iterators:
                        iterators[shard_id] = await asyncio.to_thread(self._iterator, streams, stream_arn, shard_id)
                    got_any |= await self._drain_shard(source, streams, stream_arn, shard_id, iterators, done)
            except (ClientError, BotoCoreError):
                # DynamoDB Local restarting or busy: like Lambda's poller, try again shortly.
                log.exception("reading the stream of %s failed; retrying", source.name)
                iterators.clear()
                await asyncio.sleep(1)
            if not got_any:
                await asyncio.sleep(POLL_SECONDS)

    def _iterator(self, streams: Any, stream_arn: str, shard_id: str, after: str | None = None) -> str:
        after = after or self.checkpoints.get(stream_arn, shard_id)
        if after:
            return streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard_id,
                                              ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                              SequenceNumber=after)["ShardIterator"]
        return streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard_id,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]

    async def _drain_shard(self, source: DynamoDBEventConfig, streams: Any, stream_arn: str, shard_id: str,
                           iterators: dict[str, str | None], done: set[str]) -> bool:
        iterator = iterators[shard_id]
        if iterator is None:
            done.add(shard_id)
            return False
        try:
            answer = await asyncio.to_thread(streams.get_records, ShardIterator=iterator, Limit=source.batch_size)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("TrimmedDataAccessException", "ExpiredIteratorException"):
                raise
            # DynamoDB Local: an iterator taken on an empty shard, or one older than 15 minutes,
            # must be taken again from where the last handled record left off.
            iterators[shard_id] = await asyncio.to_thread(self._iterator, streams, stream_arn, shard_id)
            return False
        records = _as_lambda_json(answer.get("Records", []))
        if not records:
            iterators[shard_id] = answer.get("NextShardIterator")
            return False
        backoff = 1.0
        while True:
            started = time.perf_counter()
            failed_at = None
            try:
                result = await self.invoker.invoke(source.name, events.dynamodb_stream_event(records, stream_arn))
                failures = (result or {}).get("batchItemFailures") if isinstance(result, dict) else None
                if failures:
                    failed = {item.get("itemIdentifier") for item in failures}
                    failed_at = next((i for i, r in enumerate(records) if r["dynamodb"]["SequenceNumber"] in failed), 0)
                log_line("STREAM", f"{source.name} {len(records)} records", "ok" if failed_at is None else "partial",
                         started)
            except Exception:
                log.exception("stream handler %s failed; the batch is retried", source.name)
                log_line("STREAM", f"{source.name} {len(records)} records", "error", started)
                failed_at = 0
            if failed_at is None:
                self.checkpoints.put(stream_arn, shard_id, records[-1]["dynamodb"]["SequenceNumber"])
                iterators[shard_id] = answer.get("NextShardIterator")
                return True
            if failed_at > 0:
                self.checkpoints.put(stream_arn, shard_id, records[failed_at - 1]["dynamodb"]["SequenceNumber"])
                records = records[failed_at:]
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
            # The rest of the shard waits: the next read starts after what succeeded.
            iterators[shard_id] = await asyncio.to_thread(self._iterator, streams, stream_arn, shard_id)
            answer = await asyncio.to_thread(streams.get_records, ShardIterator=iterators[shard_id],
                                             Limit=source.batch_size)
            records = _as_lambda_json(answer.get("Records", []))
            if not records:
                iterators[shard_id] = answer.get("NextShardIterator")
                return False

    # -- SQS --------------------------------------------------------------------------------

    async def _feed_queue(self, source: SQSEventConfig) -> None:
        sqs = _client("sqs", self.moto_endpoint, self.region)
        name = source.queue or (source.queue_arn or "").rsplit(":", 1)[-1]
        url = (await asyncio.to_thread(sqs.create_queue, QueueName=name))["QueueUrl"]
        arn = f"arn:aws:sqs:{self.region}:123456789012:{name}"
        while True:
            answer = await asyncio.to_thread(sqs.receive_message, QueueUrl=url,
                                             MaxNumberOfMessages=min(10, source.batch_size),
                                             AttributeNames=["All"], MessageAttributeNames=["All"])
            messages = answer.get("Messages", [])
            if not messages:
                await asyncio.sleep(POLL_SECONDS)
                continue
            started = time.perf_counter()
            try:
                result = await self.invoker.invoke(source.name, events.sqs_event(messages, arn, self.region))
                failures = (result or {}).get("batchItemFailures") if isinstance(result, dict) else None
                failed = {item.get("itemIdentifier") for item in failures or []}
                done = [m for m in messages if m["MessageId"] not in failed]
                log_line("QUEUE", f"{source.name} {len(messages)} messages", "ok" if not failed else "partial", started)
            except Exception:
                log.exception("queue handler %s failed; the messages come back after their visibility timeout",
                              source.name)
                log_line("QUEUE", f"{source.name} {len(messages)} messages", "error", started)
                done = []
            if done:
                await asyncio.to_thread(sqs.delete_message_batch, QueueUrl=url, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)])
