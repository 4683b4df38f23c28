"""The scheduled function's body: `app.py` declares `@app.schedule(Rate(1, MINUTES))` and
calls `on_tick` in one line."""

from __future__ import annotations

import logging
from typing import Any

from chalicelib import runtime

logger = logging.getLogger("handover.notifications")


def on_tick(event: Any = None) -> dict[str, int]:
    """Reminders, then the waiting-room escalation; one failing does not stop the other."""
    notifications = runtime.services().notifications
    done = {"reminders": 0, "escalated": 0}
    try:
        done["reminders"] = notifications.reminders.tick()
    except Exception:
        logger.exception("reminders failed")
    try:
        done["escalated"] = notifications.escalation.tick()
    except Exception:
        logger.exception("waiting-room escalation failed")
    return done
