"""The demo: what makes a fresh local runtime look like a contact center at work, so that a
person can try Handover at once. It is not part of the emulator (the flat modules of
local_runtime/, one per AWS piece) and nothing of it exists in AWS.

- `bot.py`: the demo bot, a small reference bot on the public bot API and its webhooks; it is
  also the lead simulator's back end (`/demo-bot/...`).
- `data.py`, `files.py`: the demo leads in all three dialog states, with history and
  attachments (the files are made in code).
- `simulator/`: the lead simulator page, served at `/demo/`.

The dependency points one way. The demo uses the emulator's settings and the app's public API;
the emulator never imports the demo except in one place, `runtime.py`, and only through this
module: it serves `SIMULATOR_DIR` at `/demo/`, and unless the demo is off (`--no-demo`,
`HANDOVER_DEMO=0`) it mounts `Demo.routes()` before the gateway serves and calls
`Demo.start()` once it serves.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp import web

SIMULATOR_DIR = Path(__file__).resolve().parent / "simulator"


class Demo:
    """The demo bot and its data, as the runtime starts and stops them."""

    def __init__(self, url: str, data_dir: Path) -> None:
        from local_runtime.demo.bot import DemoBot

        self.url = url
        self.data_dir = data_dir
        self.bot = DemoBot(url, data_dir)

    def routes(self) -> list[web.RouteDef]:
        return self.bot.routes()

    async def start(self, moto_endpoint: str) -> dict[str, Any]:
        """Once the gateway serves: the demo bot registered (or found again), then the demo
        leads not seeded yet. Returns the bot's credentials for local-credentials.json."""
        from local_runtime.demo.data import seed_demo

        credentials = await asyncio.to_thread(self.bot.ensure_registered)
        await seed_demo(self.url, credentials["api_key"], self.data_dir, moto_endpoint)
        return credentials

    async def close(self) -> None:
        await self.bot.close()
