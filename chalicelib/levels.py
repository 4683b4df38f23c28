"""The levels the ops dashboard graphs: open websocket connections and waiting dialogs.

Reported once a minute by the `report_levels` schedule in app.py (gauges in CloudWatch,
see `chalicelib/observability.py`). Cost per run: one GetItem-sized BatchGetItem of the
Waiting counter and one Query per `online` shard of the connections table, whatever the
number of leads or dialogs.
"""

from __future__ import annotations

from typing import Any

from chalicelib import observability


def report_levels(current: Any = None) -> dict[str, int]:
    """Measure and report; answer what was reported. `current` is the composition root's
    `Services` (built on first use when not given)."""
    # Imported here: the handler module must not build anything at import time.
    from chalicelib.live.counts import CounterReader
    from chalicelib.runtime import services

    current = current or services()
    waiting = CounterReader().read(()).shared.get("waiting", 0)
    open_connections = len(current.connections.everyone(current.clock.now()))
    observability.gauge(observability.WAITING_DIALOGS, waiting)
    observability.gauge(observability.OPEN_CONNECTIONS, open_connections)
    return {"waiting_dialogs": waiting, "open_connections": open_connections}
