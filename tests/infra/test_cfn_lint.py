"""cfn-lint on the synthesized template (with the SAM transform that CloudFormation applies)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# CDK's own custom-resource providers declare a DependsOn that a GetAtt already implies
# (W3005); harmless, and not ours to change.
ALLOWED = {("W3005", "Custom")}


def test_cfn_lint_passes_on_the_synthesized_template(synth):
    template = synth.outdir / "handover-dev.template.json"
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--format", "json", "--", str(template)],
        capture_output=True, text=True, timeout=300,
    )
    # Exit status is a bit mask of the levels found (2 error, 4 warning, 8 info); 1 is a crash.
    assert result.returncode != 1, result.stderr
    findings = json.loads(result.stdout or "[]")
    problems = [
        f"{f['Rule']['Id']} {f['Location']['Path']}: {f['Message']}"
        for f in findings
        if not any(f["Rule"]["Id"] == rule and str(f["Location"]["Path"][1]).startswith(prefix)
                   for rule, prefix in ALLOWED)
    ]
    assert problems == []
