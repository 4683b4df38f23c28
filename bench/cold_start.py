"""Cold start: importing the Lambda handler module in a fresh interpreter, beside a bare Chalice
app that imports boto3 (bench/bare_app/app.py), and the size of the package `chalice package`
builds.

Each run is a new interpreter (`python -c "...; import app"` in the project directory, with no
HANDOVER_* settings, as in a Lambda init where nothing AWS may happen at import); the two apps
alternate, RUNS times each, and the medians are compared. Byte-code caches are warm for both (in
Lambda the zip holds no .pyc, so both would be slower by a similar amount).

The package: `chalice package --stage dev` into a temporary directory. Chalice downloads the
manylinux wheels from PyPI the first time and keeps the result in `.chalice/deployments/`
(keyed by requirements.txt), so later runs are offline and fast. infra/ deploys that zip without
the AWS SDK that Lambda's runtime already provides (infra/functions.py `strip_runtime_provided`);
both sizes are reported.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from bench.common import median, ratio

REPO = Path(__file__).resolve().parent.parent
BARE = Path(__file__).resolve().parent / "bare_app"
RUNS = 11
PROBE = "import time; t = time.perf_counter(); import app; print((time.perf_counter() - t) * 1000)"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HANDOVER_", "AWS_", "PYTHON"))}
    env["AWS_DEFAULT_REGION"] = "us-east-1"
    return env


def _import_ms(directory: Path) -> tuple[float, float]:
    """(import time of `app`, whole interpreter run) in ms."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=directory, env=_env(), capture_output=True, text=True,
                         timeout=120, check=True)
    return float(out.stdout.strip().splitlines()[-1]), (time.perf_counter() - started) * 1000


def _heaviest_imports(directory: Path, top: int = 10) -> list[list[Any]]:
    """Where the import time goes: self time summed by top-level package (python -X importtime), ms."""
    runs: list[dict[str, int]] = []
    for _ in range(3):  # the median of three runs per package: one run is noisy
        out = subprocess.run([sys.executable, "-X", "importtime", "-c", "import app"], cwd=directory, env=_env(),
                             capture_output=True, text=True, timeout=120, check=True)
        totals: dict[str, int] = {}
        for line in out.stderr.splitlines():
            match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
            if match:
                name = match.group(2).split(".")[0]
                totals[name] = totals.get(name, 0) + int(match.group(1))
        runs.append(totals)
    names = set().union(*runs)
    medians = {name: median([run.get(name, 0) for run in runs]) for name in names}
    return [[name, round(us / 1000, 1)] for name, us in sorted(medians.items(), key=lambda kv: -kv[1])[:top]]


def measure_imports(log: Any = print) -> dict[str, Any]:
    _import_ms(REPO)  # warm-up: byte-code caches and the OS's file cache, for both
    _import_ms(BARE)
    handover, bare, handover_wall, bare_wall = [], [], [], []
    for _ in range(RUNS):
        ms, wall = _import_ms(REPO)
        handover.append(ms)
        handover_wall.append(wall)
        ms, wall = _import_ms(BARE)
        bare.append(ms)
        bare_wall.append(wall)
    result = {
        "runs": RUNS,
        "handover_import_ms": round(median(handover), 1),
        "bare_import_ms": round(median(bare), 1),
        "ratio": round(ratio(median(handover), median(bare)), 2),
        "handover_process_ms": round(median(handover_wall), 1),
        "bare_process_ms": round(median(bare_wall), 1),
        "heaviest_imports": _heaviest_imports(REPO),
    }
    log(f"  import app.py {result['handover_import_ms']} ms vs bare {result['bare_import_ms']} ms "
        f"(x{result['ratio']}); heaviest: {result['heaviest_imports'][:5]}")
    return result


FIRST_INVOCATION = (
    "import logging, time; import app; from chalicelib import observability; t = time.perf_counter(); "
    "observability.configure(); t1 = time.perf_counter(); logging.getLogger('handover.bench').info('first line'); "
    "t2 = time.perf_counter(); print((t1 - t) * 1000, (t2 - t1) * 1000)"
)


def measure_first_invocation(log: Any = print) -> dict[str, Any]:
    """What the first invocation in a container adds after the import (chalicelib/observability.py):
    the logging set-up (with HANDOVER_TRACE_AWS_CALLS, the X-Ray SDK patching botocore too), and
    the first log line, which loads Powertools' Logger. Each run a fresh interpreter, as in
    Lambda; medians of RUNS."""
    def once(trace: bool) -> tuple[float, float]:
        env = {**_env(), "AWS_LAMBDA_FUNCTION_NAME": "handover-bench", "HANDOVER_TRACE_AWS_CALLS": str(trace).lower()}
        out = subprocess.run([sys.executable, "-c", FIRST_INVOCATION], cwd=REPO, env=env, capture_output=True,
                             text=True, timeout=120, check=True)
        set_up, first_line = out.stdout.strip().splitlines()[-1].split()
        return float(set_up), float(first_line)

    once(False)  # warm-up: byte-code caches
    plain, traced = [once(False) for _ in range(RUNS)], [once(True) for _ in range(RUNS)]
    result = {"runs": RUNS, "set_up_ms": round(median([p[0] for p in plain]), 1),
              "first_log_line_ms": round(median([p[1] for p in plain]), 1),
              "set_up_with_tracing_ms": round(median([t[0] for t in traced]), 1)}
    log(f"  first invocation: set-up {result['set_up_ms']} ms (with X-Ray patching botocore "
        f"{result['set_up_with_tracing_ms']} ms); first log line (loads Powertools) {result['first_log_line_ms']} ms")
    return result


def measure_package(log: Any = print) -> dict[str, Any]:
    chalice = Path(sys.executable).parent / "chalice"
    with tempfile.TemporaryDirectory(prefix="handover-package-") as out:
        started = time.perf_counter()
        done = subprocess.run([str(chalice), "package", "--stage", "dev", out], cwd=REPO, env=_env(),
                              capture_output=True, text=True, timeout=600)
        seconds = time.perf_counter() - started
        zip_path = Path(out) / "deployment.zip"
        if done.returncode != 0 or not zip_path.exists():
            return {"error": (done.stderr or done.stdout)[-1500:]}
        size = zip_path.stat().st_size
        with zipfile.ZipFile(zip_path) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
        slim_size = _slim_size(zip_path)
    result = {"chalice_package_bytes": size, "chalice_package_mb": round(size / 1e6, 2),
              "unzipped_mb": round(unzipped / 1e6, 2),
              "deployed_mb": round(slim_size / 1e6, 2) if slim_size else None, "seconds": round(seconds, 1)}
    log(f"  chalice package: {result['chalice_package_mb']} MB ({result['deployed_mb']} MB as infra/ deploys it)")
    return result


def _slim_size(zip_path: Path) -> int | None:
    """The zip after infra/'s strip_runtime_provided (boto3, botocore, s3transfer removed)."""
    sys.path.insert(0, str(REPO))
    try:
        from infra.functions import strip_runtime_provided
    except Exception:  # the CDK is optional here; the size is then not reported
        return None
    copy = zip_path.with_name("slim.zip")
    copy.write_bytes(zip_path.read_bytes())
    strip_runtime_provided(copy)
    return copy.stat().st_size
