"""Run-time configuration, read from the environment when first asked for.

Nothing here runs at import time: `chalice package` and CDK synth import `app.py`
without any of these variables set. Every AWS binding (table names, endpoints,
buckets, the Cognito pool) is derived from one `Settings` object, so tests and the
local runtime configure the same code that runs in Lambda by environment alone.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache

# The webhook wake-up queue's name unless HANDOVER_WEBHOOK_WAKEUPS_QUEUE says otherwise
# (app.py declares its trigger with it; the local runtime's queue in moto has this name).
WAKEUPS_QUEUE_DEFAULT = "handover-webhook-wakeups"
SUPERVISOR_TOPIC_DEFAULT = "handover-supervisors"


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


@dataclass(frozen=True)
class PasswordPolicy:
    """The operators' pool's password policy, shown by the UI where a password is set. Given
    by infra/auth.py as HANDOVER_PASSWORD_POLICY (JSON with these keys), so that sign-in needs
    no admin permission (DescribeUserPool) to read it. Cognito enforces the real one either way;
    the defaults are Cognito's own defaults."""

    min_length: int = 8
    require_lowercase: bool = True
    require_uppercase: bool = True
    require_digits: bool = True
    require_symbols: bool = True


def _password_policy(raw: str) -> PasswordPolicy:
    try:
        given = json.loads(raw) if raw else {}
    except ValueError:
        given = {}
    if not isinstance(given, dict):
        given = {}
    known = {name: given[name] for name in PasswordPolicy.__dataclass_fields__ if name in given}
    try:
        return PasswordPolicy(**known)
    except TypeError:
        return PasswordPolicy()


@dataclass(frozen=True)
class Settings:
    region: str = "us-east-1"
    # "aws" in Lambda; "local" in the local runtime and tests (relaxes webhook URL rules).
    environment: str = "aws"
    table_prefix: str = "handover-"
    dynamodb_endpoint: str | None = None
    s3_endpoint: str | None = None
    # Presigned URLs are signed for this endpoint (the browser's view of S3); defaults to s3_endpoint.
    s3_public_endpoint: str | None = None
    attachments_bucket: str = "handover-attachments"
    cognito_endpoint: str | None = None
    cognito_user_pool_id: str = ""
    cognito_client_id: str = ""
    # The `iss` of the pool's tokens. Cognito (and moto, even as a server) always issue
    # https://cognito-idp.<region>.amazonaws.com/<pool id>.
    cognito_issuer: str = ""
    # Where the pool's signing keys are; `<issuer>/.well-known/jwks.json` in AWS, the moto
    # server's `/<pool id>/.well-known/jwks.json` locally (file:// is allowed only when local).
    cognito_jwks_url: str = ""
    password_policy: PasswordPolicy = field(default_factory=PasswordPolicy)
    # The websocket URL the UI connects to (answered by POST /api/ws-ticket).
    ws_url: str = ""
    ws_management_endpoint: str | None = None
    # Number of write shards of the tab indexes (see docs/data-model.md).
    tab_shards: int = 1
    # The webhook wake-up queue (docs/webhooks.md, "Fast retries"): its URL in AWS (set by
    # infra/); locally SQS is moto at `sqs_endpoint` and the queue is found by its name.
    sqs_endpoint: str | None = None
    webhook_wakeups_queue: str = WAKEUPS_QUEUE_DEFAULT
    webhook_wakeups_queue_url: str | None = None
    # The scheduled function's period: 60 s in AWS (`Rate(1, MINUTES)` in app.py); the local
    # runtime's HANDOVER_SCHEDULE_SECONDS when set (docs/notifications.md).
    schedule_seconds: float = 60.0
    # A notification pending this long gets `reminder` pushes (R14: "for a minute").
    reminder_after_seconds: float = 60.0
    # The escalation ladder (docs/notifications.md, "The escalation ladder"), each rung counted
    # from when the lead's wait began (the waiting clock). Rung N: the dialog is pushed to every
    # online operator as `dialog.waiting_too_long` and marked "waiting too long" in every page.
    waiting_too_long_seconds: float = 300.0
    # Rung M: the supervisor channel (SNS topic + the bot's `dialog.escalated` webhook); 0: off.
    escalate_to_supervisor_seconds: float = 900.0
    # Rung K: the dialog returns to the bot with its Unanswered script; 0 (the default): off.
    return_to_bot_seconds: float = 0.0
    # The supervisor channel's SNS topic: its ARN in AWS (set by infra/); locally SNS is moto at
    # `sns_endpoint` and the topic is found (created) by its name. Neither: the rung only
    # sends its webhook and logs.
    sns_endpoint: str | None = None
    supervisor_topic: str = SUPERVISOR_TOPIC_DEFAULT
    supervisor_topic_arn: str = ""
    # Revocation (docs/security.md): Cognito confirms an access token at most this often per
    # token and container, so a disabled, deleted or signed-out operator is refused within it.
    token_check_seconds: float = 60.0
    # A websocket's client re-confirms its token this often (`reauth` frames); the per-minute
    # sweep closes a connection that has not re-confirmed for twice as long.
    reauth_seconds: float = 30.0
    # The API Gateway usage plan of the bots (per-bot throttle, docs/security.md): its name, set
    # by infra/; empty where there is no API Gateway (tests, the local runtime), and then the
    # bots get no API Gateway key.
    bot_usage_plan: str = ""
    # Fair assignment (docs/assignment.md): "fair" turns it on; anything else leaves dialogs on
    # Waiting for operators to Start, as before. `operator_capacity`: open dialogs per operator.
    assignment: str = "off"
    operator_capacity: int = 5

    @property
    def fair_assignment(self) -> bool:
        return self.assignment == "fair"

    def table_name(self, kind: str) -> str:
        return f"{self.table_prefix}{kind}"

    @property
    def is_local(self) -> bool:
        return self.environment == "local"


def _seconds(name: str, default: float) -> float:
    try:
        value = float(_env(name) or default)
    except ValueError:
        return default
    return value if value > 0 else default


def _rung_seconds(name: str, default: float) -> float:
    """A ladder rung's delay: "0" or "off" turns the rung off; anything unreadable is the default."""
    raw = _env(name).strip().lower()
    if raw in ("0", "off"):
        return 0.0
    return _seconds(name, default)


def load_settings() -> Settings:
    region = _env("HANDOVER_REGION") or _env("AWS_REGION") or _env("AWS_DEFAULT_REGION") or "us-east-1"
    pool_id = _env("HANDOVER_COGNITO_USER_POOL_ID")
    cognito_endpoint = _env("HANDOVER_COGNITO_ENDPOINT") or None
    issuer = _env("HANDOVER_COGNITO_ISSUER")
    if not issuer and pool_id:
        # Not derived from HANDOVER_COGNITO_ENDPOINT: moto's server signs with the AWS issuer too.
        issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
    jwks_url = _env("HANDOVER_COGNITO_JWKS_URL") or (f"{issuer}/.well-known/jwks.json" if issuer else "")
    s3_endpoint = _env("HANDOVER_S3_ENDPOINT") or None
    schedule_seconds = _seconds("HANDOVER_SCHEDULE_SECONDS", 60.0)
    return Settings(
        region=region,
        environment=_env("HANDOVER_ENVIRONMENT", "aws") or "aws",
        table_prefix=_env("HANDOVER_TABLE_PREFIX", "handover-"),
        dynamodb_endpoint=_env("HANDOVER_DYNAMODB_ENDPOINT") or None,
        s3_endpoint=s3_endpoint,
        s3_public_endpoint=_env("HANDOVER_S3_PUBLIC_ENDPOINT") or s3_endpoint,
        attachments_bucket=_env("HANDOVER_ATTACHMENTS_BUCKET", "handover-attachments"),
        cognito_endpoint=cognito_endpoint,
        cognito_user_pool_id=pool_id,
        cognito_client_id=_env("HANDOVER_COGNITO_CLIENT_ID"),
        cognito_issuer=issuer,
        cognito_jwks_url=jwks_url,
        password_policy=_password_policy(_env("HANDOVER_PASSWORD_POLICY")),
        ws_url=_env("HANDOVER_WS_URL"),
        ws_management_endpoint=_env("HANDOVER_WS_MANAGEMENT_ENDPOINT") or None,
        tab_shards=max(1, int(_env("HANDOVER_TAB_SHARDS", "1") or "1")),
        sqs_endpoint=_env("HANDOVER_SQS_ENDPOINT") or None,
        webhook_wakeups_queue=_env("HANDOVER_WEBHOOK_WAKEUPS_QUEUE") or WAKEUPS_QUEUE_DEFAULT,
        webhook_wakeups_queue_url=_env("HANDOVER_WEBHOOK_WAKEUPS_QUEUE_URL") or None,
        schedule_seconds=schedule_seconds,
        # One period by default: a minute in AWS; locally the reminders keep the fast pace.
        reminder_after_seconds=_seconds("HANDOVER_REMINDER_AFTER_SECONDS", schedule_seconds),
        waiting_too_long_seconds=_seconds("HANDOVER_WAITING_TOO_LONG_SECONDS", 300.0),
        escalate_to_supervisor_seconds=_rung_seconds("HANDOVER_ESCALATE_TO_SUPERVISOR_SECONDS", 900.0),
        return_to_bot_seconds=_rung_seconds("HANDOVER_RETURN_TO_BOT_SECONDS", 0.0),
        sns_endpoint=_env("HANDOVER_SNS_ENDPOINT") or None,
        supervisor_topic=_env("HANDOVER_SUPERVISOR_TOPIC") or SUPERVISOR_TOPIC_DEFAULT,
        supervisor_topic_arn=_env("HANDOVER_SUPERVISOR_TOPIC_ARN"),
        # Production values 60 s and 30 s; the local runtime's tests shorten them to see a
        # revocation within seconds (tests/integration/test_revocation_runtime.py).
        token_check_seconds=_seconds("HANDOVER_TOKEN_CHECK_SECONDS", 60.0),
        reauth_seconds=_seconds("HANDOVER_REAUTH_SECONDS", 30.0),
        bot_usage_plan=_env("HANDOVER_BOT_USAGE_PLAN"),
        assignment=(_env("HANDOVER_ASSIGNMENT") or "off").lower(),
        operator_capacity=_positive_int("HANDOVER_OPERATOR_CAPACITY", 5),
    )


def _positive_int(name: str, default: int) -> int:
    try:
        value = int(_env(name) or default)
    except ValueError:
        return default
    return value if value > 0 else default


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def reset_settings() -> None:
    """Forget the cached settings (tests and the local runtime change the environment)."""
    get_settings.cache_clear()
