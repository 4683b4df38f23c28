"""`GET /api/search`: the operators' search box (docs/operator-api.md, "Search")."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.api.decoding import decode_query
from chalicelib.api.http import handles_errors, json_response
from chalicelib.api.operator_auth import current_operator
from chalicelib.api.schemas_search import SearchQueryString
from chalicelib.bootstrap import services

search_api = Blueprint(__name__)


@search_api.route("/api/search", methods=["GET"])
@handles_errors
def search() -> Any:
    request = search_api.current_request
    current_operator(request)
    params = decode_query(request.query_params, SearchQueryString)
    query, page = services().search.page(params.q, params.limit, params.cursor or None)
    return json_response({"kind": query.kind.value, "value": query.value, "items": page.items,
                          "next_cursor": page.next_cursor})
