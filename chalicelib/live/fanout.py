"""Sends frames to many connections at once and forgets the ones that are gone.

Frames for one connection go out in order (one worker sends them one after another);
different connections are served in parallel, because one push is a network round trip
(tens of milliseconds) and a Waiting change goes to every operator online.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalicelib import observability
from chalicelib.adapters.notifier import Gone, Notifier
from chalicelib.storage.connections import ConnectionStore

logger = logging.getLogger("handover.live")

Frame = dict[str, Any]

# Enough to push to hundreds of connections in a few round trips without opening more
# HTTPS connections than botocore's pool keeps (10 by default).
MAX_WORKERS = 8


class Fanout:
    def __init__(self, notifier: Notifier, connections: ConnectionStore, max_workers: int = MAX_WORKERS) -> None:
        self.notifier = notifier
        self.connections = connections
        self.max_workers = max_workers

    def send(self, frames: Mapping[str, Sequence[Frame]]) -> set[str]:
        """Push each connection its frames; delete the gone ones; answer their ids.
        Never raises: a failed push is logged and the others still go out."""
        work = {connection_id: list(items) for connection_id, items in frames.items() if items}
        if not work:
            return set()
        if len(work) == 1 or self.max_workers <= 1:
            results = [self._send_one(connection_id, items) for connection_id, items in work.items()]
        else:
            with ThreadPoolExecutor(max_workers=min(self.max_workers, len(work))) as pool:
                results = list(pool.map(lambda pair: self._send_one(*pair), work.items()))
        gone = {connection_id for connection_id, is_gone in zip(work, results, strict=True) if is_gone}
        if gone:
            observability.count(observability.PUSHES_GONE, len(gone))
            try:
                self.connections.remove_many(gone)
            except Exception:
                logger.exception("could not delete gone connections %s", sorted(gone))
        return gone

    def _send_one(self, connection_id: str, items: list[Frame]) -> bool:
        """True if the connection is gone."""
        for frame in items:
            try:
                self.notifier.push(connection_id, frame)
            except Gone:
                return True
            except Exception:
                logger.exception("push of %s to %s failed", frame.get("type"), connection_id)
        return False
