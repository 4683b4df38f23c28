"""The admin API's operators (the admin screens' Operators page): who the Cognito pool holds and
who is online now. Managing them stays in the AWS console; the answer links to it."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.adapters.operator_directory import console_users_url
from chalicelib.api.admin_bodies import check_operator_query
from chalicelib.api.http import handles_errors, json_response
from chalicelib.api.operator_auth import current_admin
from chalicelib.bootstrap import services
from chalicelib.observability import render_each
from chalicelib.views import operator_presence_view

operators_api = Blueprint(__name__)


@operators_api.route("/api/admin/operators", methods=["GET"])
@handles_errors
def list_operators() -> Any:
    request = operators_api.current_request
    current_admin(request)
    limit, cursor = check_operator_query(request.query_params)
    runtime = services()
    entries, next_cursor = runtime.operators.page(limit, cursor)
    return json_response({"items": render_each(entries, operator_presence_view, "operator"),
                          "next_cursor": next_cursor, "console_url": console_users_url(runtime.settings)})
