"""cfn-lint on the synthesized templates: `python -m infra.lint [--outdir cdk.out] dev,prod`
(`make synth` runs it after the synth; tests/infra/test_cfn_lint.py runs `lint()`).

cfn-lint validates the SAM resources against SAM's own schemas (it no longer runs the SAM
transform); cdk-nag, which needs the expanded resources, runs in infra/app.py."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# CDK's own custom-resource providers declare a DependsOn that a GetAtt already implies
# (W3005); harmless, and not ours to change. (rule, logical id prefix)
ALLOWED = {("W3005", "Custom")}


def lint(*templates: Path) -> dict[Path, list[str]]:
    """Every cfn-lint finding (error, warning or informational) that ALLOWED does not excuse,
    per template; one cfn-lint run for all of them (its start-up is most of its time)."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--format", "json", "--", *map(str, templates)],
        capture_output=True, text=True, timeout=300,
    )
    # Exit status is a bit mask of the levels found (2 error, 4 warning, 8 info); 1 is a crash.
    if result.returncode == 1:
        raise RuntimeError(f"cfn-lint crashed on {templates}:\n{result.stderr}")
    problems: dict[Path, list[str]] = {template: [] for template in templates}
    by_name = {str(template): template for template in templates}
    for finding in json.loads(result.stdout or "[]"):
        if any(finding["Rule"]["Id"] == rule and str(finding["Location"]["Path"][1]).startswith(prefix)
               for rule, prefix in ALLOWED):
            continue
        template = by_name.get(finding["Filename"], templates[0])
        problems[template].append(f"{finding['Rule']['Id']} {finding['Location']['Path']}: {finding['Message']}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("stages", help="comma-separated stage names, as STAGE for make synth")
    parser.add_argument("--outdir", default=str(REPO / "cdk.out"))
    args = parser.parse_args()
    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    results = lint(*(Path(args.outdir) / f"handover-{stage}.template.json" for stage in stages))
    for template, problems in results.items():
        print(f"cfn-lint {template.name}: {len(problems)} findings", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
    failed = any(results.values())
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
