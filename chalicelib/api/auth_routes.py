"""Sign-in for the operator UI: login, refresh, who am I, websocket tickets."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.api.bodies import check_login, check_refresh
from chalicelib.api.http import ANY_CONTENT, handles_errors, json_body, json_response
from chalicelib.api.operator_auth import current_operator
from chalicelib.auth.cognito import Tokens
from chalicelib.auth.tickets import issue_ticket
from chalicelib.bootstrap import services

auth_api = Blueprint(__name__)


def _tokens_view(tokens: Tokens) -> dict[str, Any]:
    operator = services().verifier.verify(tokens.access_token)
    body: dict[str, Any] = {
        "access_token": tokens.access_token,
        "id_token": tokens.id_token,
        "expires_in": tokens.expires_in,
        "operator": operator.view(),
    }
    if tokens.refresh_token:
        body["refresh_token"] = tokens.refresh_token
    return body


@auth_api.route("/api/auth/login", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def login() -> Any:
    username, password = check_login(json_body(auth_api.current_request))
    return json_response(_tokens_view(services().sign_in.login(username, password)))


@auth_api.route("/api/auth/refresh", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def refresh() -> Any:
    token = check_refresh(json_body(auth_api.current_request))
    return json_response(_tokens_view(services().sign_in.refresh(token)))


@auth_api.route("/api/me", methods=["GET"])
@handles_errors
def me() -> Any:
    return json_response(current_operator(auth_api.current_request).view())


@auth_api.route("/api/ws-ticket", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def ws_ticket() -> Any:
    operator = current_operator(auth_api.current_request)
    runtime = services()
    ticket, expires_at = issue_ticket(operator.username, operator.admin, runtime.clock)
    return json_response({"ticket": ticket, "expires_at": expires_at, "ws_url": runtime.settings.ws_url})


@auth_api.route("/api/openapi.json", methods=["GET"])
@handles_errors
def openapi() -> Any:
    from chalicelib.api.openapi_operator import operator_openapi  # loaded on first use, not at cold start

    return json_response(operator_openapi())
