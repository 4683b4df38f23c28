"""The supervisor channel of the escalation ladder (docs/notifications.md): one SNS Publish
per escalated dialog. Supervisors subscribe to the topic (e-mail, SMS, a chat bridge); the
message is small JSON with the dialog's ids, its rung and how long the lead has waited.

In AWS the topic's ARN comes from configuration (HANDOVER_SUPERVISOR_TOPIC_ARN, set by
infra/); the local runtime's topic lives in moto (HANDOVER_SNS_ENDPOINT) and is found by its
name, once (CreateTopic answers the existing topic's ARN). Neither configured: nothing is
published and the ladder logs it.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.config import Settings


class SnsSupervisorChannel:
    def __init__(self, settings: Settings, sns: Any = None) -> None:
        self.settings = settings
        self._sns = sns
        self._arn = settings.supervisor_topic_arn
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        return bool(self.settings.supervisor_topic_arn or self.settings.sns_endpoint)

    def _client(self) -> Any:
        if self._sns is None:
            self._sns = client("sns", endpoint=self.settings.sns_endpoint, settings=self.settings)
        return self._sns

    def topic_arn(self) -> str:
        with self._lock:
            if not self._arn:
                self._arn = self._client().create_topic(Name=self.settings.supervisor_topic)["TopicArn"]
            return self._arn

    def notify(self, subject: str, message: dict[str, Any]) -> bool:
        """Publish one escalation; False when no topic is configured."""
        if not self.configured:
            return False
        # SNS caps a subject at 100 characters (and refuses line breaks in it).
        self._client().publish(TopicArn=self.topic_arn(), Subject=subject[:100].replace("\n", " "),
                               Message=json.dumps(message, ensure_ascii=False))
        return True
