"""Identifiers. Lead ids are derived from (bot, lead_ref), so a bot's request can name
its lead's key without a lookup; the rest are random."""

from __future__ import annotations

import base64
import hashlib
import secrets


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=").lower()


def lead_id(bot_id: str, lead_ref: str) -> str:
    digest = hashlib.sha256(f"{bot_id}\x00{lead_ref}".encode()).digest()
    return "ld_" + _b32(digest)[:26]


def new_bot_id() -> str:
    return "bot_" + _b32(secrets.token_bytes(10))


def new_upload_id() -> str:
    return "up_" + _b32(secrets.token_bytes(15))

