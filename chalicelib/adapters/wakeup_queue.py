"""The webhook wake-up queue (chalicelib/webhooks/wakeups.py) on SQS: one SendMessage with
a DelaySeconds per wake-up, `{"lead_id": ...}` its body.

In AWS the queue's URL comes from configuration (HANDOVER_WEBHOOK_WAKEUPS_QUEUE_URL, set by
infra/); the local runtime's queue lives in moto (HANDOVER_SQS_ENDPOINT) and is found by its
name, once.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.config import Settings


class SqsWakeups:
    def __init__(self, settings: Settings, sqs: Any = None) -> None:
        self.settings = settings
        self._sqs = sqs
        self._url = settings.webhook_wakeups_queue_url
        self._lock = threading.Lock()

    @staticmethod
    def configured(settings: Settings) -> bool:
        return bool(settings.webhook_wakeups_queue_url or settings.sqs_endpoint)

    def _client(self) -> Any:
        if self._sqs is None:
            self._sqs = client("sqs", endpoint=self.settings.sqs_endpoint, settings=self.settings)
        return self._sqs

    def _queue_url(self) -> str:
        with self._lock:
            if not self._url:
                answer = self._client().get_queue_url(QueueName=self.settings.webhook_wakeups_queue)
                self._url = answer["QueueUrl"]
            return self._url

    def wake(self, lead_id: str, delay_seconds: int) -> None:
        self._client().send_message(QueueUrl=self._queue_url(), MessageBody=json.dumps({"lead_id": lead_id}),
                                    DelaySeconds=max(0, min(900, int(delay_seconds))))


def leads_of(records: Iterable[Any]) -> list[str]:
    """The leads named by a batch of wake-ups (Chalice's SQSRecord or a raw SQS record),
    each once, in order; a body that is not a wake-up is skipped."""
    leads: list[str] = []
    for record in records:
        body = record.get("body") if isinstance(record, dict) else getattr(record, "body", None)
        try:
            lead_id = json.loads(body or "").get("lead_id")
        except (ValueError, AttributeError):
            continue
        if isinstance(lead_id, str) and lead_id and lead_id not in leads:
            leads.append(lead_id)
    return leads
