"""DynamoDB requests and consumed capacity per operation, and the AWS cost of a million inbound
messages with three operators watching.

Every call goes over real HTTP or a real websocket to the metered runtime (bench/meter.py), one
at a time; the meter attributes each AWS request to the invocation that made it, with the
capacity units DynamoDB Local reports (`ReturnConsumedCapacity=TOTAL`). DynamoDB Local computes
capacity units from item sizes like DynamoDB (1 KB per write unit, 4 KB per read unit,
transactions count double, eventually consistent reads half).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from websockets.sync.client import ClientConnection, connect

from bench import prices
from bench.common import Bench, Bot, median

INBOUND_MESSAGES = 30
# The cost model's assumption for connection minutes: three operators connected all month.
CONNECTED_MINUTES_PER_MONTH = 3 * 30 * 24 * 60


@dataclass
class Row:
    operation: str
    invocations: int
    requests: dict[str, int]
    rru: float
    wru: float
    pushes: int
    duration_ms: float
    units_by_table: dict[str, float]
    # What the operation caused asynchronously: the webhook delivery from the deliveries stream.
    stream: dict[str, float]

    def as_json(self) -> dict[str, Any]:
        return {"operation": self.operation, "invocations": self.invocations,
                "dynamodb_requests": sum(v for k, v in self.requests.items() if k.startswith("dynamodb.")),
                "requests": self.requests, "rru": round(self.rru, 2), "wru": round(self.wru, 2),
                "pushes": self.pushes, "duration_ms": round(self.duration_ms, 1),
                "units_by_table": {k: round(v, 2) for k, v in sorted(self.units_by_table.items())},
                "then_stream": self.stream}


def _sum(snapshot: dict[str, Any], operation: str, include_stream: bool = False) -> Row:
    requests: dict[str, int] = {}
    by_table: dict[str, float] = {}
    rru = wru = 0.0
    pushes = invocations = 0
    durations: list[float] = []
    for tag, entry in snapshot.items():
        # The scheduler's own per-minute runs are not part of the operation measured.
        if tag in ("(background)", "schedule (timer)") or (tag == "stream dynamodb" and not include_stream):
            continue
        invocations += entry["invocations"]
        durations += entry["duration_ms"]
        for name, count in entry["requests"].items():
            requests[name] = requests.get(name, 0) + count
        for name, units in entry["units_by_table"].items():
            by_table[name] = by_table.get(name, 0.0) + units
        rru += entry["rru"]
        wru += entry["wru"]
        pushes += entry["pushes"]
    stream = snapshot.get("stream dynamodb")
    stream_summary = {} if stream is None or include_stream else {
        "invocations": stream["invocations"], "rru": round(stream["rru"], 2), "wru": round(stream["wru"], 2),
        "dynamodb_requests": sum(v for k, v in stream["requests"].items() if k.startswith("dynamodb."))}
    return Row(operation, invocations, requests, rru, wru, pushes, sum(durations), by_table, stream_summary)


class Watcher:
    """An operator's websocket, viewing a dialog."""

    def __init__(self, bench: Bench, token: str) -> None:
        ticket = bench.call("POST", "/api/ws-ticket", token)
        # No keepalive pings (a metered run is short) and a short close: the counts are what matter.
        self.socket: ClientConnection = connect(f"{ticket['ws_url']}?ticket={ticket['ticket']}", open_timeout=30,
                                                ping_interval=None, close_timeout=2)

    def send(self, frame: dict[str, Any], answer: str | None) -> None:
        self.socket.send(json.dumps(frame))
        if answer:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if json.loads(self.socket.recv(timeout=30)).get("type") == answer:
                    return
            raise RuntimeError(f"no {answer} answer")

    def close(self) -> None:
        self.socket.close()


def measure_operations(bench: Bench, log: Any = print) -> dict[str, Any]:
    rows: list[Row] = []

    def measure(operation: str, action: Any, settle: float = 0.05) -> Any:
        bench.meter.reset()
        result = action()
        time.sleep(settle)  # the last pushes of the fan-out
        rows.append(_sum(bench.meter.read(), operation))
        return result

    admin = bench.runtime.operator("admin")
    bot_id, api_key = bench.create_bot("Cost bot")
    bot = Bot(bench, api_key)
    watchers_names = ["operator", "operator2"]
    bench.create_operators(["bench-watch-3"])

    # --- sign-in, the operator's session ----------------------------------------------------
    login = measure("operator: POST /api/auth/login",
                    lambda: bench.call("POST", "/api/auth/login", None, {"username": "operator",
                                                                          "password": bench.runtime.operator()["password"]}))
    token = login["access_token"]
    measure("operator: POST /api/auth/refresh",
            lambda: bench.call("POST", "/api/auth/refresh", None, {"refresh_token": login["refresh_token"]}))
    measure("operator: GET /api/me", lambda: bench.call("GET", "/api/me", token))
    measure("operator: GET /api/bots", lambda: bench.call("GET", "/api/bots", token))
    admin_token = bench.login(admin["username"], admin["password"])
    measure("admin: GET /api/admin/bots", lambda: bench.call("GET", "/api/admin/bots", admin_token))

    # --- the bot API ----------------------------------------------------------------------
    ref = "cost-lead"
    lead = measure("bot: PUT /bot/v1/leads/{ref} (new lead)", lambda: bot.lead(ref, tags=["bench"]))
    lead_id = lead["id"]
    measure("bot: PUT /bot/v1/leads/{ref} (update)", lambda: bot.lead(ref, status="qualified"))
    measure("bot: GET /bot/v1/leads/{ref}",
            lambda: bot._check(bot.http.get(f"{bench.url}/bot/v1/leads/{ref}", timeout=30)))
    measure("bot: POST .../messages (lead, state bot)", lambda: bot.say(ref, "hi", message_id="m-first"))
    measure("bot: POST .../messages (repeated id)", lambda: bot.say(ref, "hi", message_id="m-first"))
    measure("bot: POST .../handoff", lambda: bot.handoff(ref), settle=2.0)
    measure("bot: POST /bot/v1/uploads", lambda: bot._check(bot.http.post(
        f"{bench.url}/bot/v1/uploads", json={"filename": "a.png", "content_type": "image/png", "size": 1000}, timeout=30)))

    # --- websockets: three operators watching ------------------------------------------------
    tokens = [token, bench.login("operator2", bench.runtime.operator("operator2")["password"]),
              bench.login("bench-watch-3")]
    watchers: list[Watcher] = []
    for i, watcher_token in enumerate(tokens):
        measure("operator: POST /api/ws-ticket", lambda t=watcher_token: bench.call("POST", "/api/ws-ticket", t))
        watcher = measure("ws $connect", lambda t=watcher_token: Watcher(bench, t))
        watchers.append(watcher)
        measure("ws view (a dialog)", lambda w=watcher: w.send({"action": "view", "dialog_id": lead_id, "tab": "mine"},
                                                               "viewing"))
        if i == 0:
            measure("ws visibility", lambda w=watcher: w.send({"action": "visibility", "visible": True}, "visibility"))
            measure("ws ping", lambda w=watcher: w.send({"action": "ping"}, "pong"))
    del watchers_names

    # --- the operator API -------------------------------------------------------------------
    for tab in ("waiting", "mine", "all"):
        measure(f"operator: GET /api/tabs/{tab}", lambda t=tab: bench.call("GET", f"/api/tabs/{t}", token))
    measure("operator: GET /api/counts", lambda: bench.call("GET", "/api/counts", token))
    measure("operator: GET /api/dialogs/{id}", lambda: bench.call("GET", f"/api/dialogs/{lead_id}", token))
    measure("operator: GET .../messages?before=", lambda: bench.call("GET", f"/api/dialogs/{lead_id}/messages?before=3", token))
    measure("operator: GET .../messages?after=", lambda: bench.call("GET", f"/api/dialogs/{lead_id}/messages?after=0", token))
    measure("operator: POST .../start (waiting -> operator)",
            lambda: bench.call("POST", f"/api/dialogs/{lead_id}/start", token), settle=2.0)
    measure("bot: POST .../messages (lead, state operator, 3 watching)", lambda: bot.say(ref, "one more"))
    measure("operator: PATCH .../lead", lambda: bench.call("PATCH", f"/api/dialogs/{lead_id}/lead", token,
                                                          {"status": "hot", "variables": {"plan": "pro"}}),
            settle=2.0)
    # settle: the reply's webhook delivery runs from the deliveries stream (reported as then_stream).
    measure("operator: POST .../messages (reply)", lambda: bench.call(
        "POST", f"/api/dialogs/{lead_id}/messages", token, {"client_id": "c-1", "text": "Hello from the operator"}),
        settle=2.0)
    measure("operator: POST /api/uploads", lambda: bench.call(
        "POST", "/api/uploads", token, {"filename": "a.pdf", "content_type": "application/pdf", "size": 1000}))
    measure("operator: POST .../read", lambda: bench.call("POST", f"/api/dialogs/{lead_id}/read", token))
    measure("operator: POST .../leave (last: -> waiting)", lambda: bench.call("POST", f"/api/dialogs/{lead_id}/leave", token),
            settle=2.0)
    bench.call("POST", f"/api/dialogs/{lead_id}/start", token)
    time.sleep(2.0)
    measure("operator: POST .../resolve (-> bot)", lambda: bench.call("POST", f"/api/dialogs/{lead_id}/resolve", token),
            settle=2.0)

    # --- scheduled and stream functions ---------------------------------------------------------
    scheduled = bench.meter.schedules()
    for name in scheduled:
        measure(f"schedule {name} (one tick)", lambda n=name: bench.meter.invoke(n))

    # --- the cost scenario: inbound messages, three operators watching -------------------------
    bench.call("POST", f"/api/dialogs/{lead_id}/start", token)
    time.sleep(2.0)  # the start's own webhook delivery (not part of the inbound messages)
    bench.meter.reset()
    for i in range(INBOUND_MESSAGES):
        bot.say(ref, f"inbound {i}")
    time.sleep(1.0)
    scenario = bench.meter.read()
    for watcher in watchers:
        measure("ws $disconnect", lambda w=watcher: w.close(), settle=0.3)
    operations = [row.as_json() for row in rows]
    for row in operations:
        log(f"  {row['operation']:60s} {row['dynamodb_requests']:>3} req  {row['rru']:5.1f} RRU  "
            f"{row['wru']:5.1f} WRU  {row['pushes']:>2} pushes")
    return {"operations": operations, "scheduled_functions": scheduled,
            "inbound": _inbound_cost(scenario, log)}


def _inbound_cost(snapshot: dict[str, Any], log: Any) -> dict[str, Any]:
    """Per message, from INBOUND_MESSAGES metered ones; then a million of them at list prices."""
    from infra.stages import Stage

    memory_gb = Stage.__dataclass_fields__["memory_mb"].default / 1024
    everything = _sum(snapshot, "inbound", include_stream=True)
    n = INBOUND_MESSAGES
    lambda_invocations = everything.invocations / n  # REST handler plus any stream handler it causes
    counted = [v for k, v in snapshot.items() if k not in ("(background)", "schedule (timer)")]
    durations = [d for entry in counted for d in entry["duration_ms"]]
    billed_ms = sum(-(-d // 1) for d in durations) / n
    push_units = sum(entry["push_units"] for entry in counted) / n
    per_message = {
        "rest_requests": 1.0,
        "lambda_invocations": lambda_invocations,
        "lambda_billed_ms": round(billed_ms, 1),
        "lambda_median_ms": round(median(durations), 1),
        "dynamodb_requests": sum(v for k, v in everything.requests.items() if k.startswith("dynamodb.")) / n,
        "rru": round(everything.rru / n, 2),
        "wru": round(everything.wru / n, 2),
        "websocket_messages": push_units,
        "units_by_table": {k: round(v / n, 2) for k, v in sorted(everything.units_by_table.items())},
    }
    million = 1_000_000
    cost = {
        "api_gateway_rest": million * per_message["rest_requests"] * prices.API_GATEWAY_REST_PER_MILLION / million,
        "lambda_requests": million * lambda_invocations * prices.LAMBDA_REQUESTS_PER_MILLION / million,
        "lambda_duration": million * billed_ms / 1000 * memory_gb * prices.LAMBDA_GB_SECOND,
        "dynamodb_writes": million * everything.wru / n * prices.DYNAMODB_WRU_PER_MILLION / million,
        "dynamodb_reads": million * everything.rru / n * prices.DYNAMODB_RRU_PER_MILLION / million,
        "websocket_messages": million * push_units * prices.WEBSOCKET_MESSAGES_PER_MILLION / million,
        "websocket_connection_minutes": CONNECTED_MINUTES_PER_MONTH * prices.WEBSOCKET_CONNECTION_MINUTES_PER_MILLION
        / million,
    }
    cost = {k: round(v, 3) for k, v in cost.items()}
    total = round(sum(cost.values()), 2)
    log(f"  per inbound message: {per_message}")
    log(f"  a million inbound messages: ${total} {cost}")
    return {"messages_metered": n, "watching_operators": 3, "lambda_memory_mb": int(memory_gb * 1024),
            "per_message": per_message, "cost_per_million_usd": cost, "total_per_million_usd": total,
            "assumptions": "one bot REST call per message; dialog in state operator with one participant; three "
                           "operators connected all month and viewing the dialog; Lambda duration = the handler time "
                           "measured locally against DynamoDB Local; prices: bench/prices.py",
            "prices": prices.as_table()}
