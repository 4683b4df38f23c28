"""Shared fixtures: moto in-process AWS, tables, bots, and a DynamoDB request counter
that fails any test whose code issued a Scan."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import boto3
import botocore.client
import pytest

# One local runtime per test session (per xdist worker), shared by the integration, browser and
# hardening tests: a fixture imported into several conftests would start one runtime each.
from local_runtime.testing import handover_runtime  # noqa: F401

TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "HANDOVER_REGION": "us-east-1",
    "HANDOVER_ENVIRONMENT": "local",
    "HANDOVER_TABLE_PREFIX": "test-",
    "HANDOVER_ATTACHMENTS_BUCKET": "test-attachments",
}


@dataclass
class RequestLog:
    """Every AWS API call the code under test made: (service, operation)."""

    calls: list[tuple[str, str]] = field(default_factory=list)

    def dynamodb(self) -> list[str]:
        return [op for service, op in self.calls if service == "dynamodb" and op not in _SETUP_OPERATIONS]

    def clear(self) -> None:
        self.calls.clear()


_SETUP_OPERATIONS = {"CreateTable", "DescribeTable", "UpdateTimeToLive", "DescribeTimeToLive", "ListTables"}


@pytest.fixture
def requests_log(monkeypatch) -> Iterator[RequestLog]:
    log = RequestLog()
    original = botocore.client.BaseClient._make_api_call

    def counting(self, operation_name, api_params):
        log.calls.append((self.meta.service_model.service_name, operation_name))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    yield log
    scans = [op for service, op in log.calls if service == "dynamodb" and op == "Scan"]
    assert not scans, "a Scan was issued: every read must Query a key or an index"


@pytest.fixture
def aws_env(monkeypatch) -> Iterator[None]:
    for key, value in TEST_ENV.items():
        monkeypatch.setenv(key, value)
    for key in ("HANDOVER_DYNAMODB_ENDPOINT", "HANDOVER_S3_ENDPOINT", "HANDOVER_S3_PUBLIC_ENDPOINT"):
        monkeypatch.delenv(key, raising=False)
    yield


@pytest.fixture(autouse=True, scope="session")
def moto_one_call_at_a_time() -> Iterator[None]:
    """moto's in-process backends are not thread-safe: TransactWriteItems deep-copies the whole
    table as its rollback copy, so a concurrent write from another thread (the webhook delivery's
    parallel workers) can fail it with "dictionary changed size during iteration", and a failed
    one then restores the copy over the other thread's write. DynamoDB applies each request
    atomically; serializing the calls in the stub gives the tests that behaviour back."""
    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.RLock()
    unlocked = BotocoreStubber.process_request

    def process_request(self, request):
        with lock:
            return unlocked(self, request)

    BotocoreStubber.process_request = process_request
    yield
    BotocoreStubber.process_request = unlocked


@pytest.fixture
def aws(aws_env, requests_log) -> Iterator[RequestLog]:
    """moto in-process, with Handover's tables and bucket created."""
    from moto import mock_aws

    from chalicelib import bootstrap
    from chalicelib.config import get_settings
    from local_runtime.tables import create_tables

    with mock_aws():
        bootstrap.reset()
        settings = get_settings()
        create_tables(settings)
        boto3.client("s3", region_name=settings.region).create_bucket(Bucket=settings.attachments_bucket)
        requests_log.clear()
        yield requests_log
        bootstrap.reset()


@pytest.fixture
def services(aws):
    from chalicelib import bootstrap

    return bootstrap.services()


@dataclass
class BotHandle:
    id: str
    api_key: str
    webhook_secret: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}", "Content-Type": "application/json"}


def make_bot(services, name: str = "Support bot", **fields) -> BotHandle:
    bot, secrets = services.bots.create({"name": name, **fields})
    return BotHandle(bot.id, secrets.api_key, secrets.webhook_secret)


@pytest.fixture
def bot(services, aws) -> BotHandle:
    handle = make_bot(
        services,
        return_script=["The bot is back, {{name}}. Write 'operator' to call a human again."],
        operator_transfer_script=["An operator joined. Your plan: {{plan}}."],
    )
    aws.clear()
    return handle


@pytest.fixture
def other_bot(services, aws) -> BotHandle:
    handle = make_bot(services, name="Sales bot")
    aws.clear()
    return handle


@pytest.fixture
def client(aws):
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client


def env_flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false")


@pytest.fixture(scope="session")
def dynamodb_local(tmp_path_factory):
    """AWS's own DynamoDB engine (DynamoDB Local), once per test session (per xdist worker).

    moto is not safe for races: its TransactWriteItems is not isolated across threads, so
    concurrency tests run here, where DynamoDB's real transaction semantics hold."""
    from local_runtime.backends import start_backends

    backends = start_backends(tmp_path_factory.mktemp("dynamodb-local"))
    try:
        yield backends.dynamodb_endpoint
    finally:
        backends.stop()


@pytest.fixture
def real_dynamodb(dynamodb_local, aws_env, requests_log, monkeypatch):
    """Handover's tables in DynamoDB Local under a fresh prefix; S3 still from moto."""
    import uuid

    from moto import mock_aws

    from chalicelib import bootstrap
    from chalicelib.config import get_settings
    from local_runtime.tables import create_tables

    monkeypatch.setenv("HANDOVER_TABLE_PREFIX", f"t{uuid.uuid4().hex[:8]}-")
    monkeypatch.setenv("HANDOVER_DYNAMODB_ENDPOINT", dynamodb_local)
    # Only S3 is mocked in-process; DynamoDB calls go to the real engine on loopback.
    with mock_aws(config={"core": {"service_whitelist": ["s3"]}}):
        bootstrap.reset()
        settings = get_settings()
        create_tables(settings)
        boto3.client("s3", region_name=settings.region).create_bucket(Bucket=settings.attachments_bucket)
        requests_log.clear()
        yield bootstrap.services()
        bootstrap.reset()
