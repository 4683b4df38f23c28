"""Authorization, complete: every REST route of the app (read from `app.routes`) and every
websocket action, for every kind of caller. A route or action without a rule here fails
`test_every_route_has_a_rule` / `test_every_websocket_action_has_a_rule`: whoever adds one
decides who may call it.

Callers: nobody, a tampered credential, an expired one (an operator token past `exp`; a bot key
that was rotated), an operator, an admin, the right bot, another bot. On moto through Chalice's
test client (tests/api/conftest.py builds the Cognito pool); tests/api/test_operator_authorization.py
checks the /api routes' bodies in more depth.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from app import app
from tests.api.conftest import ADMIN, OPERATOR
from tests.conftest import make_bot

CALLERS = ("none", "tampered", "expired", "operator", "admin", "bot", "other_bot")


@dataclass(frozen=True)
class Rule:
    """The expected status for each caller, and what the call needs."""

    statuses: dict[str, int]
    body: Any = None
    # A lead route's dialog: "waiting", or "joined" (the operator and the admin are in it).
    lead: str = "waiting"
    checks: tuple[Callable[..., None], ...] = field(default=())


def signed_in(operator: int, admin: int, **more: Any) -> Rule:
    """An /api route for Cognito users: anyone else is 401."""
    return Rule({"none": 401, "tampered": 401, "expired": 401, "bot": 401, "other_bot": 401,
                 "operator": operator, "admin": admin}, **more)


def admin_only(admin: int, **more: Any) -> Rule:
    return signed_in(403, admin, **more)


def bot_only(bot: int, other_bot: int, **more: Any) -> Rule:
    """A /bot/v1 route: only a bot's key works, and another bot's key names another lead."""
    return Rule({"none": 401, "tampered": 401, "expired": 401, "operator": 401, "admin": 401,
                 "bot": bot, "other_bot": other_bot}, **more)


def public(status: int, **more: Any) -> Rule:
    return Rule(dict.fromkeys(CALLERS, status), **more)


UPLOAD = {"filename": "a.txt", "content_type": "text/plain", "size": 3}

RULES: dict[tuple[str, str], Rule] = {
    # Public: the same answer whatever the caller sends.
    ("GET", "/api/openapi.json"): public(200),
    ("GET", "/bot/v1/openapi.json"): public(200),
    ("POST", "/api/auth/login"): public(401, body={"username": "nobody", "password": "wrong-Pass-1"}),
    ("POST", "/api/auth/refresh"): public(401, body={"refresh_token": "not-a-refresh-token"}),
    # Sign-in's challenges and the forgotten password (a Cognito session or a username, never a token).
    ("POST", "/api/auth/challenge"): public(401, body={"challenge": "NEW_PASSWORD_REQUIRED", "session": "s" * 40,
                                                       "username": "nobody", "new_password": "New-pass-2024!"}),
    ("POST", "/api/auth/totp-setup"): public(401, body={"session": "s" * 40, "username": "nobody"}),
    ("POST", "/api/auth/forgot-password"): public(202, body={"username": "nobody"}),
    ("POST", "/api/auth/reset-password"): public(422, body={"username": "nobody", "code": "123456",
                                                            "new_password": "New-pass-2024!"}),
    # Operators and admins (docs/operator-api.md); operators work every bot's dialogs.
    ("GET", "/api/me"): signed_in(200, 200),
    ("POST", "/api/ws-ticket"): signed_in(200, 200),
    ("POST", "/api/me/totp"): signed_in(200, 200),
    ("POST", "/api/me/totp/verify"): signed_in(200, 200, body={"code": "123456"}),  # moto takes any code here
    ("GET", "/api/tabs/{tab}"): signed_in(200, 200),
    ("GET", "/api/counts"): signed_in(200, 200),
    ("GET", "/api/search"): signed_in(422, 422),  # no ?q=: an empty search, once signed in
    ("GET", "/api/bots"): signed_in(200, 200),
    ("GET", "/api/dialogs/{lead_id}"): signed_in(200, 200),
    ("GET", "/api/dialogs/{lead_id}/messages"): signed_in(200, 200),
    ("POST", "/api/dialogs/{lead_id}/messages"): signed_in(201, 201, body={"client_id": "c1", "text": "hi"},
                                                           lead="joined"),
    ("PATCH", "/api/dialogs/{lead_id}/lead"): signed_in(200, 200, body={"status": "hot"}),
    ("POST", "/api/dialogs/{lead_id}/start"): signed_in(200, 200),
    ("POST", "/api/dialogs/{lead_id}/leave"): signed_in(200, 200, lead="joined"),
    ("POST", "/api/dialogs/{lead_id}/resolve"): signed_in(200, 200, lead="joined"),
    ("POST", "/api/dialogs/{lead_id}/read"): signed_in(200, 200),
    ("POST", "/api/uploads"): signed_in(201, 201, body=UPLOAD),
    # Presence (docs/assignment.md): the team for pickers, and one's own status.
    ("GET", "/api/operators"): signed_in(200, 200),
    ("GET", "/api/presence"): signed_in(200, 200),
    ("PUT", "/api/presence"): signed_in(200, 200, body={"status": "away"}),
    # Notes: any operator, on any dialog (docs/operator-api.md, "Notes and mentions").
    ("POST", "/api/dialogs/{lead_id}/notes"): signed_in(201, 201, body={"client_id": "n1", "text": "hi"}),
    # Canned replies: everyone reads the team's and their own and manages their own (the
    # shortcut of the path names none yet: past authorization to the 404).
    ("GET", "/api/canned-replies"): signed_in(200, 200),
    ("POST", "/api/canned-replies"): signed_in(201, 201, body={"shortcut": "hello", "text": "Hello"}),
    ("PATCH", "/api/canned-replies/{shortcut}"): signed_in(404, 404, body={"text": "Hi"}),
    ("DELETE", "/api/canned-replies/{shortcut}"): signed_in(404, 404),
    # Admins only.
    ("GET", "/api/admin/bots"): admin_only(200),
    ("POST", "/api/admin/bots"): admin_only(201, body={"name": "New bot"}),
    ("GET", "/api/admin/bots/{bot_id}"): admin_only(200),
    ("PATCH", "/api/admin/bots/{bot_id}"): admin_only(200, body={"name": "Renamed"}),
    ("POST", "/api/admin/bots/{bot_id}/rotate-key"): admin_only(200),
    ("POST", "/api/admin/bots/{bot_id}/rotate-webhook-secret"): admin_only(200),
    # The managed bot has no webhook URL: the admin gets past authorization to the 409.
    ("POST", "/api/admin/bots/{bot_id}/test-delivery"): admin_only(409),
    ("POST", "/api/admin/scripts/preview"): admin_only(200, body={"texts": ["Hello {{name}}"]}),
    ("GET", "/api/admin/operators"): admin_only(200),
    ("GET", "/api/admin/canned-replies"): admin_only(200),
    ("POST", "/api/admin/canned-replies"): admin_only(201, body={"shortcut": "hello", "text": "Hello"}),
    ("PATCH", "/api/admin/canned-replies/{shortcut}"): admin_only(404, body={"text": "Hi"}),
    ("DELETE", "/api/admin/canned-replies/{shortcut}"): admin_only(404),
    ("GET", "/api/admin/webhooks/dead-letters"): admin_only(200),
    ("GET", "/api/admin/webhooks/dead-letters/{letter_id}"): admin_only(404),
    ("POST", "/api/admin/webhooks/dead-letters/{letter_id}/replay"): admin_only(404),
    ("POST", "/api/admin/webhooks/replay"): admin_only(202, body={}),
    # Bots: their own leads only. Another bot's key with the same lead_ref names its own
    # (absent) lead: 404, or a new lead of its own for PUT — never the first bot's.
    ("PUT", "/bot/v1/leads/{lead_ref}"): bot_only(200, 201, body={"name": "Changed"}),
    ("GET", "/bot/v1/leads/{lead_ref}"): bot_only(200, 404),
    ("POST", "/bot/v1/leads/{lead_ref}/messages"): bot_only(201, 404, body={"id": "m-x", "from": "lead",
                                                                            "text": "hi"}),
    ("POST", "/bot/v1/leads/{lead_ref}/handoff"): bot_only(200, 404, body={}),
    ("POST", "/bot/v1/uploads"): bot_only(201, 201, body=UPLOAD),
}


def app_routes() -> set[tuple[str, str]]:
    return {(method, path) for path, entries in app.routes.items() for method in entries}


def test_every_route_has_a_rule():
    missing = app_routes() - set(RULES)
    assert not missing, f"routes without an authorization rule in {__file__}: {sorted(missing)}"
    assert not set(RULES) - app_routes(), "rules for routes the app no longer has"
    for route, rule in RULES.items():
        assert set(rule.statuses) == set(CALLERS), route


class Callers:
    """The credentials of each kind of caller, on the moto Cognito pool of tests/api."""

    def __init__(self, cognito: Any, bot: Any, other_bot: Any) -> None:
        from chalicelib import bootstrap

        self.cognito = cognito
        self.bot = bot
        self.other_bot = other_bot
        # An expired bot key: one that worked until the bot's key was rotated.
        bots = bootstrap.services().bots
        _, rotated = bots.rotate_key(bot.id)
        self.expired_key, bot.api_key = bot.api_key, rotated.api_key

    def authorization(self, caller: str, route: str) -> str | None:
        operator_side = route.startswith("/api/")
        if caller == "none":
            return None
        if caller == "tampered":
            if operator_side:
                header, payload, signature = self.cognito.token(OPERATOR).split(".")
                claims = json.loads(_unb64(payload))
                claims["username"] = ADMIN  # promote myself; the signature no longer matches
                return ".".join([header, _b64(json.dumps(claims).encode()), signature])
            return self.bot.api_key[:-4] + ("AAAA" if not self.bot.api_key.endswith("AAAA") else "BBBB")
        if caller == "expired":
            if operator_side:
                return self.cognito.forge(exp=1_700_000_000, iat=1_699_990_000)
            return self.expired_key
        if caller in ("operator", "admin"):
            return self.cognito.token(OPERATOR if caller == "operator" else ADMIN)
        return (self.bot if caller == "bot" else self.other_bot).api_key


def _b64(raw: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _concrete(path: str, params: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: params[m.group(1)], path)


@pytest.mark.parametrize("caller", CALLERS)
def test_every_route_for_every_caller(api, leads, bot, other_bot, cognito, caller):
    from chalicelib import bootstrap

    callers = Callers(cognito, bot, other_bot)
    # The leads helper posts with the bot's key: give it the rotated one.
    leads.__init__(bot)
    managed = make_bot(bootstrap.services(), name="Managed bot")
    wrong = []
    for number, (method, path) in enumerate(sorted(RULES)):
        rule = RULES[(method, path)]
        ref = f"tg:auth-{number}"
        lead_id = "ld_" + "a" * 26
        if "{lead_id}" in path or "{lead_ref}" in path:
            lead_id = leads.make(ref, waiting=path.startswith("/api/"))
        if rule.lead == "joined":
            api.post(f"/api/dialogs/{lead_id}/start", as_=OPERATOR)
            api.post(f"/api/dialogs/{lead_id}/start", as_=ADMIN)
        concrete = _concrete(path, {"tab": "waiting", "lead_id": lead_id, "bot_id": managed.id,
                                    "letter_id": "dl_missing", "lead_ref": ref, "shortcut": "missing"})
        body = rule.body if rule.body is not None else (None if method == "GET" else {})
        token = callers.authorization(caller, path)
        response = api.call(method, concrete, body, as_=None, token=token)
        expected = rule.statuses[caller]
        if response.status != expected:
            wrong.append((method, path, expected, response.status, response.body))
            continue
        if expected >= 400:
            assert set(response.body) == {"error"}, (method, path, response.body)
        if expected == 401:
            assert response.headers.get("WWW-Authenticate") == "Bearer", (method, path)
        if caller == "other_bot" and path.startswith("/bot/v1/leads/"):
            # Nothing of the first bot's lead changed, whatever the other bot sent.
            mine = api.call("GET", f"/bot/v1/leads/{ref}", as_=None, token=bot.api_key).body
            assert mine["name"] != "Changed" and mine["dialog"]["state"] == "bot", (method, path, mine)
    assert not wrong, "\n".join(map(str, wrong))


# --- websocket ------------------------------------------------------------------------------

# Every action of the $default route (chalicelib/live/connections.py) and what an operator's
# connection gets back. Actions need a connection, and a connection needs a ticket from
# POST /api/ws-ticket: the callers without one are refused at $connect (below).
WS_ACTIONS: dict[str, tuple[dict[str, Any], str]] = {
    "ping": ({"action": "ping"}, "pong"),
    "view": ({"action": "view", "dialog_id": None, "tab": "waiting"}, "viewing"),
    "visibility": ({"action": "visibility", "visible": True}, "visibility"),
    # The caller's own current access token (filled in below); a refused one closes the
    # connection after an `error` frame (docs/security.md, "Revocation within a minute").
    "reauth": ({"action": "reauth", "access_token": "<the caller's token>"}, "reauthed"),
    # An alert delivered (docs/notifications.md): counted for the connection's operator, no answer.
    "ack": ({"action": "ack", "alert": "ld_00000000000000000000000000:1:1"}, None),
}


def _frame_of(frame: dict[str, Any], token: str) -> dict[str, Any]:
    return {**frame, "access_token": token} if frame["action"] == "reauth" else frame


def _answer(live: Any, sent: list[tuple[str, dict[str, Any]]], connection_id: str, frame: dict[str, Any]) -> Any:
    """The reply to a frame: answered, or pushed before the server closed the connection."""
    before = len(sent)
    reply = live.receive(connection_id, json.dumps(frame))
    if reply is None:
        pushed = [f for c, f in sent[before:] if c == connection_id]
        return pushed[-1] if pushed else None
    return reply


def _actions_in_the_code() -> set[str]:
    from chalicelib.live.connections import LiveConnections

    return set(re.findall(r'action == "(\w+)"', inspect.getsource(LiveConnections._handle)))


def test_every_websocket_action_has_a_rule():
    assert _actions_in_the_code() == set(WS_ACTIONS), "a websocket action without a rule in WS_ACTIONS"
    routes = set(app.websocket_handlers)
    assert routes == {"$connect", "$default", "$disconnect"}, f"websocket routes without a rule: {routes}"


def _ticket_for(api: Any, as_: str) -> str:
    answer = api.post("/api/ws-ticket", as_=as_)
    assert answer.status == 200
    return answer.body["ticket"]


def test_websocket_connect_and_every_action_for_every_caller(api, cognito, bot, monkeypatch):
    from datetime import timedelta

    from chalicelib import bootstrap
    from chalicelib.clock import FakeClock

    live = bootstrap.services().live
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(live.notifier, "push", lambda connection_id, frame: sent.append((connection_id, frame)))

    expired = _ticket_for(api, OPERATOR)
    used = _ticket_for(api, OPERATOR)
    assert live.connect("c-used", used) is not None
    fresh = {"operator": _ticket_for(api, OPERATOR), "admin": _ticket_for(api, ADMIN)}
    tickets = {
        "none": None, "empty": "", "tampered": fresh["operator"][:-3] + "xyz", "used": used,
        "bot key": bot.api_key, "cognito token": cognito.token(OPERATOR), "huge": "wst_" + "a" * 10_000,
    }
    for caller, ticket in tickets.items():
        assert live.connect(f"c-{caller}", ticket) is None, caller
    # An expired ticket (60 s): the service's clock moved on.
    clock = live.clock
    live.clock = FakeClock(clock.now() + timedelta(seconds=61))
    try:
        assert live.connect("c-expired", expired) is None
    finally:
        live.clock = clock

    tokens = {"operator": cognito.token(OPERATOR), "admin": cognito.token(ADMIN)}
    for caller, ticket in fresh.items():
        operator = live.connect(f"c-{caller}", ticket)
        assert operator is not None and operator.admin == (caller == "admin"), caller
        for action, (frame, answer) in WS_ACTIONS.items():
            reply = _answer(live, sent, f"c-{caller}", _frame_of(frame, tokens[caller]))
            if answer is None:
                assert reply is None, (caller, action, reply)
            else:
                assert reply is not None and reply["type"] == answer, (caller, action, reply)
    # Another operator's token does not confirm a connection: it is refused and closed.
    live.connect("c-borrowed", _ticket_for(api, OPERATOR))
    reply = _answer(live, sent, "c-borrowed", _frame_of(WS_ACTIONS["reauth"][0], tokens["admin"]))
    assert reply["type"] == "error" and reply["error"]["code"] == "connection_unknown"
    assert live.connections.get("c-borrowed") is None
    # A connection that was refused (or is gone) is not recorded: whatever it sends changes
    # nothing and is told to reconnect (ping needs no state and stays harmless).
    for action, (frame, _) in WS_ACTIONS.items():
        reply = _answer(live, sent, "c-tampered", _frame_of(frame, tokens["operator"]))
        expected = "pong" if action == "ping" else "error"
        assert reply is not None and reply["type"] == expected, (action, reply)
        if expected == "error":
            assert reply["error"]["code"] == "connection_unknown"
    assert live.connections.get("c-tampered") is None
