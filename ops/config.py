"""Where an ops command points: AWS tables by stage, or the local runtime's DynamoDB Local."""

from __future__ import annotations

import argparse
import os

from chalicelib import bootstrap


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stage", help="the deployed stage (tables named handover-<stage>-...); "
                        "default: HANDOVER_TABLE_PREFIX from the environment")
    parser.add_argument("--region", help="AWS region (default: HANDOVER_REGION / AWS_REGION)")
    parser.add_argument("--endpoint-url", help="a DynamoDB endpoint, e.g. the local runtime's DynamoDB Local")
    parser.add_argument("--table-prefix", help="override the table name prefix")


def apply_target(args: argparse.Namespace) -> bootstrap.Services:
    """Configure the same code that runs in Lambda from the command line, then build it."""
    if args.stage:
        os.environ["HANDOVER_TABLE_PREFIX"] = f"handover-{args.stage}-"
        # The bots' API Gateway keys follow the bots (infra/stages.py Stage.bot_usage_plan_name).
        os.environ["HANDOVER_BOT_USAGE_PLAN"] = f"handover-{args.stage}-bots"
    if args.table_prefix:
        os.environ["HANDOVER_TABLE_PREFIX"] = args.table_prefix
    if args.region:
        os.environ["HANDOVER_REGION"] = args.region
    if args.endpoint_url:
        os.environ["HANDOVER_DYNAMODB_ENDPOINT"] = args.endpoint_url
        # DynamoDB Local accepts any credentials, but botocore insists on having some.
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    bootstrap.reset()
    return bootstrap.services()
