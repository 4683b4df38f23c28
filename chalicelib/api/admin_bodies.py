"""Admin request bodies and parameters: a bot's fields, the dead-letter list and replay.

Parsed like every other body (`chalicelib/api/bodies.py`); `check_bot_fields` also serves
the ops command and the local runtime's demo bot, so this module needs no Chalice.
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlparse

from chalicelib.api.bodies import reject_unknown, require_object
from chalicelib.domain.commands import MAX_BOT_NAME, MAX_SCRIPT_MESSAGES, MAX_TEXT, MAX_URL, BotFields, ReplayRequest
from chalicelib.domain.errors import Problems, ValidationFailed
from chalicelib.domain.scripts import SCRIPTS


def check_bot_fields(body: Any, *, creating: bool, local: bool) -> BotFields:
    """The body of `POST /api/admin/bots` (`creating`: a name is required) and of its PATCH."""
    body = require_object(body)
    problems = Problems()
    reject_unknown(body, {"name", "webhook_url", "enabled", "scripts"}, problems)
    fields: dict[str, Any] = {}
    if "name" in body or creating:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_BOT_NAME:
            problems.add("name", "a name of 1-128 characters")
        else:
            fields["name"] = name.strip()
    if "webhook_url" in body:
        url = body["webhook_url"]
        if url is None or url == "":
            fields["webhook_url"] = None
        elif not isinstance(url, str) or len(url) > MAX_URL:
            problems.add("webhook_url", "a URL")
        else:
            problem = webhook_url_problem(url, local=local)
            if problem:
                problems.add("webhook_url", problem)
            else:
                fields["webhook_url"] = url
    if "enabled" in body:
        if not isinstance(body["enabled"], bool):
            problems.add("enabled", "true or false")
        else:
            fields["enabled"] = body["enabled"]
    if "scripts" in body:
        scripts = body["scripts"]
        if not isinstance(scripts, dict):
            problems.add("scripts", 'an object {"return": [...], "operator_transfer": [...]}')
        else:
            for name, texts in scripts.items():
                where = f"scripts.{name}"
                if name not in SCRIPTS:
                    problems.add(where, "unknown script (return, operator_transfer)")
                elif texts is None:
                    fields[f"{name}_script"] = []
                elif (
                    not isinstance(texts, list)
                    or len(texts) > MAX_SCRIPT_MESSAGES
                    or not all(isinstance(t, str) and 0 < len(t) <= MAX_TEXT for t in texts)
                ):
                    problems.add(where, f"a list of at most {MAX_SCRIPT_MESSAGES} message texts")
                else:
                    fields[f"{name}_script"] = list(texts)
    problems.raise_if_any()
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


def dead_letter_limit(raw: str | None, default: int, high: int) -> int:
    """How many dead letters to list or replay: 1 to `high`."""
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= high:
        raise ValidationFailed("invalid fields: limit", fields={"limit": f"a number from 1 to {high}"})
    return int(raw)


def dead_letter_bot_id(raw: Any) -> str | None:
    """The bot whose dead letters to list or replay; None (or empty) for every bot."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or len(raw) > 80:
        raise ValidationFailed("invalid fields: bot_id", fields={"bot_id": "a bot id"})
    return raw


def check_replay(body: Any, high: int) -> ReplayRequest:
    """The body of `POST /api/admin/webhooks/replay` (optional): `bot_id`, `limit` (default `high`)."""
    body = require_object(body or {})
    bot_id = dead_letter_bot_id(body.get("bot_id"))
    return ReplayRequest(bot_id, dead_letter_limit(str(body.get("limit", high)), high, high))
