"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

`webhook-signature` is `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`; the key is
the base64 part of the bot's `whsec_...` secret, decoded. During a secret rotation the
previous secret signs too, space-separated, so a bot verifying with either one passes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

SECRET_PREFIX = "whsec_"


def secret_key(secret: str) -> bytes:
    encoded = secret[len(SECRET_PREFIX):] if secret.startswith(SECRET_PREFIX) else secret
    return base64.b64decode(encoded)


def signature(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{event_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(event_id: str, timestamp: int, body: bytes, secrets: list[str]) -> dict[str, str]:
    signatures = " ".join(signature(secret, event_id, timestamp, body) for secret in secrets if secret)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signatures,
        "content-type": "application/json",
        "user-agent": "Handover-Webhooks/1",
    }
