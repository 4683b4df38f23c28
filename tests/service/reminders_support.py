"""The live-events harness with the real notification state wired in (the reminders' tests)."""

from __future__ import annotations

from chalicelib.bootstrap import build_notifications
from chalicelib.config import get_settings
from chalicelib.live.fanout import Fanout
from tests.service.live_support import Harness, build_harness


def build_reminders_harness() -> Harness:
    """Call inside the `aws` fixture. The live pushes report to the notification state, the
    websocket side tells it about visibility and disconnects, and the tick pushes through
    the same fake management API as every other push."""
    harness = build_harness()
    services = harness.services
    notifier = services.live.notifier
    notifications = build_notifications(get_settings(), harness.clock, services.store, harness.connections,
                                        Fanout(notifier, harness.connections, max_workers=1))
    services.notifications = notifications
    services.live.presence = notifications.state
    harness.pushes.observer = notifications.state
    return harness


def reminders_of(harness: Harness, name: str) -> list[dict]:
    return [frame for frame in harness.frames(name) if frame["type"] == "reminder"]
