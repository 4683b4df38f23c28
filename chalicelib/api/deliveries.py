"""Admin API for webhook deliveries: the dead letters and their replay (docs/webhooks.md).

Admins only (Cognito group `admins`, verified by the app: chalicelib/api/operator_auth.py).
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.api.admin_bodies import check_dead_letter_query, check_replay
from chalicelib.api.bodies import optional_body
from chalicelib.api.http import ANY_CONTENT, handles_errors, json_response
from chalicelib.api.operator_auth import current_admin
from chalicelib.bootstrap import services
from chalicelib.observability import render_each
from chalicelib.webhooks.dead_letters import dead_letter_view

deliveries_api = Blueprint(__name__)


@deliveries_api.route("/api/admin/webhooks/dead-letters", methods=["GET"])
@handles_errors
def list_dead_letters() -> Any:
    request = deliveries_api.current_request
    current_admin(request)
    limit, cursor, bot_id = check_dead_letter_query(request.query_params)
    items, cursor = services().webhooks.dead_letters.list(limit=limit, cursor=cursor, bot_id=bot_id)
    return json_response({"items": render_each(items, dead_letter_view, "dead letter"), "next_cursor": cursor})


@deliveries_api.route("/api/admin/webhooks/dead-letters/{letter_id}", methods=["GET"])
@handles_errors
def get_dead_letter(letter_id: str) -> Any:
    current_admin(deliveries_api.current_request)
    return json_response(dead_letter_view(services().webhooks.dead_letters.get(letter_id)))


@deliveries_api.route("/api/admin/webhooks/dead-letters/{letter_id}/replay", methods=["POST"],
                      content_types=ANY_CONTENT)
@handles_errors
def replay_dead_letter(letter_id: str) -> Any:
    current_admin(deliveries_api.current_request)
    letter = services().webhooks.dead_letters.replay(letter_id)
    return json_response({"replayed": [letter.id]}, 202)


@deliveries_api.route("/api/admin/webhooks/replay", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def replay_dead_letters() -> Any:
    request = deliveries_api.current_request
    current_admin(request)
    replay = check_replay(optional_body(request))
    letters = services().webhooks.dead_letters.replay_all(bot_id=replay.bot_id, limit=replay.limit)
    return json_response({"replayed": [letter.id for letter in letters]}, 202)
