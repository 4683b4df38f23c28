"""Time, as ISO 8601 UTC strings (what ops read in the console and what the APIs speak).

Services take a `Clock` so that tests can move time by hand (reminders, expiries)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


def iso(moment: datetime) -> str:
    """2026-11-25T08:01:02.345Z: sortable as a string, so it works as a DynamoDB sort key."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to (tests and benchmarks)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
