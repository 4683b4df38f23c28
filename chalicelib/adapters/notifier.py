"""Pushes frames to websocket connections through API Gateway's management API
(`POST /@connections/{id}`), the same way in AWS and in the local runtime.

The endpoint comes from configuration (HANDOVER_WS_MANAGEMENT_ENDPOINT; in AWS
`https://{api id}.execute-api.{region}.amazonaws.com/{stage}`), so that pushes work from
any Lambda, not only from inside a websocket handler where Chalice knows the endpoint.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.aws import client
from chalicelib.config import Settings
from chalicelib.text import dumps

logger = logging.getLogger("handover.live")

# API Gateway refuses websocket frames over 128 KB.
MAX_FRAME_BYTES = 128 * 1024


class Gone(Exception):
    """The connection no longer exists: its record must be deleted."""


class Notifier(Protocol):
    def push(self, connection_id: str, frame: dict[str, Any]) -> bool:
        """Send one frame; False if it could not be sent (logged). Raises `Gone`."""
        ...


class Closer(Protocol):
    def close(self, connection_id: str) -> bool:
        """Close the connection from the server side; True if it is closed (or already gone)."""
        ...


def encode(frame: dict[str, Any]) -> bytes:
    # A lone surrogate in stored text (written before the edge refused them) goes out as
    # U+FFFD: one bad lead must not fail the pushes of a whole fan-out.
    return dumps(frame, compact=True).encode("utf-8")


def _is_gone(error: ClientError) -> bool:
    # boto3 names the error GoneException only when API Gateway sets the header
    # `x-amzn-ErrorType: GoneException`; a bare 410 arrives as an error code "410".
    code = error.response.get("Error", {}).get("Code")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in ("GoneException", "410") or status == 410


class ManagementApiNotifier:
    """The real notifier. `management` is an `apigatewaymanagementapi` client; by default
    one is created on first use from configuration (never at import)."""

    def __init__(self, settings: Settings, management: Any = None) -> None:
        self.settings = settings
        self._management = management

    def _client(self) -> Any:
        if self._management is None:
            endpoint = self.settings.ws_management_endpoint
            if not endpoint:
                raise RuntimeError("HANDOVER_WS_MANAGEMENT_ENDPOINT is not configured")
            self._management = client("apigatewaymanagementapi", endpoint=endpoint, settings=self.settings)
        return self._management

    def push(self, connection_id: str, frame: dict[str, Any]) -> bool:
        data = encode(frame)
        if len(data) > MAX_FRAME_BYTES:
            logger.error("frame %s of %d bytes is over API Gateway's limit; not sent", frame.get("type"), len(data))
            return False
        try:
            self._client().post_to_connection(ConnectionId=connection_id, Data=data)
        except ClientError as error:
            if _is_gone(error):
                raise Gone(connection_id) from None
            logger.warning("push to %s failed: %s", connection_id, error)
            return False
        except BotoCoreError as error:
            logger.warning("push to %s failed: %s", connection_id, error)
            return False
        return True

    def close(self, connection_id: str) -> bool:
        """`DELETE /@connections/{id}`: API Gateway closes the socket (and then calls
        `$disconnect`, which forgets the record). A connection already gone counts as closed."""
        try:
            self._client().delete_connection(ConnectionId=connection_id)
        except ClientError as error:
            if _is_gone(error):
                return True
            logger.warning("close of %s failed: %s", connection_id, error)
            return False
        except BotoCoreError as error:
            logger.warning("close of %s failed: %s", connection_id, error)
            return False
        return True
