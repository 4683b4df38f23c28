"""What every benchmark needs: a local runtime with the meter, operators, a bot, statistics."""

from __future__ import annotations

import json
import math
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import requests

from local_runtime.processes import free_port
from local_runtime.settings import REGION, USER_POOL_NAME
from local_runtime.testing import LocalRuntime, running_runtime

OPERATOR_PASSWORD = "Bench-pass-1"
# DynamoDB Local keeps its data in SQLite and syncs every write to disk; on tmpfs (memory) the
# bench seeds 100,000 items in seconds instead of an hour, and no run waits on this disk's fsync.
DATA_ROOT = "/dev/shm" if Path("/dev/shm").is_dir() else None
# The in-container rate limits (chalicelib/api/rate_limits.py) are off, their documented setting for
# load benchmarks: one bench bot key and one operator send far more than a real one would. The
# limiter costs no AWS request, so the counts are the same with it on.
RATE_LIMITS_OFF = {"HANDOVER_RATE_LIMIT_BOT": "off", "HANDOVER_RATE_LIMIT_OPERATOR": "off"}


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


class Meter:
    """The meter inside the runtime process (bench/meter.py)."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"

    def reset(self) -> None:
        requests.post(f"{self.url}/meter/reset", timeout=10).raise_for_status()

    def read(self) -> dict[str, Any]:
        response = requests.get(f"{self.url}/meter", timeout=10)
        response.raise_for_status()
        return response.json()

    def schedules(self) -> list[str]:
        return requests.get(f"{self.url}/schedules", timeout=10).json()

    def invoke(self, name: str) -> float:
        response = requests.post(f"{self.url}/invoke/{name}", timeout=120)
        response.raise_for_status()
        return response.json()["ms"]


@dataclass
class Bench:
    """A running local runtime with the meter, and clients for it."""

    runtime: LocalRuntime
    meter: Meter
    http: requests.Session = field(default_factory=requests.Session)

    @property
    def url(self) -> str:
        return self.runtime.url

    @property
    def backends(self) -> dict[str, Any]:
        return self.runtime.backends

    def dynamodb(self) -> Any:
        return boto3.session.Session().client(
            "dynamodb", region_name=REGION, endpoint_url=self.backends["dynamodb_endpoint"],
            aws_access_key_id="local", aws_secret_access_key="local")

    def runtime_pid(self) -> int:
        return int(self.backends["pid"])

    # --- operators -----------------------------------------------------------------------
    def create_operators(self, usernames: Sequence[str]) -> None:
        """Operators in moto's Cognito pool, as ops would create them in AWS."""
        idp = boto3.session.Session().client(
            "cognito-idp", region_name=REGION, endpoint_url=self.backends["moto_endpoint"],
            aws_access_key_id="local", aws_secret_access_key="local")
        pools = idp.list_user_pools(MaxResults=60)["UserPools"]
        pool_id = next(p["Id"] for p in pools if p["Name"] == USER_POOL_NAME)
        for username in usernames:
            idp.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
            idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=OPERATOR_PASSWORD,
                                        Permanent=True)

    def login(self, username: str, password: str = OPERATOR_PASSWORD) -> str:
        response = self.http.post(f"{self.url}/api/auth/login", json={"username": username, "password": password},
                                  timeout=30)
        response.raise_for_status()
        return response.json()["access_token"]

    def admin_token(self) -> str:
        admin = self.runtime.operator("admin")
        return self.login(admin["username"], admin["password"])

    def call(self, method: str, path: str, token: str | None = None, body: Any = None,
             expect: Sequence[int] = (200, 201)) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.http.request(method, f"{self.url}{path}", json=body, headers=headers, timeout=60)
        if response.status_code not in expect:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response.json() if response.content else None

    def create_bot(self, name: str = "Bench bot") -> tuple[str, str]:
        """(bot id, api key) of a new bot without a webhook, created through the admin API."""
        created = self.call("POST", "/api/admin/bots", self.admin_token(), {"name": name})
        return created["bot"]["id"], created["api_key"]


@contextmanager
def bench_runtime(app: str = "bench.metered:app", env: dict[str, str] | None = None) -> Iterator[Bench]:
    """A fresh local runtime (temporary data directory, free port, no demo data) with the meter.
    Scheduled functions run at their own rate (every minute), as in AWS."""
    meter_port = free_port()
    with tempfile.TemporaryDirectory(prefix="handover-bench-", dir=DATA_ROOT) as data_dir:
        full_env = {"BENCH_METER_PORT": str(meter_port), **RATE_LIMITS_OFF, **(env or {})}
        with running_runtime(Path(data_dir), demo=False, app=app, env=full_env) as runtime:
            yield Bench(runtime, Meter(meter_port))


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class Bot:
    """A bot through the public bot API."""

    def __init__(self, bench: Bench, api_key: str) -> None:
        self.bench = bench
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {api_key}"

    def _check(self, response: requests.Response) -> Any:
        if response.status_code >= 300:
            raise RuntimeError(f"{response.request.method} {response.url}: {response.status_code} {response.text[:300]}")
        return response.json()

    def lead(self, ref: str, **fields: Any) -> dict[str, Any]:
        fields.setdefault("name", f"Lead {ref}")
        return self._check(self.http.put(f"{self.bench.url}/bot/v1/leads/{ref}", json=fields, timeout=30))

    def say(self, ref: str, text: str, sender: str = "lead", message_id: str | None = None) -> dict[str, Any]:
        body = {"id": message_id or uuid.uuid4().hex, "from": sender, "text": text}
        return self._check(self.http.post(f"{self.bench.url}/bot/v1/leads/{ref}/messages", json=body, timeout=30))

    def handoff(self, ref: str) -> dict[str, Any]:
        return self._check(self.http.post(f"{self.bench.url}/bot/v1/leads/{ref}/handoff", json={}, timeout=30))


def machine() -> dict[str, Any]:
    """The machine the numbers come from (for the README's table)."""
    import os
    import platform

    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gb = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    load = os.getloadavg()
    return {"cpu": model, "cores": os.cpu_count(), "memory_gb": round(memory_gb, 1),
            "python": platform.python_version(), "kernel": platform.release(),
            "load_average_at_start": [round(x, 2) for x in load],
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def dump(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
