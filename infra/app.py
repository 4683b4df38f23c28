"""The CDK app: `make synth|deploy|destroy STAGE=dev` (see docs/runbook.md).

The stage comes from `-c stage=<name>` or $STAGE (default dev); alarm e-mails go to
`-c alarm_email=...` or $ALARM_EMAIL. Synth needs no AWS credentials, only a region
($AWS_DEFAULT_REGION or $CDK_DEFAULT_REGION); the account is taken from the credentials at
deploy time.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# This machine's Node.js (Debian's) is older than jsii would like; synth works the same.
# (The variable lists the Node.js major versions not to warn about.)
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

import aws_cdk as cdk  # noqa: E402

from infra.stack import HandoverStack  # noqa: E402
from infra.stages import stage_named  # noqa: E402


def main() -> cdk.App:
    # The CDK CLI sets CDK_OUTDIR; `python infra/app.py` (make synth, the tests) writes cdk.out/.
    app = cdk.App() if os.environ.get("CDK_OUTDIR") else cdk.App(outdir=str(REPO / "cdk.out"))
    stage = stage_named(app.node.try_get_context("stage") or os.environ.get("STAGE") or "dev")
    region = os.environ.get("CDK_DEFAULT_REGION") or os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION")
    if not region:
        raise SystemExit("set AWS_DEFAULT_REGION (the region to deploy to)")
    account = os.environ.get("CDK_DEFAULT_ACCOUNT")
    alarm_email = app.node.try_get_context("alarm_email") or os.environ.get("ALARM_EMAIL") or None
    build_dir = Path(app.outdir).resolve() / "chalice-build"
    HandoverStack(
        app,
        stage.stack_name,
        stage=stage,
        build_dir=build_dir,
        alarm_email=alarm_email,
        env=cdk.Environment(account=account, region=region),
        termination_protection=stage.name == "prod",
    )
    app.synth()
    return app


if __name__ == "__main__":
    main()
