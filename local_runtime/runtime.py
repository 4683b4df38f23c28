"""Starts the whole contact center on one machine and stops it cleanly.

Order: DynamoDB Local and moto (children, in parallel) -> the app's environment ->
tables (created if missing: the data persists) -> moto's bucket and Cognito pool
(re-created: they live in memory) -> the gateway -> the demo (local_runtime/demo/, which
only this module calls) -> one ready line and `local-credentials.json`. SIGINT/SIGTERM close
the websockets (running `$disconnect`), stop the schedules and feeds, then the children.
"""

from __future__ import annotations

import asyncio
import fcntl
import importlib
import json
import logging
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from local_runtime.backends import Backends, start_backends
from local_runtime.demo import SIMULATOR_DIR, Demo
from local_runtime.gateway import MAX_REST_BODY, PARSER_LIMIT, GatewayRunner, RestGateway, api_gateway_limits
from local_runtime.invoker import Invoker
from local_runtime.scheduler import Scheduler
from local_runtime.seed import OPERATORS, password_policy_setting, seed_bucket, seed_cognito
from local_runtime.settings import ATTACHMENTS_BUCKET, REGION, TABLE_PREFIX, RuntimeOptions, app_environment
from local_runtime.streams import EventFeeds
from local_runtime.websocket_api import WebsocketApi

log = logging.getLogger("local_runtime")
READY_PREFIX = "Handover is ready at "


def setup_logging() -> None:
    # Line by line even into a pipe or a file (the tests read the log while it runs).
    sys.stdout.reconfigure(line_buffering=True)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    # Not under "handover": Chalice makes the app's logger (named after the app) ERROR-only
    # and non-propagating.
    logging.getLogger("local_runtime").setLevel(logging.INFO)
    # aiohttp's access log would repeat our one line per call.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


def load_app(spec: str) -> Any:
    """`module:attribute`, default `app:app` (the repository's app.py)."""
    module_name, _, attribute = spec.partition(":")
    return getattr(importlib.import_module(module_name), attribute or "app")


def bind_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise SystemExit(f"cannot listen on {host}:{port} ({error.strerror}); set HANDOVER_PORT to a free port") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


@dataclass
class Running:
    url: str
    ws_url: str
    backends: Backends
    runner: web.AppRunner
    invoker: Invoker
    websockets: WebsocketApi
    stoppers: list[Any] = field(default_factory=list)


def lock_data_dir(data_dir: Path) -> int:
    """One runtime per data directory: two DynamoDB Locals on one database file would corrupt it.
    The lock goes with the process, however it ends."""
    fd = os.open(data_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise SystemExit(f"another local runtime is using {data_dir}; stop it, or set HANDOVER_DATA_DIR") from None
    return fd


async def start(options: RuntimeOptions, app_spec: str = "app:app") -> Running:
    options.data_dir.mkdir(parents=True, exist_ok=True)
    lock_data_dir(options.data_dir)
    sock = bind_socket(options.host, options.port)
    port = sock.getsockname()[1]
    url = f"http://{options.host}:{port}"
    ws_url = f"ws://{options.host}:{port}/ws"
    # Started from the main thread: the children die with this thread (PR_SET_PDEATHSIG).
    backends = start_backends(options.data_dir)
    try:
        env = app_environment(port=port, dynamodb_endpoint=backends.dynamodb_endpoint,
                              moto_endpoint=backends.moto_endpoint)
        cognito = seed_cognito(backends.moto_endpoint)
        seed_bucket(backends.moto_endpoint, [url, f"http://localhost:{port}"])
        env["HANDOVER_COGNITO_USER_POOL_ID"] = cognito.user_pool_id
        env["HANDOVER_COGNITO_CLIENT_ID"] = cognito.client_id
        env["HANDOVER_PASSWORD_POLICY"] = password_policy_setting()
        # moto signs tokens with AWS's issuer URL but serves the keys itself; the issuer
        # (HANDOVER_COGNITO_ISSUER) is left to its AWS default on purpose.
        env["HANDOVER_COGNITO_JWKS_URL"] = f"{backends.moto_endpoint}/{cognito.user_pool_id}/.well-known/jwks.json"
        os.environ.update(env)

        from chalicelib import bootstrap as app_runtime
        from chalicelib.config import get_settings
        from local_runtime.tables import create_tables

        app_runtime.reset()
        create_tables(get_settings())
        app = load_app(app_spec)
        if app.websocket_api is not None:
            # Chalice's own `app.websocket_api.send` would build an https URL of AWS from the
            # event's apiId; point it at this gateway's management API instead.
            app.websocket_api._endpoint = url

        invoker = Invoker(app)
        websockets = WebsocketApi(invoker, options.ws_idle_seconds, test_hooks=options.test_hooks)
        from infra.csp import local_headers

        rest = RestGateway(invoker, options.static_dir, {"api_url": url, "ws_url": ws_url, "environment": "local"},
                           local_headers(url, backends.moto_endpoint, ATTACHMENTS_BUCKET),
                           # The lead simulator's page, with or without the demo bot behind it.
                           pages={"/demo": SIMULATOR_DIR})
        # The body and header limits are API Gateway's, answered in JSON (local_runtime/gateway.py).
        web_app = web.Application(client_max_size=MAX_REST_BODY, middlewares=[api_gateway_limits],
                                  handler_args={"max_line_size": PARSER_LIMIT, "max_field_size": PARSER_LIMIT})
        web_app.add_routes(websockets.routes())
        demo = None
        if options.demo:
            demo = Demo(url, options.data_dir)
            web_app.add_routes(demo.routes())
        web_app.add_routes(rest.routes())
        runner = GatewayRunner(web_app, access_log=None, handle_signals=False, shutdown_timeout=2)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        running = Running(url, ws_url, backends, runner, invoker, websockets)

        scheduler = Scheduler(invoker, REGION, options.schedule_seconds)
        feeds = EventFeeds(invoker, dynamodb_endpoint=backends.dynamodb_endpoint, moto_endpoint=backends.moto_endpoint,
                           region=REGION, table_prefix=TABLE_PREFIX, data_dir=options.data_dir)
        scheduler.start()
        feeds.start()
        running.stoppers += [scheduler.stop, feeds.stop]

        bots: list[dict[str, Any]] = []
        if demo is not None:
            running.stoppers.append(demo.close)
            bots.append(await demo.start(backends.moto_endpoint))
        write_credentials(options.data_dir, url, ws_url, bots)
        # For scripts and tests that look behind the gateway (nothing secret).
        (options.data_dir / "runtime.json").write_text(json.dumps({
            "url": url, "ws_url": ws_url, "pid": os.getpid(),
            "dynamodb_endpoint": backends.dynamodb_endpoint, "moto_endpoint": backends.moto_endpoint,
            "region": REGION, "table_prefix": TABLE_PREFIX}, indent=2) + "\n")
        return running
    except BaseException:
        backends.stop()
        raise


async def stop(running: Running) -> None:
    await running.websockets.close_all()
    for stopper in running.stoppers:
        result = stopper()
        if asyncio.iscoroutine(result):
            await result
    await running.runner.cleanup()
    running.invoker.shutdown()
    running.backends.stop()


def write_credentials(data_dir: Path, url: str, ws_url: str, bots: list[dict[str, Any]]) -> Path:
    path = data_dir / "local-credentials.json"
    body = {
        "url": url,
        "ws_url": ws_url,
        "operators": [operator.as_json() for operator in OPERATORS],
        "bots": [{"name": bot["name"], "api_key": bot["api_key"], "webhook_secret": bot["webhook_secret"]} for bot in bots],
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(body, indent=2) + "\n")
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return path


async def _watch_backends(backends: Backends, stopping: asyncio.Event) -> str:
    """If DynamoDB Local or moto dies, the runtime cannot work: say so and stop."""
    names = ("DynamoDB Local", "moto server")
    while not stopping.is_set():
        for name, process in zip(names, backends.processes, strict=False):
            if process.poll() is not None:
                stopping.set()
                return f"{name} exited unexpectedly (code {process.returncode}); see the logs in the data directory"
        await asyncio.sleep(1)
    return ""


async def serve(options: RuntimeOptions, app_spec: str = "app:app") -> int:
    """Run until Ctrl+C/SIGTERM (exit code 0) or until a backend dies (1)."""
    setup_logging()
    began = time.monotonic()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    running = await start(options, app_spec)
    try:
        credentials = options.data_dir / "local-credentials.json"
        print(f"{READY_PREFIX}{running.url}  (UI at /, lead simulator at /demo/; logins in {credentials}; "
              f"started in {time.monotonic() - began:.1f} s; Ctrl+C stops)", flush=True)
        watchdog = asyncio.create_task(_watch_backends(running.backends, stopping))
        await stopping.wait()
        problem = await watchdog if watchdog.done() else ""
        watchdog.cancel()
        if problem:
            log.error("%s", problem)
        print("stopping…", flush=True)
        return 1 if problem else 0
    finally:
        await stop(running)
