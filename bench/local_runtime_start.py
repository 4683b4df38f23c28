"""How long `make run` takes to be ready once packages are installed (the target: under 30 s).

Each run starts `python -m local_runtime` as `make run` does, in a fresh data directory (so the
tables are created and the demo data is seeded, the slowest case) and then once more on the
same data directory (a restart: tables exist, demo data is only checked), and reads the time the
runtime reports in its ready line. RUNS of each; the medians are printed.

    .venv/bin/python -m bench.local_runtime_start [RUNS]
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from bench.common import median
from local_runtime.testing import running_runtime

STARTED = re.compile(r"started in ([\d.]+) s")


def _reported(runtime_log: str) -> float:
    found = STARTED.findall(runtime_log)
    if not found:
        raise RuntimeError("the ready line carries no start time")
    return float(found[-1])


def main(runs: int = 3) -> None:
    fresh: list[float] = []
    restart: list[float] = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="handover-start-") as tmp:
            with running_runtime(Path(tmp) / "data") as runtime:
                fresh.append(_reported(runtime.log_text()))
                runtime.restart()
                restart.append(_reported(runtime.log_text()))
    print(f"local runtime ready (median of {runs}): fresh data dir {median(fresh):.1f} s, "
          f"restart {median(restart):.1f} s (target < 30 s); runs: fresh {fresh}, restart {restart}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
