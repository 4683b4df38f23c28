"""Bot API keys and webhook secrets.

A key reads `hbk.<bot id>.<secret>`: the bot id lets a request load its bot with a key
lookup (no index, no table scan), and only a SHA-256 of the secret part is stored, so a leaked
table does not leak keys. Webhook secrets follow Standard Webhooks (`whsec_` + base64).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import msgspec

KEY_PREFIX = "hbk"


class ApiKey(msgspec.Struct, frozen=True):
    bot_id: str
    secret: str

    @property
    def value(self) -> str:
        return f"{KEY_PREFIX}.{self.bot_id}.{self.secret}"

    @property
    def hash(self) -> str:
        return hash_secret(self.secret)

    @property
    def hint(self) -> str:
        return self.secret[-4:]


def new_api_key(bot_id: str) -> ApiKey:
    return ApiKey(bot_id, secrets.token_urlsafe(32))


def parse_api_key(value: str) -> ApiKey | None:
    parts = value.split(".")
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or len(parts[2]) < 16:
        return None
    return ApiKey(parts[1], parts[2])


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def key_matches(key: ApiKey, stored_hash: str) -> bool:
    return hmac.compare_digest(key.hash, stored_hash)


def new_webhook_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
