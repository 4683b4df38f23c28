"""The admin API: bots (create, edit, rotate secrets, test their webhook, preview their
scripts). Admins are the Cognito group `admins`."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.api.admin_bodies import check_bot_fields, check_script_preview
from chalicelib.api.http import ANY_CONTENT, handles_errors, json_body, json_response
from chalicelib.api.operator_auth import current_admin
from chalicelib.bootstrap import services
from chalicelib.domain import scripts
from chalicelib.observability import render_each
from chalicelib.views import bot_view, ping_view

admin_api = Blueprint(__name__)


def _request() -> Any:
    return admin_api.current_request


@admin_api.route("/api/admin/bots", methods=["GET"])
@handles_errors
def list_bots() -> Any:
    current_admin(_request())
    return json_response({"items": render_each(services().bots.list(), bot_view, "bot")})


@admin_api.route("/api/admin/bots", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def create_bot() -> Any:
    current_admin(_request())
    runtime = services()
    fields = check_bot_fields(json_body(_request()), creating=True, local=runtime.settings.is_local)
    bot, secrets = runtime.bots.create(fields)
    # The two secrets are shown here once: only a hash of the key is stored.
    return json_response({"bot": bot_view(bot), "api_key": secrets.api_key,
                          "webhook_secret": secrets.webhook_secret}, 201)


@admin_api.route("/api/admin/bots/{bot_id}", methods=["GET"])
@handles_errors
def get_bot(bot_id: str) -> Any:
    current_admin(_request())
    return json_response(bot_view(services().bots.get(bot_id)))


@admin_api.route("/api/admin/bots/{bot_id}", methods=["PATCH"], content_types=ANY_CONTENT)
@handles_errors
def edit_bot(bot_id: str) -> Any:
    current_admin(_request())
    runtime = services()
    fields = check_bot_fields(json_body(_request()), creating=False, local=runtime.settings.is_local)
    return json_response(bot_view(runtime.bots.update(bot_id, fields)))


@admin_api.route("/api/admin/bots/{bot_id}/rotate-key", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def rotate_key(bot_id: str) -> Any:
    current_admin(_request())
    bot, secrets = services().bots.rotate_key(bot_id)
    return json_response({"bot": bot_view(bot), "api_key": secrets.api_key})


@admin_api.route("/api/admin/bots/{bot_id}/rotate-webhook-secret", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def rotate_webhook_secret(bot_id: str) -> Any:
    current_admin(_request())
    bot, secrets = services().bots.rotate_webhook_secret(bot_id)
    return json_response({"bot": bot_view(bot), "webhook_secret": secrets.webhook_secret})


@admin_api.route("/api/admin/bots/{bot_id}/test-delivery", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def test_delivery(bot_id: str) -> Any:
    current_admin(_request())
    runtime = services()
    # Synchronous on purpose: the admin waits for the answer (at most PING_TIMEOUT_SECONDS).
    return json_response(ping_view(runtime.webhooks.ping.ping(runtime.bots.get(bot_id))))


@admin_api.route("/api/admin/scripts/preview", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def preview_script() -> Any:
    current_admin(_request())
    texts, name, attributes = check_script_preview(json_body(_request()))
    # The domain's own renderer, the one transitions use: the preview cannot drift from it.
    return json_response({"messages": scripts.render_all(texts, attributes, name),
                          "lead": {"name": name, "attributes": attributes}})
