"""Synthesize the CDK app once per test run (shared by every xdist worker) and hand the
tests the template.

The synth is `python infra/app.py`, exactly what `make synth` runs, in a subprocess with no
AWS credentials at all: it proves the synth is offline. Chalice's packaging caches the
dependency zip under `.chalice/deployments/`, so only a fresh checkout downloads wheels.
Two differences: NAG=report, so that a cdk-nag finding fails test_nag.py with its list rather
than every infra test with a synth error (`make synth` fails on it); and CDK_VALIDATION=false
(see synth_env).

Both stages are synthesized in the one run (`STAGE=dev,prod`: the CDK stages the shared assets
once, so prod adds a few seconds): most tests read dev (`synth`), cdk-nag's test reads both.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
STAGE = "dev"
# Every stage the project defines (infra/stages.py): cdk-nag runs on each.
SYNTHESIZED_STAGES = ("dev", "prod")
ALARM_EMAIL = "ops@example.com"


@dataclass
class Synth:
    outdir: Path
    template: dict[str, Any]
    stage: str = STAGE

    @property
    def resources(self) -> dict[str, Any]:
        return self.template["Resources"]

    def of_type(self, cfn_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == cfn_type}

    def one(self, cfn_type: str) -> tuple[str, dict[str, Any]]:
        found = self.of_type(cfn_type)
        assert len(found) == 1, f"expected one {cfn_type}, found {sorted(found)}"
        return next(iter(found.items()))

    @property
    def functions(self) -> dict[str, dict[str, Any]]:
        return self.of_type("AWS::Serverless::Function")

    def nag_report(self) -> dict[str, Any]:
        """What infra/app.py wrote: cdk-nag on the SAM-expanded template (infra/nag.py)."""
        return json.loads((self.outdir / f"handover-{self.stage}.nag.json").read_text())


def synth_env(outdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_", "HANDOVER_"))}
    env.update({
        "AWS_DEFAULT_REGION": REGION,
        # No credentials and no instance metadata: the synth must not need AWS.
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "AWS_CONFIG_FILE": "/nonexistent",
        "CDK_OUTDIR": str(outdir),
        "STAGE": ",".join(SYNTHESIZED_STAGES),
        "ALARM_EMAIL": ALARM_EMAIL,
        "NAG": "report",
        # CDK's built-in CloudFormation validation (on by default since aws-cdk-lib 2.27x) only
        # warns unless its context flag is set, so it can never fail this synth; it costs ~6 s
        # per stack. cfn-lint and cdk-nag check the templates here; `make synth` keeps it.
        "CDK_VALIDATION": "false",
    })
    return env


def _synthesize(root: Path) -> Path:
    outdir = root / "cdk.out"
    done = root / "synth.done"
    failed = root / "synth.failed"
    with open(root / "synth.lock", "w") as lock:
        # One worker synthesizes; the others wait here and reuse its output.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists() and not failed.exists():
            result = subprocess.run(
                [sys.executable, str(REPO / "infra" / "app.py")],
                cwd=REPO, env=synth_env(outdir), capture_output=True, text=True, timeout=600,
            )
            if result.returncode != 0:
                failed.write_text(result.stdout + result.stderr)
            else:
                done.write_text(result.stdout + result.stderr)
    if failed.exists():
        pytest.fail("infra synth failed:\n" + failed.read_text()[-6000:])
    return outdir


@pytest.fixture(scope="session")
def synth(tmp_path_factory, worker_id) -> Synth:
    return _synth_of(STAGE, tmp_path_factory, worker_id)


@pytest.fixture(scope="session")
def synth_prod(tmp_path_factory, worker_id) -> Synth:
    return _synth_of("prod", tmp_path_factory, worker_id)


def _synth_of(stage: str, tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Synth:
    base = tmp_path_factory.getbasetemp()
    # Under xdist every worker has its own basetemp inside the run's; share the run's.
    root = base.parent if worker_id != "master" else base
    outdir = _synthesize(root)
    template = json.loads((outdir / f"handover-{stage}.template.json").read_text())
    return Synth(outdir, template, stage)


def render(value: Any) -> Any:
    """A CloudFormation value as readable text: Ref X -> {X}, GetAtt X.Y -> {X.Y},
    Fn::Join flattened; other structures unchanged."""
    if isinstance(value, dict) and len(value) == 1:
        (key, arg), = value.items()
        if key == "Ref":
            return "{" + arg + "}"
        if key == "Fn::GetAtt":
            return "{" + ".".join(arg) + "}"
        if key == "Fn::Join":
            separator, parts = arg
            return separator.join(str(render(p)) for p in parts)
    if isinstance(value, list):
        return [render(v) for v in value]
    return value
