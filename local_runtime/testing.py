"""The local runtime for tests: start the whole contact center in a temporary data
directory on a free port, drive it over real HTTP and websockets, restart it, stop it.

    from local_runtime.testing import running_runtime
    with running_runtime(tmp_path) as rt:
        requests.get(rt.url + "/config.json")

Pytest fixtures (session scope, so one runtime per xdist worker): import them into a
conftest.py to use them, as tests/integration/conftest.py does:

    from local_runtime.testing import handover_runtime  # noqa: F401

`handover_runtime` is the real app with demo data (`rt.credentials` is the content of
local-credentials.json). See docs/local-runtime.md.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from local_runtime.processes import die_with_parent, free_port
from local_runtime.runtime import READY_PREFIX

REPO = Path(__file__).resolve().parent.parent
# A quiet machine is ready in seconds (bench/local_runtime_start.py); this shared 2-core machine
# at a load average of 17-29 took 70-100 s to seed the demo, old runtime and new alike.
READY_TIMEOUT = 180.0


class RuntimeFailed(RuntimeError):
    pass


@dataclass
class LocalRuntime:
    data_dir: Path
    port: int
    demo: bool = True
    app: str = "app:app"
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    credentials: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "logs" / "runtime.log"

    def log_text(self, offset: int = 0) -> str:
        """The log from byte `offset` on (bytes, not characters: the log is UTF-8)."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(offset)
                return log.read().decode("utf-8", errors="replace")
        except OSError:
            return ""

    @property
    def backends(self) -> dict[str, Any]:
        """runtime.json: dynamodb_endpoint, moto_endpoint, region, table_prefix, pid."""
        return json.loads((self.data_dir / "runtime.json").read_text())

    def operator(self, username: str = "operator") -> dict[str, Any]:
        """{"username", "password", "admin"} of a seeded operator."""
        return next(o for o in self.credentials["operators"] if o["username"] == username)

    @property
    def bot(self) -> dict[str, Any]:
        """{"name", "api_key", "webhook_secret"} of the demo bot (demo runtimes only)."""
        return self.credentials["bots"][0]

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HANDOVER_", "AWS_"))}
        env.update({"HANDOVER_APP": self.app, "HANDOVER_TEST_HOOKS": "1", "PYTHONUNBUFFERED": "1"})
        env.update(self.env)
        args = [sys.executable, "-m", "local_runtime", "--port", str(self.port), "--data-dir", str(self.data_dir)]
        if not self.demo:
            args.append("--no-demo")
        with open(self.log_path, "ab") as log:
            # If the test process dies, the runtime gets SIGTERM and stops cleanly (and its
            # own children die with it in any case).
            self.process = subprocess.Popen(args, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, preexec_fn=die_with_parent(signal.SIGTERM))
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            text = self.log_text(offset)
            if READY_PREFIX in text:
                match = re.search(re.escape(READY_PREFIX) + r"(http://\S+)", text)
                if match and match.group(1) != self.url:
                    raise RuntimeFailed(f"the runtime listens at {match.group(1)}, not {self.url}")
                self.credentials = json.loads((self.data_dir / "local-credentials.json").read_text())
                return
            if self.process.poll() is not None:
                raise RuntimeFailed(f"the local runtime exited ({self.process.returncode}):\n{text[-4000:]}")
            time.sleep(0.1)
        self.stop()
        raise RuntimeFailed(f"the local runtime was not ready in {READY_TIMEOUT:.0f} s:\n{self.log_text(offset)[-4000:]}")

    def stop(self, timeout: float = 20.0) -> int | None:
        """Ctrl+C, as a developer would; SIGKILL only if it does not stop in time."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        code = self.process.returncode
        self.process = None
        return code

    def restart(self) -> None:
        self.stop()
        self.start()


@contextmanager
def running_runtime(data_dir: Path, *, port: int | None = None, demo: bool = True, app: str = "app:app",
                    env: dict[str, str] | None = None) -> Iterator[LocalRuntime]:
    """Start the runtime (a child process) and stop it on exit, whatever happened. Call it from
    a thread that outlives the runtime (the main thread): the runtime stops when that thread ends."""
    runtime = LocalRuntime(Path(data_dir), port or free_port(), demo=demo, app=app, env=dict(env or {}))
    runtime.start()
    try:
        yield runtime
    finally:
        runtime.stop()


# Scheduled functions run every few seconds in tests instead of every minute.
TEST_SCHEDULE_SECONDS = "2"


@pytest.fixture(scope="session")
def handover_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRuntime]:
    """The real app with demo data, started once per test session (per xdist worker)."""
    with running_runtime(tmp_path_factory.mktemp("handover-runtime"),
                         env={"HANDOVER_SCHEDULE_SECONDS": TEST_SCHEDULE_SECONDS}) as runtime:
        yield runtime
