"""Admin request bodies and parameters: a bot's fields, the dead-letter list and replay.

Decoded against their schemas (`schemas_admin.py`) like every other body (`bodies.py`);
`check_bot_fields` also serves the ops command and the local runtime's demo bot, so this
module needs no Chalice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast
from urllib.parse import urlparse

from msgspec import UNSET

from chalicelib.api import schemas_admin
from chalicelib.api.decoding import decode, decode_query
from chalicelib.domain import scripts
from chalicelib.domain.commands import BotFields, ReplayRequest
from chalicelib.domain.errors import ValidationFailed


def check_bot_fields(body: Any, *, creating: bool, local: bool) -> BotFields:
    """The body of `POST /api/admin/bots` (`creating`: a name is required) and of its PATCH."""
    bot = decode(body, schemas_admin.BotCreateInput if creating else schemas_admin.BotInput)
    fields: dict[str, Any] = {}
    if bot.name is not UNSET:
        fields["name"] = bot.name.strip()
    if bot.webhook_url is not UNSET:
        # The schema's pattern allows what either place may take; the environment decides.
        try:
            problem = webhook_url_problem(bot.webhook_url, local=local) if bot.webhook_url else None
        except ValueError:  # urlparse refuses some hosts (a bad IPv6 literal): not a URL, not a 500
            problem = "not a URL"
        if problem:
            raise ValidationFailed("invalid fields: webhook_url", fields={"webhook_url": problem})
        fields["webhook_url"] = bot.webhook_url or None
    if bot.enabled is not UNSET:
        fields["enabled"] = bot.enabled
    if bot.allow_messages_with_operator is not UNSET:
        fields["bot_messages_with_operator"] = bot.allow_messages_with_operator
    if bot.scripts is not UNSET:
        for name, texts in (("return", bot.scripts.return_), ("operator_transfer", bot.scripts.operator_transfer),
                            ("unanswered", bot.scripts.unanswered)):
            if texts is not UNSET:
                fields[f"{name}_script"] = list(texts or [])
    return cast(BotFields, fields)


def webhook_url_problem(url: str, *, local: bool) -> str | None:
    """In AWS webhooks are https only; the local runtime also allows http to loopback.
    (Resolution-time checks against private addresses live with the delivery code.)"""
    parsed = urlparse(url)
    if parsed.scheme == "https" and parsed.hostname:
        return None
    if local and parsed.scheme == "http" and parsed.hostname in ("127.0.0.1", "localhost", "::1"):
        return None
    return "must be an https URL" + (" (or http to localhost in the local runtime)" if local else "")


def check_dead_letter_query(params: Mapping[str, str] | None) -> tuple[int, str | None, str | None]:
    """`?limit=&cursor=&bot_id=` of the dead letters: (limit, cursor, bot_id), empty as none."""
    query = decode_query(params, schemas_admin.DeadLetterQuery)
    return query.limit, query.cursor or None, query.bot_id or None


def check_replay(body: Any) -> ReplayRequest:
    """The body of `POST /api/admin/webhooks/replay` (optional): `bot_id`, `limit`."""
    replay = decode({} if body is None else body, schemas_admin.ReplayInput)
    return ReplayRequest(replay.bot_id or None, replay.limit)


def check_script_preview(body: Any) -> tuple[list[str], str | None, dict[str, Any]]:
    """The body of `POST /api/admin/scripts/preview`: (texts, lead name, lead attributes); the
    built-in sample lead when the body names none."""
    preview = decode(body, schemas_admin.ScriptPreviewInput)
    if preview.lead is UNSET:
        return list(preview.texts), scripts.SAMPLE_LEAD_NAME, dict(scripts.SAMPLE_LEAD_ATTRIBUTES)
    return list(preview.texts), preview.lead.name, dict(preview.lead.attributes)


def check_operator_query(params: Mapping[str, str] | None) -> tuple[int, str | None]:
    """`?limit=&cursor=` of the operators: (limit, cursor)."""
    query = decode_query(params, schemas_admin.OperatorQuery)
    return query.limit, query.cursor or None
