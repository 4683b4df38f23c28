"""The HTTP side of the local gateway: the REST routes through Chalice's LocalGateway,
the static operator UI at `/`, its `config.json`, and other static pages under a prefix
(the runtime serves the demo's lead simulator at `/demo/`)."""

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

from aiohttp import web
from chalice.local import LocalGatewayException, RouteMatcher

from local_runtime.invoker import Invoker, log_line

log = logging.getLogger("local_runtime")

# API Gateway refuses REST payloads over 10 MB and answers 504 after 29 s.
MAX_REST_BODY = 10 * 1024 * 1024
INTEGRATION_TIMEOUT_SECONDS = 29.0


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

    def _is_api(self, path: str) -> bool:
        try:
            self.routes_matcher.match_route(path)
            return True
        except ValueError:
            return False

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if self._is_api(request.path_qs) or path.startswith(("/api/", "/bot/")):
            return await self.rest(request)
        if request.method not in ("GET", "HEAD"):
            return web.json_response({"message": "Missing Authentication Token"}, status=403)
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
        body = await request.read() if request.body_exists else None
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
            payload = json.dumps({"message": "Endpoint request timed out"})
        except LocalGatewayException as error:
            status, response_headers, multi, payload = error.CODE, dict(error.headers), {}, error.body
        except Exception:
            log.exception("the gateway could not run %s %s", request.method, request.path)
            status, response_headers, multi = 502, {"x-amzn-ErrorType": "InternalServerErrorException"}, {}
            payload = json.dumps({"message": "Internal server error"})
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
