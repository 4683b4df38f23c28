"""Child processes of the local runtime (DynamoDB Local, moto's server) and free ports.

Every child is started with PR_SET_PDEATHSIG on Linux: if the runtime dies, even by
SIGKILL, the kernel stops its children, so no java is ever left running.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

_PR_SET_PDEATHSIG = 1


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def die_with_parent(signum: int = signal.SIGKILL) -> Callable[[], None]:
    """A preexec_fn: the child gets `signum` when the thread that started it exits."""

    def preexec() -> None:
        # Runs in the child between fork and exec. A new process group keeps a terminal's
        # Ctrl+C from reaching the child before its parent has stopped using it.
        os.setpgrp()
        if sys.platform.startswith("linux"):
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signum)

    return preexec


def spawn(args: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.Popen:
    log.parent.mkdir(parents=True, exist_ok=True)
    out: IO[bytes] = open(log, "ab")
    try:
        return subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env, cwd=cwd, preexec_fn=die_with_parent(),
        )
    finally:
        out.close()


def stop(process: subprocess.Popen | None, timeout: float = 5.0) -> None:
    """Stop a child and wait for it; SIGKILL if it does not go within `timeout`."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


def wait_until(ready: Callable[[], bool], process: subprocess.Popen, what: str, log: Path, timeout: float = 30.0) -> None:
    """Poll `ready()` until it answers True; fail early (with the child's log) if the child exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode}; its log:\n{_tail(log)}")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{what} was not ready within {timeout:.0f} s; its log:\n{_tail(log)}")


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
