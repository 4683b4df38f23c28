"""A live-events harness for service tests: the real services on moto, with a fake
API Gateway management client that records every push (moto's never says Gone)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import bootstrap
from chalicelib.adapters.attachments import AttachmentStorage
from chalicelib.adapters.notifier import ManagementApiNotifier
from chalicelib.api.bodies import check_lead_changes
from chalicelib.auth.tickets import issue_ticket
from chalicelib.clock import FakeClock
from chalicelib.config import get_settings
from chalicelib.domain.commands import IncomingMessage
from chalicelib.domain.credentials import parse_api_key
from chalicelib.live.fanout import Fanout
from chalicelib.live.pushes import LivePushes
from chalicelib.storage.connections import ConnectionStore
from chalicelib.storage.counters import CounterStore
from tests.conftest import make_bot


class FakeManagement:
    """Stands in for boto3's `apigatewaymanagementapi` client: records frames per
    connection; a connection in `gone` answers 410 GoneException like API Gateway."""

    def __init__(self) -> None:
        self.frames: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.gone: set[str] = set()
        self.attempts: list[str] = []

    def post_to_connection(self, ConnectionId: str, Data: bytes) -> dict[str, Any]:
        self.attempts.append(ConnectionId)
        if ConnectionId in self.gone:
            raise ClientError(
                {"Error": {"Code": "GoneException", "Message": ""}, "ResponseMetadata": {"HTTPStatusCode": 410}},
                "PostToConnection",
            )
        self.frames[ConnectionId].append(json.loads(Data))
        return {}

    def clear(self) -> None:
        self.frames.clear()
        self.attempts.clear()


class RecordingObserver:
    """Records who got a sound-worthy event while hidden (the reminders' seam)."""

    def __init__(self) -> None:
        self.hidden: list[set[str]] = []

    def notified_hidden(self, operators: set[str], change: Any) -> None:
        self.hidden.append(set(operators))


@dataclass
class Harness:
    services: Any
    management: FakeManagement
    clock: FakeClock
    connections: ConnectionStore
    bot_key: Any = None
    bot_id: str = ""
    counter: int = 0
    ids: dict[str, str] = field(default_factory=dict)
    observer: RecordingObserver | None = None

    # --- connections --------------------------------------------------------------------
    def connect(self, name: str, operator: str, *, view: str | None = None, tab: str = "waiting",
                visible: bool = True, admin: bool = False) -> str:
        """Open a connection the way the UI does: ticket, $connect, then its frames."""
        ticket, _ = issue_ticket(operator, admin, self.clock)
        self.counter += 1
        connection_id = f"conn-{self.counter}="
        assert self.services.live.connect(connection_id, ticket) is not None
        self.ids[name] = connection_id
        self.send(name, {"action": "view", "dialog_id": view, "tab": tab})
        if not visible:
            self.send(name, {"action": "visibility", "visible": False})
        self.management.clear()
        return connection_id

    def send(self, name: str, frame: Any) -> dict[str, Any] | None:
        raw = frame if isinstance(frame, str) else json.dumps(frame)
        return self.services.live.receive(self.ids[name], raw)

    def frames(self, name: str) -> list[dict[str, Any]]:
        return list(self.management.frames.get(self.ids[name], []))

    def types(self, name: str) -> list[str]:
        """Each frame as `type` or `type:tab`, in the order received (`counts` left out;
        see `counts`)."""
        return [f"{f['type']}:{f['tab']}" if "tab" in f else f["type"] for f in self.frames(name)
                if f["type"] != "counts"]

    def counts(self, name: str) -> list[dict[str, int]]:
        return [f["counts"] for f in self.frames(name) if f["type"] == "counts"]

    def everyone_quiet(self) -> None:
        self.management.clear()

    # --- the bot's side -----------------------------------------------------------------
    def lead(self, ref: str = "tg:1", **fields: Any) -> str:
        lead, _ = self.services.dialogs.upsert_lead(self.bot_key, ref, check_lead_changes({"name": "Anna", **fields}))
        return lead.id

    def lead_says(self, text: str, ref: str = "tg:1", message_id: str | None = None) -> None:
        self.counter += 1
        incoming = IncomingMessage(message_id or f"m-{self.counter}", "lead", text, (), None)
        self.services.dialogs.post_bot_message(self.bot_key, ref, incoming)

    def bot_says(self, text: str, ref: str = "tg:1") -> None:
        self.counter += 1
        incoming = IncomingMessage(f"b-{self.counter}", "bot", text, (), None)
        self.services.dialogs.post_bot_message(self.bot_key, ref, incoming)

    def handoff(self, ref: str = "tg:1") -> None:
        self.services.dialogs.handoff(self.bot_key, ref, "handoff")


def build_harness(*, max_workers: int = 1) -> Harness:
    """Call inside the `aws` fixture (moto running, tables created)."""
    settings = get_settings()
    clock = FakeClock()
    management = FakeManagement()
    connections = ConnectionStore()
    notifier = ManagementApiNotifier(settings, management)
    observer = RecordingObserver()
    pushes = LivePushes(
        connections, Fanout(notifier, connections, max_workers=max_workers), clock, AttachmentStorage(settings),
        counts=CounterStore(), observer=observer,
    )
    services = bootstrap.build(settings, clock, listeners=[pushes])
    services.live.notifier = notifier
    bot = make_bot(
        services,
        return_script=["The bot is back."],
        operator_transfer_script=["An operator joined."],
    )
    harness = Harness(services, management, clock, connections, parse_api_key(bot.api_key), bot.id)
    harness.observer = observer
    harness.pushes = pushes
    return harness
