"""The authorization matrix: every /api route × {no token, bad token, operator, admin}.

Every `/api` route of the app (whoever wrote it) must answer 401 without a token and with
a bad one, except the public ones. The operator and admin routes of docs/operator-api.md
also have their expected status for an operator and for an admin; admin routes answer an
operator 403. Operators see every bot's dialogs (there is no per-bot assignment), so a
lead of another bot answers an operator like one of the first bot.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from app import app
from tests.api.conftest import ADMIN, OPERATOR, PASSWORD

PUBLIC = {("POST", "/api/auth/login"), ("POST", "/api/auth/refresh"), ("GET", "/api/openapi.json"),
          # Sign-in's challenges and the forgotten password: a Cognito session or a username, no token.
          ("POST", "/api/auth/challenge"), ("POST", "/api/auth/totp-setup"),
          ("POST", "/api/auth/forgot-password"), ("POST", "/api/auth/reset-password")}


@dataclass
class Case:
    operator: int
    admin: int
    body: Callable[[Any], Any] | None = None
    # Which dialog a lead route acts on: "waiting", "joined" (both callers are in it), "other_bot".
    lead: str = "waiting"


def _upload_body(_ctx):
    return {"filename": "a.txt", "content_type": "text/plain", "size": 3}


MATRIX: dict[tuple[str, str], Case] = {
    ("GET", "/api/me"): Case(200, 200),
    ("POST", "/api/me/totp"): Case(200, 200),
    ("POST", "/api/me/totp/verify"): Case(200, 200, lambda ctx: {"code": "123456"}),  # moto takes any code
    ("POST", "/api/ws-ticket"): Case(200, 200),
    ("GET", "/api/tabs/{tab}"): Case(200, 200),
    ("GET", "/api/counts"): Case(200, 200),
    # Without ?q= a signed-in caller gets the 422 of an empty search; anyone else a 401.
    ("GET", "/api/search"): Case(422, 422),
    ("GET", "/api/bots"): Case(200, 200),
    ("GET", "/api/dialogs/{lead_id}"): Case(200, 200),
    ("GET", "/api/dialogs/{lead_id}/messages"): Case(200, 200),
    ("POST", "/api/dialogs/{lead_id}/messages"): Case(201, 201, lambda ctx: {"client_id": "c1", "text": "hi"},
                                                       lead="joined"),
    ("PATCH", "/api/dialogs/{lead_id}/lead"): Case(200, 200, lambda ctx: {"status": "hot"}),
    ("POST", "/api/dialogs/{lead_id}/start"): Case(200, 200),
    ("POST", "/api/dialogs/{lead_id}/leave"): Case(200, 200, lead="joined"),
    ("POST", "/api/dialogs/{lead_id}/resolve"): Case(200, 200, lead="joined"),
    ("POST", "/api/dialogs/{lead_id}/read"): Case(200, 200),
    ("POST", "/api/uploads"): Case(201, 201, _upload_body),
    ("GET", "/api/operators"): Case(200, 200),
    ("GET", "/api/presence"): Case(200, 200),
    ("PUT", "/api/presence"): Case(200, 200, lambda ctx: {"status": "away"}),
    ("POST", "/api/dialogs/{lead_id}/notes"): Case(201, 201, lambda ctx: {"client_id": "n1", "text": "hi"}),
    # Canned replies: each caller's own (a shortcut nobody has is 404 to anyone); the team's are the admins'.
    ("GET", "/api/canned-replies"): Case(200, 200),
    ("POST", "/api/canned-replies"): Case(201, 201, lambda ctx: {"shortcut": "hi", "text": "Hello {{name}}"}),
    ("PATCH", "/api/canned-replies/{shortcut}"): Case(404, 404, lambda ctx: {"text": "Hi"}),
    ("DELETE", "/api/canned-replies/{shortcut}"): Case(404, 404),
    ("GET", "/api/admin/canned-replies"): Case(403, 200),
    ("POST", "/api/admin/canned-replies"): Case(403, 201, lambda ctx: {"shortcut": "hi", "text": "Hello {{name}}"}),
    ("PATCH", "/api/admin/canned-replies/{shortcut}"): Case(403, 404, lambda ctx: {"text": "Hi"}),
    ("DELETE", "/api/admin/canned-replies/{shortcut}"): Case(403, 404),
    ("GET", "/api/admin/bots"): Case(403, 200),
    ("POST", "/api/admin/bots"): Case(403, 201, lambda ctx: {"name": "New bot"}),
    ("GET", "/api/admin/bots/{bot_id}"): Case(403, 200),
    ("PATCH", "/api/admin/bots/{bot_id}"): Case(403, 200, lambda ctx: {"name": "Renamed"}),
    ("POST", "/api/admin/bots/{bot_id}/rotate-key"): Case(403, 200),
    ("POST", "/api/admin/bots/{bot_id}/rotate-webhook-secret"): Case(403, 200),
    # The managed bot has no webhook URL: the admin gets past authorization to the 409.
    ("POST", "/api/admin/bots/{bot_id}/test-delivery"): Case(403, 409),
    ("POST", "/api/admin/scripts/preview"): Case(403, 200, lambda ctx: {"texts": ["Hello {{name}}"]}),
    ("GET", "/api/admin/operators"): Case(403, 200),
}


def api_routes() -> list[tuple[str, str]]:
    return sorted((method, path) for path, entries in app.routes.items() if path.startswith("/api/")
                  for method in entries)


def test_the_matrix_covers_every_operator_and_admin_route():
    routes = set(api_routes())
    assert set(MATRIX) <= routes
    from chalicelib.api import admin, admin_operators, auth_routes, canned, operator, presence, search

    mine = {
        (method, path) for path, entries in app.routes.items() for method, entry in entries.items()
        if entry.view_function.__module__ in (admin.__name__, admin_operators.__name__, auth_routes.__name__,
                                             operator.__name__, presence.__name__, search.__name__,
                                             canned.__name__)
    }
    assert mine - PUBLIC == set(MATRIX)


def _concrete(path: str, params: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: params.get(m.group(1), "x"), path)


def test_no_token_and_bad_tokens_are_401_on_every_route(api, cognito):
    # One test for every route (a fixture per route would spend its time building Cognito).
    expired = cognito.forge(exp=1_700_000_000, iat=1_699_990_000)
    tokens = (None, "nonsense", expired, cognito.forge(client_id="someone-else"))
    routes = [r for r in api_routes() if r not in PUBLIC]
    assert len(routes) >= len(MATRIX)
    for method, path in routes:
        concrete = _concrete(path, {"tab": "waiting", "lead_id": "ld_" + "a" * 26, "bot_id": "bot_x"})
        for token in tokens:
            response = api.call(method, concrete, {} if method != "GET" else None, as_=None, token=token)
            assert response.status == 401, (method, path, token)
            assert response.body["error"]["code"] == "unauthorized"
            assert response.headers.get("WWW-Authenticate") == "Bearer"


def test_public_routes_need_no_token(api):
    assert api.get("/api/openapi.json", as_=None).status == 200
    assert api.post("/api/auth/login", {"username": OPERATOR, "password": PASSWORD}, as_=None).status == 200
    assert api.post("/api/auth/refresh", {"refresh_token": "x"}, as_=None).status == 401


@pytest.mark.parametrize("role", [OPERATOR, ADMIN])
def test_operator_and_admin_on_every_route(api, leads, bot, other_bot, role):
    from chalicelib import bootstrap
    from tests.conftest import make_bot

    # The admin bot routes act on a bot of their own (rotating its key must not stop the leads).
    managed = make_bot(bootstrap.services(), name="Managed bot")
    for route in sorted(MATRIX):
        _check_route(api, leads, managed, other_bot, role, route)


def _check_route(api, leads, managed, other_bot, role, route):
    from chalicelib.domain.credentials import parse_api_key

    method, path = route
    case = MATRIX[route]
    if case.lead == "joined":
        lead_id = leads.make(waiting=True)
        api.post(f"/api/dialogs/{lead_id}/start", as_=OPERATOR)
        api.post(f"/api/dialogs/{lead_id}/start", as_=ADMIN)
    else:
        lead_id = leads.make(waiting=True)
    concrete = _concrete(path, {"tab": "waiting", "lead_id": lead_id, "bot_id": managed.id})
    body = case.body(None) if case.body else ({} if method != "GET" else None)
    response = api.call(method, concrete, body, as_=role)
    expected = case.admin if role == ADMIN else case.operator
    assert response.status == expected, (route, role, response.body)
    if expected == 403:
        assert response.body["error"]["code"] == "forbidden"

    # Another bot's lead: the same answer (operators work every bot's dialogs).
    if "{lead_id}" in path:
        other = type(leads)(other_bot)
        theirs = other.make(waiting=True)
        assert parse_api_key(other_bot.api_key).bot_id != leads.key.bot_id
        if case.lead == "joined":
            api.post(f"/api/dialogs/{theirs}/start", as_=OPERATOR)
            api.post(f"/api/dialogs/{theirs}/start", as_=ADMIN)
        response = api.call(method, _concrete(path, {"lead_id": theirs}), body, as_=role)
        assert response.status == expected, (route, role, "other bot", response.body)
