"""The websocket API of the local gateway, as API Gateway runs it.

- `GET /ws` upgrades only after the app's `$connect` handler answered 2xx; any other
  status is sent back as the HTTP answer to the handshake and no websocket is opened.
- Every message frame becomes a `$default` event (or the route named by its `action`,
  if the app declared one); a failing handler makes the client receive API Gateway's
  `{"message": "Internal server error", ...}` frame.
- Closing from either side runs `$disconnect`.
- The management API `POST|GET|DELETE /@connections/{id}` (what boto3's
  `apigatewaymanagementapi` client calls) answers 410 with `x-amzn-ErrorType:
  GoneException` for a connection that is not open, refuses payloads over 128 KB and
  closes idle connections (10 minutes by default) and any after 2 hours.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from local_runtime import events
from local_runtime.invoker import Invoker, log_line

log = logging.getLogger("local_runtime")

# API Gateway quotas: a message (and a management POST) is at most 128 KB.
MAX_PAYLOAD = 128 * 1024
MAX_CONNECTION_SECONDS = 2 * 60 * 60
# Status codes and reasons API Gateway reports in $disconnect events.
GOING_AWAY = 1001


@dataclass
class Connection:
    id: str
    ws: web.WebSocketResponse
    connected_at: int
    source_ip: str
    user_agent: str
    domain_name: str
    last_active: float = field(default_factory=time.monotonic)
    transport: Any = None
    closing: bool = False
    # Dropped without a $disconnect event (a test hook: AWS documents $disconnect as best effort).
    vanished: bool = False
    close_code: int = GOING_AWAY
    close_reason: str = ""

    def touch(self) -> None:
        self.last_active = time.monotonic()


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class WebsocketApi:
    def __init__(self, invoker: Invoker, idle_seconds: float, test_hooks: bool = False) -> None:
        self.invoker = invoker
        self.idle_seconds = idle_seconds
        self.test_hooks = test_hooks
        self.connections: dict[str, Connection] = {}
        self._handlers = {route: config.name for route, config in invoker.app.websocket_handlers.items()}

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/ws", self.handshake),
            web.post("/@connections/{connection_id}", self.post_to_connection),
            web.get("/@connections/{connection_id}", self.get_connection),
            web.delete("/@connections/{connection_id}", self.delete_connection),
        ] + ([
            web.get("/_local/connections", self.list_connections),
            web.post("/_local/connections/{connection_id}/vanish", self.vanish),
        ] if self.test_hooks else [])

    # -- the websocket itself -------------------------------------------------------------

    async def handshake(self, request: web.Request) -> web.StreamResponse:
        if not web.WebSocketResponse().can_prepare(request).ok:
            return web.json_response({"message": "Upgrade Required"}, status=426)
        connection_id = events.new_connection_id()
        connected_at = int(time.time() * 1000)
        source_ip = request.remote or "127.0.0.1"
        domain_name = request.host
        started = time.perf_counter()
        status, headers, body = 200, {}, ""
        if "$connect" in self._handlers:
            event = events.connect_event(
                connection_id=connection_id, connected_at=connected_at, domain_name=domain_name,
                headers=list(request.headers.items()), query=list(request.query.items()), source_ip=source_ip)
            try:
                answer = await self.invoker.invoke(self._handlers["$connect"], event) or {}
                status = int(answer.get("statusCode", 200))
                headers = dict(answer.get("headers") or {})
                body = answer.get("body") or ""
            except Exception:
                log.exception("$connect handler failed")
                status, body = 500, json.dumps({"message": "Internal server error"})
        log_line("WS", f"$connect {connection_id}", status, started)
        if not 200 <= status < 300:
            # API Gateway refuses the upgrade and answers the handshake with the status.
            return web.Response(status=status, text=body if isinstance(body, str) else "",
                                content_type="application/json")
        protocol = headers.get("Sec-WebSocket-Protocol") or headers.get("sec-websocket-protocol")
        ws = web.WebSocketResponse(protocols=(protocol,) if protocol else (), max_msg_size=MAX_PAYLOAD,
                                   autoping=True, heartbeat=None)
        connection = Connection(connection_id, ws, connected_at, source_ip,
                                request.headers.get("User-Agent", ""), domain_name, transport=request.transport)
        try:
            await ws.prepare(request)
        except (ConnectionError, RuntimeError, web.HTTPException):
            # The client left between $connect and the upgrade: the app still hears $disconnect.
            await self._disconnect(connection, 1006, "Connection closed abnormally")
            raise
        self.connections[connection_id] = connection
        watchdog = asyncio.create_task(self._watch(connection))
        status_code, reason = 1005, "Client-side close frame status not set"
        try:
            async for message in ws:
                if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    connection.touch()
                    await self._message(connection, message.data)
                elif message.type == WSMsgType.ERROR:
                    status_code, reason = 1006, "Connection closed abnormally"
                    break
            if connection.closing:
                status_code, reason = connection.close_code, connection.close_reason
            elif ws.close_code == WSCloseCode.MESSAGE_TOO_BIG:
                status_code, reason = 1009, "Message too big"
            elif ws.close_code and ws.close_code not in (1005, WSCloseCode.ABNORMAL_CLOSURE):
                status_code, reason = ws.close_code, f"Client-side close frame status set to {ws.close_code}"
        finally:
            watchdog.cancel()
            self.connections.pop(connection_id, None)
            if not connection.vanished:
                await self._disconnect(connection, status_code, reason)
        return ws

    async def _message(self, connection: Connection, data: str | bytes) -> None:
        route = self._route_for(data)
        started = time.perf_counter()
        if route is None:
            # No route: API Gateway answers the client and calls nothing.
            await self._send_quietly(connection, json.dumps(
                {"message": "Forbidden", "connectionId": connection.id, "requestId": events.new_connection_id()}))
            log_line("WS", f"(no route) {connection.id}", 403, started)
            return
        event = events.message_event(route_key=route, connection_id=connection.id,
                                     connected_at=connection.connected_at, domain_name=connection.domain_name,
                                     body=data, source_ip=connection.source_ip)
        try:
            answer = await self.invoker.invoke(self._handlers[route], event) or {}
            status = int(answer.get("statusCode", 200)) if isinstance(answer, dict) else 200
        except Exception:
            log.exception("%s handler failed", route)
            status = 500
            await self._send_quietly(connection, json.dumps({
                "message": "Internal server error", "connectionId": connection.id,
                "requestId": event["requestContext"]["requestId"]}))
        log_line("WS", f"{route} {connection.id}", status, started)

    def _route_for(self, data: str | bytes) -> str | None:
        # Chalice declares the route selection expression `$request.body.action`.
        if isinstance(data, str):
            try:
                action = json.loads(data).get("action")
            except (ValueError, AttributeError, RecursionError):
                # A frame API Gateway cannot read the action of (deep JSON included, which
                # here would otherwise end the connection) goes to $default, like any other.
                action = None
            if isinstance(action, str) and action in self._handlers and not action.startswith("$"):
                return action
        return "$default" if "$default" in self._handlers else None

    async def _disconnect(self, connection: Connection, status_code: int, reason: str) -> None:
        if "$disconnect" not in self._handlers:
            return
        started = time.perf_counter()
        event = events.disconnect_event(connection_id=connection.id, connected_at=connection.connected_at,
                                        domain_name=connection.domain_name, status_code=status_code,
                                        reason=reason, source_ip=connection.source_ip)
        try:
            await self.invoker.invoke(self._handlers["$disconnect"], event)
            status = 200
        except Exception:
            log.exception("$disconnect handler failed")
            status = 500
        log_line("WS", f"$disconnect {connection.id}", status, started, f"({status_code})")

    async def _watch(self, connection: Connection) -> None:
        """API Gateway's idle timeout and maximum connection duration."""
        opened = time.monotonic()
        while True:
            now = time.monotonic()
            idle_left = self.idle_seconds - (now - connection.last_active)
            life_left = MAX_CONNECTION_SECONDS - (now - opened)
            if idle_left <= 0 or life_left <= 0:
                await self._close(connection, GOING_AWAY, "Going away")
                return
            await asyncio.sleep(min(idle_left, life_left) + 0.01)

    async def _close(self, connection: Connection, code: int, reason: str) -> None:
        connection.closing = True
        connection.close_code = code
        connection.close_reason = reason
        await connection.ws.close(code=code, message=reason.encode())

    async def _send_quietly(self, connection: Connection, text: str) -> None:
        try:
            await connection.ws.send_str(text)
        except (ConnectionError, RuntimeError):
            pass

    async def close_all(self) -> None:
        for connection in list(self.connections.values()):
            await self._close(connection, GOING_AWAY, "Going away")

    # -- test hooks (HANDOVER_TEST_HOOKS=1 only) -------------------------------------------------

    async def list_connections(self, request: web.Request) -> web.Response:
        return web.json_response({"items": [{"connection_id": c.id, "connected_at": c.connected_at}
                                            for c in self.connections.values()]})

    async def vanish(self, request: web.Request) -> web.Response:
        """Cut a connection's TCP stream and skip its $disconnect, as when API Gateway's
        best-effort $disconnect never reaches the app: the app must cope through GoneException."""
        connection = self.connections.get(request.match_info["connection_id"])
        if connection is None:
            return self._error(410, "GoneException", None)
        connection.vanished = True
        if connection.transport is not None:
            connection.transport.close()
        return web.Response(status=204)

    # -- the management API ---------------------------------------------------------------

    def _open(self, request: web.Request) -> Connection | None:
        connection = self.connections.get(request.match_info["connection_id"])
        if connection is None or connection.closing or connection.ws.closed:
            return None
        return connection

    @staticmethod
    def _error(status: int, error_type: str, message: str | None) -> web.Response:
        # boto3 maps the error to its exception class by this header alone.
        return web.json_response({"message": message}, status=status, headers={"x-amzn-ErrorType": error_type})

    async def post_to_connection(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        connection_id = request.match_info["connection_id"]
        data = await request.read()
        connection = self._open(request)
        if len(data) > MAX_PAYLOAD:
            response = self._error(413, "PayloadTooLargeException", f"Payload too large: {len(data)} bytes")
        elif connection is None:
            response = self._error(410, "GoneException", None)
        else:
            try:
                try:
                    await connection.ws.send_str(data.decode("utf-8"))
                except UnicodeDecodeError:
                    await connection.ws.send_bytes(data)
                response = web.Response(status=200)
            except (ConnectionError, RuntimeError):
                response = self._error(410, "GoneException", None)
        log_line("MGMT", f"POST @connections/{connection_id}", response.status, started, f"{len(data)}B")
        return response

    async def get_connection(self, request: web.Request) -> web.Response:
        connection = self._open(request)
        if connection is None:
            return self._error(410, "GoneException", None)
        idle_for = time.monotonic() - connection.last_active
        return web.json_response({
            "connectedAt": _iso(connection.connected_at / 1000),
            "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent},
            "lastActiveAt": _iso(time.time() - idle_for),
        })

    async def delete_connection(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        connection = self._open(request)
        if connection is None:
            response = self._error(410, "GoneException", None)
        else:
            await self._close(connection, WSCloseCode.OK, "Connection deleted")
            response = web.Response(status=204)
        log_line("MGMT", f"DELETE @connections/{request.match_info['connection_id']}", response.status, started)
        return response
