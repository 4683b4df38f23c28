"""Runs every `@app.schedule` function on its rate, as EventBridge would: the first run
one period after the start, then every period. `HANDOVER_SCHEDULE_SECONDS` replaces
every rate (tests use it to see a per-minute function run within seconds)."""

from __future__ import annotations

import asyncio
import logging
import re
import time

from chalice.app import Rate, ScheduledEventConfig

from local_runtime import events
from local_runtime.invoker import Invoker, background, log_line

log = logging.getLogger("local_runtime")

_UNIT_SECONDS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


def period_of(expression: object) -> float | None:
    """Seconds between runs for a rate; None for a cron expression (not emulated)."""
    if isinstance(expression, Rate):
        return expression.value * _UNIT_SECONDS[expression.unit.lower()]
    text = expression.to_string() if hasattr(expression, "to_string") else str(expression)
    match = re.fullmatch(r"rate\((\d+) (minutes?|hours?|days?)\)", text.strip())
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)] if match else None


def scheduled_functions(invoker: Invoker) -> list[ScheduledEventConfig]:
    return [source for source in invoker.app.event_sources if isinstance(source, ScheduledEventConfig)]


class Scheduler:
    def __init__(self, invoker: Invoker, region: str, override_seconds: float | None) -> None:
        self.invoker = invoker
        self.region = region
        self.override_seconds = override_seconds
        self.tasks: list[asyncio.Task] = []

    def start(self) -> None:
        for source in scheduled_functions(self.invoker):
            period = self.override_seconds or period_of(source.schedule_expression)
            if period is None:
                log.warning("schedule %s: cron expressions are not run locally; set HANDOVER_SCHEDULE_SECONDS",
                            source.name)
                continue
            self.tasks.append(background(self._every(source.name, period)))

    async def _every(self, name: str, period: float) -> None:
        next_run = time.monotonic() + period
        while True:
            await asyncio.sleep(max(0.0, next_run - time.monotonic()))
            next_run += period
            started = time.perf_counter()
            try:
                await self.invoker.invoke(name, events.scheduled_event(f"handover-{name}", self.region))
                log_line("SCHEDULE", name, "ok", started)
            except Exception:
                log.exception("scheduled function %s failed", name)
                log_line("SCHEDULE", name, "error", started)
            # Like EventBridge, runs do not pile up behind a slow one: skip missed periods.
            while next_run < time.monotonic():
                next_run += period

    def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
