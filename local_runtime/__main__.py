"""`python -m local_runtime [--port N] [--data-dir DIR] [--no-demo]` (what `make run` runs)."""

from __future__ import annotations

import asyncio
import os

from local_runtime.runtime import serve
from local_runtime.settings import parse_options


def main() -> None:
    options = parse_options()
    # HANDOVER_APP names another Chalice app (`module:attribute`); the integration tests'
    # gateway tests use a small one of their own.
    raise SystemExit(asyncio.run(serve(options, os.environ.get("HANDOVER_APP") or "app:app")))


if __name__ == "__main__":
    main()
