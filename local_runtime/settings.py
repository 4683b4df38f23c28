"""What the local runtime is told (environment and command line) and what it tells the app
(the HANDOVER_* environment that chalicelib/config.py reads)."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

REGION = "us-east-1"
TABLE_PREFIX = "handover-"
ATTACHMENTS_BUCKET = "handover-attachments"
USER_POOL_NAME = "handover-operators"
APP_CLIENT_NAME = "handover-ui"
# API Gateway's idle timeout for websockets is 10 minutes; overridable so tests can see it.
DEFAULT_WS_IDLE_SECONDS = 600


@dataclass(frozen=True)
class RuntimeOptions:
    port: int
    data_dir: Path
    demo: bool
    # When set, every @app.schedule function runs at this period instead of its own rate.
    schedule_seconds: float | None
    ws_idle_seconds: float
    static_dir: Path
    # /_local/... hooks for integration tests (HANDOVER_TEST_HOOKS=1); never on by default.
    test_hooks: bool = False

    @property
    def host(self) -> str:
        return "127.0.0.1"


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def _number(env: dict[str, str], name: str, default: float | None, kind: type = float) -> float | None:
    value = (env.get(name) or "").strip()
    if not value:
        return default
    try:
        number = kind(value)
    except ValueError:
        raise SystemExit(f"{name}={value!r}: expected a number") from None
    if number < 0:
        raise SystemExit(f"{name}={value!r}: expected a number >= 0")
    return number


def parse_options(argv: list[str] | None = None, env: dict[str, str] | None = None) -> RuntimeOptions:
    env = dict(os.environ if env is None else env)
    parser = argparse.ArgumentParser(prog="python -m local_runtime", description="Handover on one machine")
    parser.add_argument("--port", type=int, default=_number(env, "HANDOVER_PORT", 8000, int),
                        help="the gateway's port on 127.0.0.1 (HANDOVER_PORT, default 8000; 0 picks a free one)")
    parser.add_argument("--data-dir", default=env.get("HANDOVER_DATA_DIR") or ".data",
                        help="where DynamoDB Local keeps its data (HANDOVER_DATA_DIR, default .data/)")
    parser.add_argument("--no-demo", action="store_true", help="no demo bot, leads or simulator data (HANDOVER_DEMO=0)")
    args = parser.parse_args(argv)
    schedule = _number(env, "HANDOVER_SCHEDULE_SECONDS", None)
    repo = Path(__file__).resolve().parent.parent
    return RuntimeOptions(
        port=args.port,
        data_dir=Path(args.data_dir).resolve(),
        demo=_flag(env.get("HANDOVER_DEMO"), True) and not args.no_demo,
        schedule_seconds=schedule or None,
        ws_idle_seconds=_number(env, "HANDOVER_WS_IDLE_SECONDS", DEFAULT_WS_IDLE_SECONDS) or DEFAULT_WS_IDLE_SECONDS,
        static_dir=Path(env.get("HANDOVER_STATIC_DIR") or repo / "static_site"),
        test_hooks=_flag(env.get("HANDOVER_TEST_HOOKS"), False),
    )


def app_environment(*, port: int, dynamodb_endpoint: str, moto_endpoint: str) -> dict[str, str]:
    """The environment the Chalice app runs with locally (Cognito ids are added after seeding)."""
    base = f"http://127.0.0.1:{port}"
    return {
        # Dummy credentials: DynamoDB Local and moto accept any; nothing here may reach AWS.
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "HANDOVER_ENVIRONMENT": "local",
        "HANDOVER_REGION": REGION,
        "HANDOVER_TABLE_PREFIX": TABLE_PREFIX,
        "HANDOVER_DYNAMODB_ENDPOINT": dynamodb_endpoint,
        "HANDOVER_S3_ENDPOINT": moto_endpoint,
        # The browser and bots reach the same moto server; presigned URLs are signed for it.
        "HANDOVER_S3_PUBLIC_ENDPOINT": moto_endpoint,
        "HANDOVER_ATTACHMENTS_BUCKET": ATTACHMENTS_BUCKET,
        "HANDOVER_COGNITO_ENDPOINT": moto_endpoint,
        "HANDOVER_SQS_ENDPOINT": moto_endpoint,
        # The escalation ladder's supervisor topic lives in moto too (found by its name).
        "HANDOVER_SNS_ENDPOINT": moto_endpoint,
        # boto3's apigatewaymanagementapi client posts to {endpoint}/@connections/{id}.
        "HANDOVER_WS_MANAGEMENT_ENDPOINT": base,
        "HANDOVER_WS_URL": f"ws://127.0.0.1:{port}/ws",
        "HANDOVER_PUBLIC_URL": base,
    }
