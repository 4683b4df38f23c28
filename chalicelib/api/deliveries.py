"""Admin API for webhook deliveries: the dead letters and their replay (docs/webhooks.md).

Admins only (Cognito group `admins`, verified by the app: chalicelib/api/operator_auth.py).
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.api.http import ANY_CONTENT, handles_errors, json_body, json_response, query_param
from chalicelib.api.operator_auth import current_admin
from chalicelib.bootstrap import services
from chalicelib.domain.validation import ValidationFailed
from chalicelib.webhooks.dead_letters import MAX_PAGE, dead_letter_view

deliveries_api = Blueprint(__name__)


def _limit(raw: str | None, default: int) -> int:
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise ValidationFailed("invalid fields: limit", fields={"limit": f"a number from 1 to {MAX_PAGE}"})
    return int(raw)


def _bot_id(raw: Any) -> str | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or len(raw) > 80:
        raise ValidationFailed("invalid fields: bot_id", fields={"bot_id": "a bot id"})
    return raw


@deliveries_api.route("/api/admin/webhooks/dead-letters", methods=["GET"])
@handles_errors
def list_dead_letters() -> Any:
    request = deliveries_api.current_request
    current_admin(request)
    items, cursor = services().webhooks.dead_letters.list(
        # Not query_param(): `?limit=` is bad input, not an absent limit.
        limit=_limit((request.query_params or {}).get("limit"), 50),
        cursor=query_param(request, "cursor"),
        bot_id=_bot_id(query_param(request, "bot_id")),
    )
    return json_response({"items": [dead_letter_view(item) for item in items], "next_cursor": cursor})


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
    body = json_body(request, required=False) or {}
    if not isinstance(body, dict):
        raise ValidationFailed("the body must be a JSON object", fields={"body": "must be an object"})
    letters = services().webhooks.dead_letters.replay_all(bot_id=_bot_id(body.get("bot_id")),
                                                          limit=_limit(str(body.get("limit", MAX_PAGE)), MAX_PAGE))
    return json_response({"replayed": [letter.id for letter in letters]}, 202)
