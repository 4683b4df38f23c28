"""Schemathesis against both OpenAPI documents of a running local runtime.

    python -m tests.hardening.fuzzing --max-examples 1000     # what `make fuzz` runs

The bot API is called with the demo bot's key, the operator API with a real Cognito login of the
demo admin (every admin route is then reachable; operator-only rules are covered by
tests/hardening/test_authorization.py). Passing means: no 5xx, every status code, content type
and body as documented, schema-breaking requests refused with a 4xx, auth enforced where the
document says so. Settings: tests/hardening/schemathesis.toml.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CONFIG = HERE / "schemathesis.toml"
HOOKS = HERE / "fuzz_hooks.py"
APIS = {"bot": "/bot/v1/openapi.json", "operator": "/api/openapi.json"}
NO_RATE_LIMITS = {"HANDOVER_RATE_LIMIT_BOT": "off", "HANDOVER_RATE_LIMIT_OPERATOR": "off"}


@dataclass
class FuzzResult:
    api: str
    returncode: int
    output: str

    @property
    def failures(self) -> list[str]:
        """The summary's failed checks (`ST101 ...: 2`); empty when every check passed."""
        summary = self.output.rsplit("SUMMARY", 1)[-1]
        block = summary.split("Failures:", 1)[1].split("\n\n", 1)[0] if "Failures:" in summary else ""
        return [line.strip(" ❌") for line in block.splitlines() if line.strip()]

    @property
    def errors(self) -> list[str]:
        """Schemathesis' own errors (e.g. a generator that gave up): reported, not failures of ours."""
        summary = self.output.rsplit("SUMMARY", 1)[-1]
        block = summary.split("Errors:", 1)[1].split("\n\n", 1)[0] if "Errors:" in summary else ""
        return [line.strip(" 🚫") for line in block.splitlines() if line.strip()]

    @property
    def passed(self) -> bool:
        # A run that never got to its summary (a crash, a timeout) is no pass either.
        return "SUMMARY" in self.output and not self.failures


def operator_token(base_url: str, username: str, password: str) -> str:
    answer = requests.post(f"{base_url}/api/auth/login", json={"username": username, "password": password},
                           timeout=30)
    answer.raise_for_status()
    return answer.json()["access_token"]


def run_schemathesis(base_url: str, api: str, authorization: str, *, max_examples: int,
                     phases: str = "examples,coverage,fuzzing,stateful", seed: int | None = None,
                     workers: int = 1, report_dir: Path | None = None, timeout: float = 3600) -> FuzzResult:
    """One `schemathesis run` of one document; the return code is 0 only when every check passed."""
    args = [str(SCHEMATHESIS), "--no-color", "--config-file", str(CONFIG), "run", base_url + APIS[api],
            "--header", f"Authorization: Bearer {authorization}",
            "--checks", "all",
            "--max-examples", str(max_examples), "--phases", phases,
            "--workers", str(workers), "--request-timeout", "30", "--generation-database", "none",
            "--suppress-health-check", "all"]
    if seed is not None:
        args += ["--seed", str(seed)]
    if report_dir is not None:
        args += ["--report", "junit", "--report-dir", str(report_dir / api)]
    # The hooks add the check that narrows positive_data_acceptance's 422 (fuzz_hooks.py).
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)}
    completed = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
    return FuzzResult(api, completed.returncode, completed.stdout + completed.stderr)


# A 5xx REST line, a view that raised (chalicelib/api/http.py), a gateway that failed. Not
# aiohttp's own "Error handling request" trace: that is its 400 for a header with a NUL byte,
# which Schemathesis sends on purpose (API Gateway refuses those too).
SERVER_ERROR = re.compile(r"^\S+ REST\s+\S+ .* 5\d\d \d+ms$|unhandled error in|the gateway could not run")


def server_errors(log_text: str) -> list[str]:
    """The runtime log's 5xx REST lines and server-side failures."""
    return [line for line in log_text.splitlines() if SERVER_ERROR.search(line)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--api", choices=sorted(APIS), action="append", help="default: both")
    parser.add_argument("--report-dir", type=Path, default=Path("test-artifacts/fuzz"))
    options = parser.parse_args()

    from local_runtime.testing import running_runtime

    failed = []
    with (tempfile.TemporaryDirectory(prefix="handover-fuzz-") as data_dir,
          running_runtime(Path(data_dir), env=NO_RATE_LIMITS) as rt):
        admin = rt.operator("admin")
        tokens = {"bot": rt.bot["api_key"], "operator": operator_token(rt.url, admin["username"], admin["password"])}
        for api in options.api or sorted(APIS):
            result = run_schemathesis(rt.url, api, tokens[api], max_examples=options.max_examples,
                                      seed=options.seed, workers=options.workers, report_dir=options.report_dir)
            print(result.output)
            for error in result.errors:
                print(f"schemathesis error (not a Handover failure): {error}")
            if not result.passed:
                failed.append(api)
        errors = server_errors(rt.log_text())
    print(f"runtime log: {len(errors)} server errors")
    for line in errors[:20]:
        print("  " + line)
    if failed or errors:
        print(f"FUZZ FAILED: {', '.join(failed) or 'server errors in the log'}")
        return 1
    print("fuzz passed: both APIs, no 5xx, every response as documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
