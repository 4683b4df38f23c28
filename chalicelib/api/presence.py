"""The operators' presence (docs/assignment.md): the team with who is online for pickers and
the dialog's participants, and the operator's own status (available / away) from the top bar."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.api import schemas_presence
from chalicelib.api.decoding import decode
from chalicelib.api.http import ANY_CONTENT, handles_errors, json_body, json_response
from chalicelib.api.operator_auth import current_operator
from chalicelib.bootstrap import services
from chalicelib.domain.presence import Status
from chalicelib.views import team_member_view

presence_api = Blueprint(__name__)


def _presence() -> Any:
    return services().presence


@presence_api.route("/api/operators", methods=["GET"])
@handles_errors
def team() -> Any:
    current_operator(presence_api.current_request)
    return json_response({"items": [team_member_view(member) for member in _presence().team()]})


@presence_api.route("/api/presence", methods=["GET"])
@handles_errors
def own_presence() -> Any:
    operator = current_operator(presence_api.current_request)
    return json_response(team_member_view(_presence().of(operator.username)))


@presence_api.route("/api/presence", methods=["PUT"], content_types=ANY_CONTENT)
@handles_errors
def set_status() -> Any:
    request = presence_api.current_request
    operator = current_operator(request)
    body = decode(json_body(request), schemas_presence.StatusInput)
    return json_response(team_member_view(_presence().set_status(operator.username, Status(body.status))))
