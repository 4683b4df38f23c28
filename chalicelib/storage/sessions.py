"""Faster botocore sessions for PynamoDB.

PynamoDB gives every model's connection (and every thread) its own botocore session, and
each new session parses botocore's JSON service models again: ~100 ms per model, paid on
every Lambda cold start. Sessions made here share one data loader (its cache), so the
service model is parsed once per process. Client creation itself stays per session and
per thread, as PynamoDB intends (botocore sessions are not thread-safe).
"""

from __future__ import annotations

import threading

import botocore.loaders
import botocore.session
from pynamodb.connection import base as pynamodb_base

_loader: botocore.loaders.Loader | None = None
_lock = threading.Lock()


def _shared_loader() -> botocore.loaders.Loader:
    global _loader
    with _lock:
        if _loader is None:
            _loader = botocore.loaders.create_loader()
        return _loader


def session_with_shared_loader() -> botocore.session.Session:
    session = botocore.session.get_session()
    session.register_component("data_loader", _shared_loader())
    return session


def install() -> None:
    """Make PynamoDB create its sessions here (idempotent)."""
    pynamodb_base.get_session = session_with_shared_loader
