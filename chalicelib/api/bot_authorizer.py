"""The bot API's Lambda authorizer in AWS: it names the caller's API Gateway API key, so that
the bots' usage plan throttles each bot across every Lambda container (docs/security.md,
"Per-bot limits").

API Gateway calls it with the `Authorization` header (a TOKEN authorizer) and caches the answer
per header value for BOT_KEY_CACHE_SECONDS, so a busy bot costs one call per key every five
minutes, not one per request. It does no I/O: the answer's `usageIdentifierKey` is the SHA-256
of the key's secret, which is the value of the bot's API Gateway API key
(chalicelib/adapters/gateway_keys.py) as it is the hash the bots table stores. A key that is
wrong, unknown, disabled or rotated away names no enabled API key, so API Gateway answers 401
itself (INVALID_API_KEY, templated in infra/bot_limits.py) before any Lambda of the app runs.
The app still verifies the key against the bots table on every request (defence in depth).

Chalice's own `@app.authorizer` is not used: its AuthResponse has no `usageIdentifierKey`, and
Chalice's local mode runs authorizers in front of every route, which would change what the local
runtime and the test client answer (a deep JSON body without a key is a 400 today). This is a
plain function; infra/ wires it into the REST API's OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.credentials import hash_secret, parse_api_key

BOT_KEY_CACHE_SECONDS = 300
# Every bot route, whatever the method: API Gateway caches the policy per token, so the one
# answer must allow all of them (else the second route a bot calls would be refused from cache).
BOT_ROUTES = "*/bot/v1/*"


def presented_key(authorization: str | None) -> str:
    """The key part of `Bearer <key>` (what is left if the scheme is missing)."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else (authorization or "").strip()


def usage_identifier(authorization: str | None) -> str:
    """The API Gateway API key value this header stands for: the SHA-256 of the key's secret.
    Anything that is not a bot key still gets a hash (of itself), which names no API key."""
    token = presented_key(authorization)
    key = parse_api_key(token)
    return key.hash if key is not None else hash_secret(token)


def authorize(event: dict[str, Any]) -> dict[str, Any]:
    """A TOKEN authorizer's answer: allow the bot routes, count them against the bot's key."""
    token = presented_key(event.get("authorizationToken"))
    key = parse_api_key(token)
    # arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/<path>
    prefix, _, resource = str(event.get("methodArn", "")).partition(":execute-api:")
    region_account_api_stage = "/".join(resource.split("/")[:2])
    return {
        "principalId": key.bot_id if key is not None else "unknown",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{
                "Action": "execute-api:Invoke",
                "Effect": "Allow",
                "Resource": [f"{prefix}:execute-api:{region_account_api_stage}/{BOT_ROUTES}"],
            }],
        },
        "usageIdentifierKey": usage_identifier(event.get("authorizationToken")),
        "context": {"bot_id": key.bot_id if key is not None else ""},
    }
