"""The HTTP side of the local gateway: the REST routes through Chalice's LocalGateway,
the static operator UI at `/`, its `config.json`, and other static pages under a prefix
(the runtime serves the demo's lead simulator at `/demo/`).

What the gateway refuses itself, before the app runs, it answers like the app's errors:
JSON `{"error": {"code", "message"}}`, with the status API Gateway gives (docs/local-runtime.md,
"Errors the gateway answers"): a body over 10 MB is 413 `request_too_large`, headers over
API Gateway's 10,240 bytes 431 `request_header_fields_too_large`, a path or method no route
declares 403 `missing_authentication_token`, an integration over 29 s 504
`integration_timeout`, a request the HTTP parser cannot read 400 `bad_request`. (aiohttp
would answer most of these in text/plain.)
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import logging
import mimetypes
import time
from pathlib import Path
from typing import Any

from aiohttp import http_exceptions, web, web_protocol
from chalice.local import LocalGatewayException, RouteMatcher

from local_runtime.invoker import Invoker, log_line
from local_runtime.throttle import BotThrottle

log = logging.getLogger("local_runtime")

# API Gateway refuses REST payloads over 10 MB and answers 504 after 29 s.
MAX_REST_BODY = 10 * 1024 * 1024
INTEGRATION_TIMEOUT_SECONDS = 29.0
# API Gateway's quota on "the total combined size of request line and header values".
MAX_HEADER_BYTES = 10 * 1024
# aiohttp's parser refuses a header line over 8,190 bytes by default, before the quota above
# can be checked: it reads up to this much, and the gateway answers the rest.
PARSER_LIMIT = 64 * 1024


def gateway_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """An error the gateway answers itself, in the app's error shape."""
    return web.json_response({"error": {"code": code, "message": message}}, status=status, headers=headers)


def header_bytes(request: web.BaseRequest) -> int:
    line = len(request.method) + len(request.raw_path) + len("HTTP/1.1") + 2
    return line + sum(len(name) + len(value) for name, value in request.raw_headers)


@web.middleware
async def api_gateway_limits(request: web.Request, handler: Any) -> web.StreamResponse:
    """API Gateway's limits on what reaches a route: headers first, then the body's length."""
    refusal = None
    if header_bytes(request) > MAX_HEADER_BYTES:
        refusal = _headers_too_large()
    elif (request.content_length or 0) > MAX_REST_BODY:
        refusal = _too_large()
    if refusal is None:
        return await handler(request)
    log_line("REST", f"{request.method} {request.path}", refusal.status, time.perf_counter())
    return refusal


def _headers_too_large() -> web.Response:
    return gateway_error(431, "request_header_fields_too_large",
                         f"the request line and headers are over API Gateway's {MAX_HEADER_BYTES} bytes")


def _too_large() -> web.Response:
    return gateway_error(413, "request_too_large", f"the body is over API Gateway's {MAX_REST_BODY // 2**20} MB")


class _JsonErrorsHandler(web_protocol.RequestHandler):
    """aiohttp's protocol handler, answering what its HTTP parser refuses (a request line or
    header it cannot read) as JSON instead of text/plain."""

    def handle_error(self, request: web.BaseRequest, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        super().handle_error(request, status, exc, message)  # logs it, refuses if already answering
        if isinstance(exc, http_exceptions.LineTooLong):  # a header (or the URL) past PARSER_LIMIT
            response = _headers_too_large()
        else:
            code = "bad_request" if status == 400 else "internal_error" if status >= 500 else "request_refused"
            response = gateway_error(status, code, f"the gateway could not read the request: {message or status}"[:300])
        response.force_close()
        return response


class _JsonErrorsServer(web.Server):
    def __call__(self) -> web_protocol.RequestHandler:
        return _JsonErrorsHandler(self, loop=self._loop, **self._kwargs)


class GatewayRunner(web.AppRunner):
    """The runtime's runner: the app's server with the JSON-answering protocol handler.
    (aiohttp has no public hook for the parser's errors; tests/integration/test_gateway_errors.py
    notices if an upgrade of aiohttp breaks this.)"""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = _JsonErrorsServer
        return server


class RestGateway:
    def __init__(self, invoker: Invoker, static_dir: Path, public_config: dict[str, Any],
                 security_headers: dict[str, str] | None = None, pages: dict[str, Path] | None = None) -> None:
        self.invoker = invoker
        # What CloudFront adds to the UI's responses in AWS (CSP and friends, infra/csp.py).
        self.security_headers = dict(security_headers or {})
        self.static_dir = static_dir.resolve()
        self.public_config = public_config
        # Static directories by URL prefix, e.g. {"/demo": <the lead simulator>}.
        self.pages = {prefix.rstrip("/"): root.resolve() for prefix, root in (pages or {}).items()}
        self.routes_matcher = RouteMatcher(list(invoker.app.routes))
        # The per-bot limit, here as in API Gateway: in front of every worker (local_runtime/throttle.py).
        self.bot_throttle = BotThrottle.from_environment()

    def routes(self) -> list[web.RouteDef]:
        pages = []
        for prefix, root in self.pages.items():
            pages += [web.get(prefix, functools.partial(self.page_redirect, prefix)),
                      web.get(prefix + "/{path:.*}", functools.partial(self.page_file, root))]
        return [
            web.get("/config.json", self.config_json),
            *pages,
            # [\s\S], not `.`: a decoded path may hold a newline (`/api/x/a%0Ab`), which API
            # Gateway still routes to the app; `.` would leave it to aiohttp's text/plain 404.
            web.route("*", "/{path:[\\s\\S]*}", self.dispatch),
        ]

    async def config_json(self, request: web.Request) -> web.Response:
        # What the UI needs to find the APIs; nothing secret goes here.
        return web.json_response(self.public_config, headers={"Cache-Control": "no-store", **self.security_headers})

    async def page_redirect(self, prefix: str, request: web.Request) -> web.Response:
        raise web.HTTPFound(prefix + "/")

    async def page_file(self, root: Path, request: web.Request) -> web.StreamResponse:
        return self._file(root, request.match_info["path"] or "index.html")

    def _route(self, path: str) -> str | None:
        try:
            return self.routes_matcher.match_route(path).route
        except ValueError:
            return None

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        route = self._route(request.path_qs)
        if route is not None and request.method != "OPTIONS" and request.method not in self.invoker.app.routes[route]:
            # A method the resource does not declare. API Gateway's REST API answers 403 "Missing
            # Authentication Token" here; the local gateway answers what HTTP (and the OpenAPI
            # conformance check of `make fuzz`) expects instead: 405 with the methods that are
            # allowed. Clients rely on neither: both are refusals that name no resource.
            allowed = sorted(self.invoker.app.routes[route])
            return gateway_error(405, "method_not_allowed", f"{request.method} is not allowed here; use "
                                 f"{', '.join(allowed)}", headers={"Allow": ", ".join(allowed)})
        if route is not None or path.startswith(("/api/", "/bot/")):
            return await self.rest(request)
        if request.method not in ("GET", "HEAD"):
            return _no_route()
        if path == "/favicon.ico" and not (self.static_dir / "favicon.ico").is_file():
            # Browsers ask for it unprompted; a 404 would be console noise in browser tests.
            return web.Response(status=204, headers=self.security_headers)
        return self._file(self.static_dir, path.lstrip("/") or "index.html")

    def _file(self, root: Path, relative: str) -> web.StreamResponse:
        target = (root / relative).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(root) or not target.is_file():
            return web.json_response({"error": {"code": "not_found", "message": "no such file"}}, status=404)
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if target.suffix == ".js":
            content_type = "text/javascript"
        # Always revalidate: a developer edits these files while the runtime runs.
        return web.FileResponse(target, headers={"Content-Type": content_type, "Cache-Control": "no-cache",
                                                 **self.security_headers})

    async def rest(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        throttled = self.bot_throttle.refusal(request.path, request.headers)
        if throttled is not None:
            log_line("REST", f"{request.method} {request.path}", throttled[0], started)
            return web.json_response(throttled[2], status=throttled[0], headers=throttled[1])
        try:
            body = await request.read() if request.body_exists else None
        except web.HTTPRequestEntityTooLarge:  # a chunked body, with no Content-Length to check first
            log_line("REST", f"{request.method} {request.path}", 413, started)
            return _too_large()
        headers = {name: value for name, value in request.headers.items()}
        call = asyncio.ensure_future(self.invoker.rest(request.method, request.path_qs, headers, body or None))
        try:
            # API Gateway gives up on an integration after 29 s; the Lambda itself runs on.
            answer = await asyncio.wait_for(asyncio.shield(call), INTEGRATION_TIMEOUT_SECONDS)
            status = int(answer["statusCode"])
            response_headers: dict[str, Any] = dict(answer.get("headers") or {})
            multi = answer.get("multiValueHeaders") or {}
            payload = answer.get("body")
            if answer.get("isBase64Encoded") and payload is not None:
                payload = base64.b64decode(payload)
        except TimeoutError:
            status, response_headers, multi = 504, {"x-amzn-ErrorType": "InternalServerErrorException"}, {}
            payload = _error_body("integration_timeout", "Endpoint request timed out")
        except LocalGatewayException as error:
            # Chalice's own refusals (no route, an authorizer's 401/403): in the same shape.
            status, response_headers, multi = error.CODE, dict(error.headers), {}
            payload = _error_body(*_chalice_error(error))
        except Exception:
            log.exception("the gateway could not run %s %s", request.method, request.path)
            status, response_headers, multi = 502, {"x-amzn-ErrorType": "InternalServerErrorException"}, {}
            payload = _error_body("internal_error", "Internal server error")
        response = web.Response(status=status, body=payload if payload is not None else b"")
        content_type = response_headers.pop("Content-Type", None) or response_headers.pop("content-type", None)
        response.headers["Content-Type"] = content_type or "application/json"
        for name, value in response_headers.items():
            response.headers[name] = str(value)
        for name, values in multi.items():
            for value in values:
                response.headers.add(name, str(value))
        log_line("REST", f"{request.method} {request.path}", status, started)
        return response


def _no_route() -> web.Response:
    # API Gateway's MISSING_AUTHENTICATION_TOKEN: its answer to a path or method it has no route for.
    return gateway_error(403, "missing_authentication_token", "Missing Authentication Token")


def _error_body(code: str, message: str) -> str:
    return json.dumps({"error": {"code": code, "message": message}})


def _chalice_error(error: LocalGatewayException) -> tuple[str, str]:
    try:
        message = str(json.loads(error.body or b"{}").get("message") or "")
    except (ValueError, AttributeError):
        message = ""
    message = message or {401: "Unauthorized", 403: "Forbidden"}.get(error.CODE, "Refused")
    return "_".join(message.lower().split()), message
