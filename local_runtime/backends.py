"""The AWS stand-ins behind the gateway: DynamoDB Local (persistent) and moto's server
(S3 and Cognito, in memory). Both are child processes on free ports of 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from local_runtime.install import find_dynamodb_local, find_java, install_dynamodb_local, install_java
from local_runtime.processes import free_port, port_open, spawn, stop, wait_until


@dataclass
class Backends:
    dynamodb_port: int
    moto_port: int
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def dynamodb_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.dynamodb_port}"

    @property
    def moto_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.moto_port}"

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            stop(process)


def start_backends(data_dir: Path) -> Backends:
    """Start both children at once (they boot in parallel) and wait for both."""
    java = find_java() or install_java()
    jar_dir = find_dynamodb_local() or install_dynamodb_local()
    logs = data_dir / "logs"
    backends = Backends(free_port(), free_port())
    db_dir = data_dir / "dynamodb"
    db_dir.mkdir(parents=True, exist_ok=True)
    try:
        # -sharedDb: one database file whatever the credentials and region of the caller.
        # DynamoDB Local binds every interface (it has no host flag); its port is a free one.
        dynamodb = spawn(
            [java, "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
             f"-Djava.library.path={jar_dir / 'DynamoDBLocal_lib'}",
             "-jar", str(jar_dir / "DynamoDBLocal.jar"),
             "-disableTelemetry", "-sharedDb", "-port", str(backends.dynamodb_port), "-dbPath", str(db_dir)],
            logs / "dynamodb-local.log", cwd=jar_dir,
        )
        backends.processes.append(dynamodb)
        moto_env = {**os.environ,
                    # Pool ids derived from the pool's name: the same id at every start.
                    "MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY": "HASH",
                    # Check TOTP codes (moto takes any code otherwise). moto's secret is one fixed
                    # value for every user; the codes are real RFC 6238 codes of it.
                    "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true"}
        moto = spawn([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(backends.moto_port)],
                     logs / "moto.log", env=moto_env)
        backends.processes.append(moto)
        wait_until(lambda: _moto_ready(backends.moto_endpoint), moto, "moto server", logs / "moto.log")
        wait_until(lambda: port_open(backends.dynamodb_port), dynamodb, "DynamoDB Local", logs / "dynamodb-local.log")
    except BaseException:
        backends.stop()
        raise
    return backends


def _moto_ready(endpoint: str) -> bool:
    with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=1) as response:
        return response.status == 200
