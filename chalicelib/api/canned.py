"""Canned replies (docs/operator-api.md, "Canned replies"): every operator lists the team's
and their own and manages their own; only admins manage the team's (403 for others)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.api.decoding import decode, decode_query
from chalicelib.api.http import ANY_CONTENT, handles_errors, json_body, json_response
from chalicelib.api.operator_auth import current_admin, current_operator
from chalicelib.api.schemas_canned import CannedQuery, CannedReplyEdit, CannedReplyInput
from chalicelib.bootstrap import services
from chalicelib.domain.canned import SHORTCUT_RE, TEAM, personal
from chalicelib.domain.errors import NotFound
from chalicelib.views import canned_reply_view

canned_api = Blueprint(__name__)


def _request() -> Any:
    return canned_api.current_request


def _shortcut(shortcut: str) -> str:
    if not SHORTCUT_RE.match(shortcut or ""):
        raise NotFound("canned_reply_not_found", "no such canned reply")
    return shortcut


def _create(owner: str, username: str) -> Response:
    body = decode(json_body(_request()), CannedReplyInput)
    reply = services().canned.create(owner, body.shortcut, body.text, username)
    return json_response(canned_reply_view(reply), 201)


def _edit(owner: str, shortcut: str, username: str) -> Response:
    shortcut = _shortcut(shortcut)
    body = decode(json_body(_request()), CannedReplyEdit)
    reply = services().canned.edit(owner, shortcut, username, new_shortcut=body.shortcut or None,
                                   text=body.text or None)
    return json_response(canned_reply_view(reply))


def _delete(owner: str, shortcut: str) -> Response:
    services().canned.delete(owner, _shortcut(shortcut))
    return Response(body="", status_code=204)


@canned_api.route("/api/canned-replies", methods=["GET"])
@handles_errors
def list_replies() -> Any:
    operator = current_operator(_request())
    query = decode_query(_request().query_params, CannedQuery)
    lead_id = query.lead_id or None
    items = services().canned.for_operator(operator.username, lead_id)
    return json_response({"items": [canned_reply_view(reply, rendered) for reply, rendered in items]})


@canned_api.route("/api/canned-replies", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def create_personal() -> Any:
    operator = current_operator(_request())
    return _create(personal(operator.username), operator.username)


@canned_api.route("/api/canned-replies/{shortcut}", methods=["PATCH"], content_types=ANY_CONTENT)
@handles_errors
def edit_personal(shortcut: str) -> Any:
    operator = current_operator(_request())
    return _edit(personal(operator.username), shortcut, operator.username)


@canned_api.route("/api/canned-replies/{shortcut}", methods=["DELETE"])
@handles_errors
def delete_personal(shortcut: str) -> Any:
    operator = current_operator(_request())
    return _delete(personal(operator.username), shortcut)


@canned_api.route("/api/admin/canned-replies", methods=["GET"])
@handles_errors
def list_team() -> Any:
    current_admin(_request())
    return json_response({"items": [canned_reply_view(reply) for reply in services().canned.list(TEAM)]})


@canned_api.route("/api/admin/canned-replies", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def create_team() -> Any:
    admin = current_admin(_request())
    return _create(TEAM, admin.username)


@canned_api.route("/api/admin/canned-replies/{shortcut}", methods=["PATCH"], content_types=ANY_CONTENT)
@handles_errors
def edit_team(shortcut: str) -> Any:
    admin = current_admin(_request())
    return _edit(TEAM, shortcut, admin.username)


@canned_api.route("/api/admin/canned-replies/{shortcut}", methods=["DELETE"])
@handles_errors
def delete_team(shortcut: str) -> Any:
    current_admin(_request())
    return _delete(TEAM, shortcut)
