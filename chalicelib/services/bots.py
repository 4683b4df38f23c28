"""Bots: create, list, edit, rotate the API key. Used by the admin API and the ops command.

A new or rotated API key is returned once and stored only as a hash. Bots are listed by
a Query on the `by-name` index (never a table scan).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from pynamodb.exceptions import UpdateError

from chalicelib.clock import Clock, iso
from chalicelib.domain.credentials import new_api_key, new_webhook_secret
from chalicelib.domain.errors import Busy, NotFound
from chalicelib.domain.ids import new_bot_id
from chalicelib.domain.scripts import SCRIPTS
from chalicelib.domain.validation import MAX_TEXT, Problems, require_object
from chalicelib.storage.models import BotModel

MAX_SCRIPT_MESSAGES = 10
_ROTATION_ATTEMPTS = 5


@dataclass(frozen=True)
class BotSecrets:
    """Shown to the caller once, at creation or rotation."""

    api_key: str | None = None
    webhook_secret: str | None = None


def check_bot_fields(body: Any, *, creating: bool, local: bool) -> dict[str, Any]:
    body = require_object(body)
    problems = Problems()
    allowed = {"name", "webhook_url", "enabled", "scripts"}
    for key in body:
        if key not in allowed:
            problems.add(key, "unknown field")
    fields: dict[str, Any] = {}
    if "name" in body or creating:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 128:
            problems.add("name", "a name of 1-128 characters")
        else:
            fields["name"] = name.strip()
    if "webhook_url" in body:
        url = body["webhook_url"]
        if url is None or url == "":
            fields["webhook_url"] = None
        elif not isinstance(url, str) or len(url) > 2048:
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
    return fields


def webhook_url_problem(url: str, *, local: bool) -> str | None:
    """In AWS webhooks are https only; the local runtime also allows http to loopback.
    (Resolution-time checks against private addresses live with the delivery code.)"""
    parsed = urlparse(url)
    if parsed.scheme == "https" and parsed.hostname:
        return None
    if local and parsed.scheme == "http" and parsed.hostname in ("127.0.0.1", "localhost", "::1"):
        return None
    return "must be an https URL" + (" (or http to localhost in the local runtime)" if local else "")


class BotService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def create(self, fields: dict[str, Any]) -> tuple[BotModel, BotSecrets]:
        bot_id = new_bot_id()
        key = new_api_key(bot_id)
        secret = new_webhook_secret()
        now = iso(self.clock.now())
        bot = BotModel(
            bot_id,
            name=fields["name"],
            api_key_hash=key.hash,
            api_key_hint=key.hint,
            webhook_url=fields.get("webhook_url"),
            webhook_secret=secret,
            return_script=fields.get("return_script", []),
            operator_transfer_script=fields.get("operator_transfer_script", []),
            enabled=fields.get("enabled", True),
            created_at=now,
            updated_at=now,
        )
        bot.save(condition=BotModel.id.does_not_exist())
        return bot, BotSecrets(api_key=key.value, webhook_secret=secret)

    def get(self, bot_id: str) -> BotModel:
        if not re.match(r"^bot_[a-z0-9]{1,64}$", bot_id or ""):
            raise NotFound("bot_not_found", "no such bot")
        try:
            return BotModel.get(bot_id, consistent_read=True)
        except BotModel.DoesNotExist:
            raise NotFound("bot_not_found", "no such bot") from None

    def list(self) -> list[BotModel]:
        return list(BotModel.by_name.query("bots"))

    def update(self, bot_id: str, fields: dict[str, Any]) -> BotModel:
        bot = self.get(bot_id)
        if not fields:
            return bot
        actions = [getattr(BotModel, name).set(value) for name, value in fields.items() if value is not None]
        actions += [getattr(BotModel, name).remove() for name, value in fields.items() if value is None]
        if "webhook_url" in fields:
            # A new URL is a fresh start for a webhook that a 410 had disabled.
            actions += [BotModel.webhook_disabled_at.remove(), BotModel.webhook_disabled_reason.remove()]
        actions.append(BotModel.updated_at.set(iso(self.clock.now())))
        bot.update(actions, condition=BotModel.id.exists())
        return bot

    def rotate_key(self, bot_id: str) -> tuple[BotModel, BotSecrets]:
        """A new API key; the old one stops working at once."""
        bot = self.get(bot_id)
        key = new_api_key(bot.id)
        bot.update(
            [BotModel.api_key_hash.set(key.hash), BotModel.api_key_hint.set(key.hint),
             BotModel.updated_at.set(iso(self.clock.now()))],
            condition=BotModel.id.exists(),
        )
        return bot, BotSecrets(api_key=key.value)

    def rotate_webhook_secret(self, bot_id: str) -> tuple[BotModel, BotSecrets]:
        """A new signing secret; the previous one keeps signing too until the next rotation,
        so a bot can switch over without dropping a call."""
        secret = new_webhook_secret()
        for _ in range(_ROTATION_ATTEMPTS):
            bot = self.get(bot_id)
            try:
                # Conditioned on the secret that becomes the previous one: a rotation in
                # between would otherwise be dropped, and the secret it handed out never sign.
                bot.update(
                    [BotModel.webhook_secret_previous.set(bot.webhook_secret), BotModel.webhook_secret.set(secret),
                     BotModel.updated_at.set(iso(self.clock.now()))],
                    condition=BotModel.webhook_secret == bot.webhook_secret,
                )
            except UpdateError as error:
                if getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException":
                    continue  # read again: rotate from the secret the other rotation set
                raise
            return bot, BotSecrets(webhook_secret=secret)
        raise Busy("the bot's webhook secret is being rotated right now; try again")
