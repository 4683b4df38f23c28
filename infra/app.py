"""The CDK app: `make synth|deploy|destroy STAGE=dev` (see docs/runbook.md).

The stage comes from `-c stage=<name>` or $STAGE (default dev); a comma-separated list
(`STAGE=dev,prod`) synthesizes one stack per stage in one go (the tests do, to run cdk-nag on
every stage for little more than the price of one: the CDK stages the shared assets once); alarm e-mails go to
`-c alarm_email=...` or $ALARM_EMAIL (required for prod: an address,
or `console` when ops subscribe in the SNS console); a custom domain for the UI (and with it a TLS 1.2 minimum) from
`-c domain_name=... -c certificate_arn=...` or $DOMAIN_NAME and $CERTIFICATE_ARN. Synth needs no AWS credentials, only a region
($AWS_DEFAULT_REGION or $CDK_DEFAULT_REGION); the account is taken from the credentials at
deploy time.
"""

from __future__ import annotations

import os
import re
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

from infra import nag  # noqa: E402
from infra.monitoring import CONSOLE_SUBSCRIBERS  # noqa: E402
from infra.site import CustomDomain  # noqa: E402
from infra.stack import HandoverStack  # noqa: E402
from infra.stages import stage_named  # noqa: E402

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def main() -> cdk.App:
    # The CDK CLI sets CDK_OUTDIR; `python infra/app.py` (make synth, the tests) writes cdk.out/.
    app = cdk.App() if os.environ.get("CDK_OUTDIR") else cdk.App(outdir=str(REPO / "cdk.out"))
    names = app.node.try_get_context("stage") or os.environ.get("STAGE") or "dev"
    stages = [stage_named(name) for name in dict.fromkeys(n.strip() for n in names.split(",") if n.strip())]
    region = os.environ.get("CDK_DEFAULT_REGION") or os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION")
    if not region:
        raise SystemExit("set AWS_DEFAULT_REGION (the region to deploy to)")
    account = os.environ.get("CDK_DEFAULT_ACCOUNT")
    alarm_email = app.node.try_get_context("alarm_email") or os.environ.get("ALARM_EMAIL") or None
    domain_name = app.node.try_get_context("domain_name") or os.environ.get("DOMAIN_NAME")
    certificate_arn = app.node.try_get_context("certificate_arn") or os.environ.get("CERTIFICATE_ARN")
    if bool(domain_name) != bool(certificate_arn):
        raise SystemExit("a custom domain needs both DOMAIN_NAME and CERTIFICATE_ARN (an ACM certificate in us-east-1)")
    if domain_name and len(stages) > 1:
        raise SystemExit("a custom domain belongs to one stage: synthesize that stage alone")
    domain = CustomDomain(domain_name, certificate_arn) if domain_name and certificate_arn else None
    if not alarm_email and any(stage.name == "prod" for stage in stages):
        # A prod stack whose alarms reach nobody is refused: an e-mail subscription kept by every
        # deploy that passes it, or an explicit "console" (ops subscribe in the SNS console).
        raise SystemExit(
            "prod needs someone to get its alarms: ALARM_EMAIL=ops@example.com (an e-mail subscription; pass it "
            f"on every deploy) or ALARM_EMAIL={CONSOLE_SUBSCRIBERS} (you subscribe in the SNS console: "
            "docs/runbook.md, Who gets the alarms; the stack output AlarmSubscriptions links to the topic)")
    if alarm_email and alarm_email != CONSOLE_SUBSCRIBERS and not EMAIL.match(alarm_email):
        raise SystemExit(f"ALARM_EMAIL={alarm_email!r}: an e-mail address, or {CONSOLE_SUBSCRIBERS!r}")
    stacks = []
    for stage in stages:
        stack = HandoverStack(
            app,
            stage.stack_name,
            stage=stage,
            # One build directory per stage: the construct clears its own at each synth.
            build_dir=Path(app.outdir).resolve() / "chalice-build" / stage.name,
            alarm_email=alarm_email,
            domain=domain,
            env=cdk.Environment(account=account, region=region),
            termination_protection=stage.name == "prod",
        )
        nag.record_suppressions_in_template(stack)
        stacks.append(stack)
    app.synth()
    # cdk-nag on each synthesized template with the SAM part expanded (infra/nag.py says why).
    failed = []
    for stack in stacks:
        report = nag.check_synthesized(Path(app.outdir), stack.stack_name, region)
        print(report.summary(), file=sys.stderr)
        if not report.ok:
            failed.append(str(Path(app.outdir) / f"{stack.stack_name}.nag.json"))
    if failed and nag.fail_on_findings():
        raise SystemExit(f"cdk-nag: fix, or suppress next to the resource with a reason, every finding above "
                         f"(reports: {', '.join(failed)})")
    return app

if __name__ == "__main__":
    main()
