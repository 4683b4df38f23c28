"""The HTTP APIs, one Blueprint each: `/bot/v1` (bots) and `/api` (the operator UI)."""
