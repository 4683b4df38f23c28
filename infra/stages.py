"""Stages (environments): dev, prod, or any short name for a personal stack.

Each stage is its own CloudFormation stack, `handover-<stage>`, with its own tables
(`handover-<stage>-<kind>`), buckets, user pool and APIs. Keep prod in its own AWS account:
the custom CloudWatch metrics (namespace `Handover`) carry no stage dimension.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,9}$")


@dataclass(frozen=True)
class Stage:
    name: str
    # CloudWatch Logs retention of the functions' log groups.
    log_retention_days: int = 30
    # The functions' log level: Lambda's application log level and POWERTOOLS_LOG_LEVEL.
    log_level: str = "INFO"
    # X-Ray segments for each AWS call (HANDOVER_TRACE_AWS_CALLS): the X-Ray SDK costs a cold
    # start several hundred ms (chalicelib/observability.py); active tracing is always on.
    trace_aws_calls: bool = True
    # API Gateway stage throttling (requests per second, burst), per REST and websocket API.
    api_rate_limit: int = 400
    api_burst_limit: int = 1200
    # Alarm thresholds: 5xx answers of the REST API in 5 minutes; errors of one function in 5 minutes.
    api_5xx_threshold: int = 5
    function_error_threshold: int = 3
    # Memory of the functions (MB): more memory is also more CPU, so a faster cold start.
    memory_mb: int = 512
    # HANDOVER_TAB_SHARDS (docs/data-model.md): write shards of the Waiting and All indexes.
    # Decide it before the first dialog: items keep the shard they were written under.
    tab_shards: int = 1
    # HANDOVER_ASSIGNMENT / HANDOVER_OPERATOR_CAPACITY (docs/assignment.md): "fair" assigns each
    # dialog entering Waiting to the online operator with the fewest open dialogs under capacity.
    assignment: str = "off"
    operator_capacity: int = 5
    # Rate limits of the REST API: requests per second / burst, per bot and per operator.
    # A bot's is its API Gateway usage plan's per-key throttle (infra/bot_limits.py), which holds
    # across Lambda containers; at most a quarter of a method's stage throttle above, so one
    # noisy bot leaves the rest to the others. (The app also keeps the same numbers in each
    # container, chalicelib/api/rate_limits.py, as a first line; an operator has only that one.)
    rate_limit_bot: str = "100/300"
    rate_limit_operator: str = "20/100"
    # AWS Backup of the tables (infra/backup.py), beside PITR: days a daily recovery point is
    # kept, and a weekly one (0: no weekly rule).
    backup_daily_days: int = 7
    # The escalation ladder (docs/notifications.md), seconds from when a lead's wait began:
    # the broadcast to every operator (N), the supervisor channel (M: the supervisors' SNS
    # topic and the bot's `dialog.escalated` webhook; 0 = off).
    waiting_too_long_seconds: int = 300
    escalate_to_supervisor_seconds: int = 900
    backup_weekly_days: int = 0

    @property
    def stack_name(self) -> str:
        return f"handover-{self.name}"

    @property
    def bot_usage_plan_name(self) -> str:
        """HANDOVER_BOT_USAGE_PLAN: the API Gateway usage plan of the bots' keys."""
        return f"{self.stack_name}-bots"

    @property
    def table_prefix(self) -> str:
        """HANDOVER_TABLE_PREFIX: the app names a table prefix + kind (chalicelib/config.py)."""
        return f"handover-{self.name}-"

    def table_name(self, kind: str) -> str:
        return f"{self.table_prefix}{kind}"


STAGES: dict[str, Stage] = {
    "dev": Stage("dev", log_retention_days=14, function_error_threshold=5),
    "prod": Stage("prod", log_retention_days=90, trace_aws_calls=False,
                  api_rate_limit=1000, api_burst_limit=2000, api_5xx_threshold=3,
                  function_error_threshold=1, backup_daily_days=35, backup_weekly_days=365),
}


def stage_named(name: str) -> Stage:
    """The stage's settings; a name that is not dev or prod gets dev's (a personal stack)."""
    if not _NAME.match(name):
        raise ValueError(f"stage name {name!r}: lowercase letters, digits and '-', at most 10 characters (bucket names have 63)")
    if name in STAGES:
        return STAGES[name]
    base = STAGES["dev"]
    return Stage(name, **{k: v for k, v in base.__dict__.items() if k != "name"})
