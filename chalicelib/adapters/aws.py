"""boto3 clients, created on first use from configuration (never at import time)."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

from chalicelib.config import Settings, get_settings

_lock = threading.Lock()


@lru_cache(maxsize=32)
def _client(service: str, region: str, endpoint: str | None, signature: str | None) -> Any:
    config = Config(
        connect_timeout=2,
        read_timeout=5,
        retries={"max_attempts": 3, "mode": "standard"},
        signature_version=signature,
        s3={"addressing_style": "path"} if service == "s3" else None,
    )
    # boto3's default session is not safe to create clients from concurrently.
    with _lock:
        return boto3.session.Session().client(service, region_name=region, endpoint_url=endpoint, config=config)


def client(service: str, *, endpoint: str | None = None, settings: Settings | None = None) -> Any:
    settings = settings or get_settings()
    signature = "s3v4" if service == "s3" else None
    return _client(service, settings.region, endpoint, signature)


def reset_clients() -> None:
    _client.cache_clear()
