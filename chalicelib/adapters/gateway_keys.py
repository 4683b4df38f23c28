"""The bots' API Gateway API keys, one per bot, in the bots' usage plan (docs/security.md,
"Per-bot limits"). The usage plan throttles each key on its own, in API Gateway, so a bot's
limit holds however many Lambda containers serve it.

A bot's API Gateway key is named after the bot (its id) and its value is the SHA-256 of the
bot's key secret: the same hash the bots table stores, and what the authorizer
(chalicelib/api/bot_authorizer.py) answers as `usageIdentifierKey`. So the key's value is no
secret of its own (the API takes keys only from the authorizer, never from an `x-api-key`
header) and every bot's key can be rebuilt from the table (`sync`).

API Gateway's control plane allows a few calls per second per account: this runs on admin
actions only (create, rotate, enable, disable), never on a bot's request.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from chalicelib.adapters.aws import client
from chalicelib.config import Settings


class GatewayKeys(Protocol):
    def add(self, bot_id: str, value: str, enabled: bool) -> str: ...

    def drop_others(self, bot_id: str, keep: str) -> None: ...

    def replace(self, bot_id: str, value: str, enabled: bool) -> None: ...

    def set_enabled(self, bot_id: str, enabled: bool) -> None: ...


class NoGatewayKeys:
    """Where there is no API Gateway (tests, the local runtime, whose gateway process limits
    each bot itself: local_runtime/throttle.py)."""

    def add(self, bot_id: str, value: str, enabled: bool) -> str:
        return ""

    def drop_others(self, bot_id: str, keep: str) -> None:
        pass

    def replace(self, bot_id: str, value: str, enabled: bool) -> None:
        pass

    def set_enabled(self, bot_id: str, enabled: bool) -> None:
        pass


class ApiGatewayKeys:
    def __init__(self, settings: Settings, apigateway: Any = None) -> None:
        self.settings = settings
        self._apigateway = apigateway
        self._plan_id: str | None = None
        self._lock = threading.Lock()

    def _client(self) -> Any:
        if self._apigateway is None:
            self._apigateway = client("apigateway", settings=self.settings)
        return self._apigateway

    def _usage_plan_id(self) -> str:
        # Found by name, once per container: the plan's id cannot be handed to the function by
        # infra/ (the plan needs the API's stage, which needs this function: a cycle).
        with self._lock:
            if self._plan_id is None:
                name = self.settings.bot_usage_plan
                pages = self._client().get_paginator("get_usage_plans").paginate()
                found = [plan["id"] for page in pages for plan in page.get("items", []) if plan.get("name") == name]
                if len(found) != 1:
                    raise RuntimeError(f"expected one API Gateway usage plan named {name!r}, found {len(found)}")
                self._plan_id = found[0]
            return self._plan_id

    def _keys_of(self, bot_id: str) -> list[dict[str, Any]]:
        # nameQuery matches a prefix: keep the exact names only.
        pages = self._client().get_paginator("get_api_keys").paginate(nameQuery=bot_id, includeValues=False)
        return [key for page in pages for key in page.get("items", []) if key.get("name") == bot_id]

    def add(self, bot_id: str, value: str, enabled: bool) -> str:
        """A new key of the bot, in the bots' usage plan; its id."""
        gateway = self._client()
        key = gateway.create_api_key(name=bot_id, value=value, enabled=enabled,
                                     description="Handover bot key (value: SHA-256 of the key secret)")
        gateway.create_usage_plan_key(usagePlanId=self._usage_plan_id(), keyId=key["id"], keyType="API_KEY")
        return str(key["id"])

    def drop_others(self, bot_id: str, keep: str) -> None:
        """Delete the bot's keys but `keep` (after a rotation: the old key stops working)."""
        for key in self._keys_of(bot_id):
            if key["id"] != keep:
                # Out of the plan first: AWS does that with the key, moto does not (and an
                # explicit step says what happens).
                try:
                    self._client().delete_usage_plan_key(usagePlanId=self._usage_plan_id(), keyId=key["id"])
                except self._client().exceptions.NotFoundException:
                    pass  # a key that was never in the plan (a half-done create)
                self._client().delete_api_key(apiKey=key["id"])

    def replace(self, bot_id: str, value: str, enabled: bool) -> None:
        """The new key first, then the old ones go: the bot is never without a key."""
        self.drop_others(bot_id, self.add(bot_id, value, enabled))

    def set_enabled(self, bot_id: str, enabled: bool) -> None:
        for key in self._keys_of(bot_id):
            self._client().update_api_key(apiKey=key["id"], patchOperations=[
                {"op": "replace", "path": "/enabled", "value": "true" if enabled else "false"}])


def gateway_keys(settings: Settings) -> GatewayKeys:
    return ApiGatewayKeys(settings) if settings.bot_usage_plan else NoGatewayKeys()
