"""CloudWatch metrics of the delivery function, as Embedded Metric Format log lines:
Lambda's log group turns each line into a metric, with no API call and no extra latency.

Metrics carry no dimension (one alarm covers every bot); the bot and event ids ride along
as plain properties, searchable in CloudWatch Logs Insights."""

from __future__ import annotations

import json
import sys
import time
from typing import TextIO

NAMESPACE = "Handover"
DEAD_LETTERS = "WebhookDeadLetters"


def emf_line(name: str, value: float, properties: dict[str, str], unit: str = "Count") -> str:
    return json.dumps({
        **properties,
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [[]],
                "Metrics": [{"Name": name, "Unit": unit}],
            }],
        },
        name: value,
    }, separators=(",", ":"))


class EmfMetrics:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def count(self, name: str, value: float = 1, **properties: str) -> None:
        out = self.stream or sys.stdout
        out.write(emf_line(name, value, properties) + "\n")
        out.flush()
