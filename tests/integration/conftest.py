"""Integration tests run against the local runtime (DynamoDB Local, moto's server and the
local gateway in a child process), over real HTTP and real websockets.

Fixtures (session scope: one runtime per xdist worker):
- `handover_runtime`: the real app with demo data (from local_runtime.testing, imported once in
  tests/conftest.py so that integration, browser and hardening tests share one runtime per worker);
- `gateway_runtime`: the gateway around tests/integration/gateway_app.py, a small app whose
  handlers record what they receive.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local_runtime.testing import LocalRuntime, running_runtime

# Long enough that no other test of this runtime idles out under load, short enough to wait for.
GATEWAY_IDLE_SECONDS = 8


@pytest.fixture(scope="session")
def gateway_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRuntime]:
    env = {"HANDOVER_SCHEDULE_SECONDS": "0.5", "HANDOVER_WS_IDLE_SECONDS": str(GATEWAY_IDLE_SECONDS)}
    with running_runtime(tmp_path_factory.mktemp("gateway-runtime"), demo=False,
                         app="tests.integration.gateway_app:app", env=env) as runtime:
        yield runtime
