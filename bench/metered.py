"""The Handover app exactly as app.py builds it, with the bench meter installed (bench/meter.py).

The local runtime loads it with `HANDOVER_APP=bench.metered:app`: every route, websocket handler,
schedule and stream handler is app.py's own; the meter only observes them.
"""

from app import app
from bench.meter import install

install(app)

__all__ = ["app"]
