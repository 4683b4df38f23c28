"""The demo bot: a small reference bot that uses only Handover's public bot API and its
webhooks, the way a real bot platform would (outside chalicelib/, development only).

It also serves the lead simulator's back end (the page is local_runtime/demo/simulator/):
- `POST /demo-bot/leads/{lead_ref}/messages` `{text, name}`: the lead typed something. The bot
  posts it to Handover; in state `bot` it answers, and the word "operator" makes it say so
  and hand off.
- `GET /demo-bot/leads/{lead_ref}?after=N`: what the lead sees (their messages, the bot's,
  and the operators' replies that reached the bot through its webhook).
- `POST /demo-bot/webhook`: Handover's webhook; the signature is checked with the
  `standardwebhooks` package before anything is believed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

log = logging.getLogger("local_runtime")

DEMO_BOT_NAME = "Demo bot"
# Defaults (`{{first_name|there}}`) so that a lead without a first name reads as well as one
# with it (docs/bot-api.md, "System scripts").
DEMO_SCRIPTS = {
    "operator_transfer": ["Hi {{first_name|there}}, an operator joined the chat. They will answer you here."],
    "return": ["Welcome back, {{first_name|friend}}: the bot is here again. Write \"operator\" any time to talk "
               "to a person again."],
}
LEAD_REF = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MAX_TRANSCRIPT = 500


def bot_reply(text: str) -> str:
    lowered = text.lower()
    if re.search(r"\b(hi|hello|hey)\b", lowered):
        return "Hello! I am the demo bot. Ask me anything, or write \"operator\" to talk to a person."
    if "price" in lowered or "cost" in lowered:
        return "Our plans start at 10 EUR a month. Write \"operator\" if you want a person to help you choose."
    return f"I am only a demo bot, so I can't help with \u201c{text[:200]}\u201d. Write \"operator\" to talk to a person."


class DemoBot:
    def __init__(self, url: str, data_dir: Path) -> None:
        self.url = url
        self.state_path = data_dir / "demo-bot.json"
        self.transcripts_path = data_dir / "demo-transcripts.json"
        self.bot_id = ""
        self.api_key = ""
        self.webhook_secret = ""
        self.session: aiohttp.ClientSession | None = None
        try:
            saved = json.loads(self.transcripts_path.read_text())
        except (OSError, ValueError):
            saved = {}
        self.transcripts: dict[str, list[dict[str, Any]]] = saved.get("transcripts", {})
        self.states: dict[str, str] = saved.get("states", {})
        self.seen_events: list[str] = saved.get("seen_events", [])
        self._locks: dict[str, asyncio.Lock] = {}

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/demo-bot/webhook", self.webhook),
            web.get("/demo-bot/leads/{lead_ref}", self.transcript),
            web.post("/demo-bot/leads/{lead_ref}/messages", self.lead_message),
            web.post("/demo-bot/leads/{lead_ref}/files", self.lead_file),
        ]

    # -- registration (at start, with the app's own services: this is the runtime's setup,
    #    the equivalent of an admin creating the bot in the admin UI) ----------------------

    def ensure_registered(self) -> dict[str, Any]:
        """The demo bot with a working API key, created once and kept in DynamoDB Local.
        The key (stored hashed by Handover) is kept in the data directory so that it stays
        the same across restarts; if it no longer matches, it is rotated."""
        from chalicelib import bootstrap
        from chalicelib.api.admin_bodies import check_bot_fields
        from chalicelib.domain.credentials import key_matches, parse_api_key
        from chalicelib.storage.models import BotModel

        bots = bootstrap.services().bots
        try:
            saved = json.loads(self.state_path.read_text())
        except (OSError, ValueError):
            saved = {}
        bot = None
        api_key = saved.get("api_key")
        if saved.get("bot_id"):
            try:
                bot = bots.get(saved["bot_id"])
            except Exception:
                bot = None
        if bot is None:
            bot = next((b for b in bots.list() if b.name == DEMO_BOT_NAME), None)
            if bot is None:
                bot, secrets = bots.create({"name": DEMO_BOT_NAME})
                api_key = secrets.api_key
        key = parse_api_key(api_key or "")
        if key is None or key.bot_id != bot.id or not key_matches(key, bot.api_key_hash):
            api_key = bots.rotate_key(bot.id)[1].api_key
        # The webhook URL follows the port of this run.
        fields = check_bot_fields({"webhook_url": f"{self.url}/demo-bot/webhook", "enabled": True,
                                   "scripts": DEMO_SCRIPTS}, creating=False, local=True)
        bots.update(bot.id, fields)
        self.bot_id = bot.id
        self.api_key = str(api_key)
        self.webhook_secret = BotModel.get(bot.id, consistent_read=True).webhook_secret
        self.state_path.write_text(json.dumps({"bot_id": bot.id, "api_key": self.api_key}))
        self.state_path.chmod(0o600)
        return {"name": DEMO_BOT_NAME, "id": bot.id, "api_key": self.api_key, "webhook_secret": self.webhook_secret}

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()

    # -- the public bot API, as any bot calls it ----------------------------------------------

    def _http(self) -> aiohttp.ClientSession:
        if self.session is None:
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return self.session

    async def _api(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.api_key}", "Content-Type": "application/json"}
        async with self._http().request(method, f"{self.url}/bot/v1{path}", json=body, headers=headers) as response:
            return response.status, await response.json(content_type=None)

    # -- the lead simulator -----------------------------------------------------------------

    def _add(self, lead_ref: str, entry: dict[str, Any]) -> None:
        transcript = self.transcripts.setdefault(lead_ref, [])
        transcript.append({"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **entry})
        del transcript[:-MAX_TRANSCRIPT]
        self._save()

    def _save(self) -> None:
        tmp = self.transcripts_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"transcripts": self.transcripts, "states": self.states,
                                   "seen_events": self.seen_events[-2000:]}))
        tmp.replace(self.transcripts_path)

    async def transcript(self, request: web.Request) -> web.Response:
        lead_ref = request.match_info["lead_ref"]
        if not LEAD_REF.match(lead_ref):
            return web.json_response({"error": {"code": "invalid_lead_ref", "message": "bad lead ref"}}, status=400)
        try:
            after = max(0, int(request.query.get("after", "0")))
        except ValueError:
            after = 0
        items = self.transcripts.get(lead_ref, [])
        return web.json_response({"items": items[after:], "count": len(items), "state": self.states.get(lead_ref)})

    async def lead_message(self, request: web.Request) -> web.Response:
        lead_ref = request.match_info["lead_ref"]
        try:
            body = await request.json()
        except ValueError:
            body = None
        text = body.get("text") if isinstance(body, dict) else None
        name = (body.get("name") if isinstance(body, dict) else None) or "Simulated lead"
        if not LEAD_REF.match(lead_ref) or not isinstance(text, str) or not text.strip() or len(text) > 4000 \
                or not isinstance(name, str) or len(name) > 100:
            return web.json_response({"error": {"code": "validation_failed",
                                                 "message": "send {text, name} with a lead_ref of letters and digits"}},
                                     status=422)
        async with self._locks.setdefault(lead_ref, asyncio.Lock()):
            return await self._lead_says(lead_ref, name.strip(), text.strip())

    async def _ensure_lead(self, lead_ref: str, name: str) -> web.Response | None:
        if lead_ref in self.transcripts:
            return None
        status, lead = await self._api("PUT", f"/leads/{lead_ref}", {
            "name": name, "messenger": "web", "channel": "lead simulator",
            "attributes": {"first_name": name.split()[0]}})
        return web.json_response(lead, status=status) if status >= 300 else None

    async def lead_file(self, request: web.Request) -> web.Response:
        """The lead sends a file: announced to Handover, uploaded with the presigned POST it
        hands out (straight to S3), then referenced by the lead's message, as a bot does."""
        lead_ref = request.match_info["lead_ref"]
        form = await request.post()
        upload = form.get("file")
        name = form.get("name") or "Simulated lead"
        if not LEAD_REF.match(lead_ref) or not isinstance(upload, web.FileField) or not isinstance(name, str):
            return web.json_response({"error": {"code": "validation_failed",
                                                 "message": "send a multipart form with file and name"}}, status=422)
        data = upload.file.read()
        content_type = upload.content_type or "application/octet-stream"
        async with self._locks.setdefault(lead_ref, asyncio.Lock()):
            refused = await self._ensure_lead(lead_ref, name.strip()[:100] or "Simulated lead")
            if refused:
                return refused
            status, announced = await self._api("POST", "/uploads", {
                "filename": upload.filename or "file", "content_type": content_type, "size": len(data)})
            if status >= 300:
                return web.json_response(announced, status=status)
            form_data = aiohttp.FormData(announced["fields"])
            form_data.add_field("file", data, filename=upload.filename or "file", content_type=content_type)
            async with self._http().post(announced["url"], data=form_data) as stored:
                if stored.status >= 300:
                    return web.json_response({"error": {"code": "upload_failed", "message": f"S3 said {stored.status}"}},
                                             status=502)
            self._add(lead_ref, {"from": "lead", "text": None, "attachments": [{"name": upload.filename, "url": None}]})
            status, posted = await self._api("POST", f"/leads/{lead_ref}/messages", {
                "id": f"lead-{uuid.uuid4().hex}", "from": "lead", "attachments": [{"upload_id": announced["upload_id"]}]})
            if status >= 300:
                return web.json_response(posted, status=status)
            state = (posted.get("dialog") or {}).get("state", "bot")
            self.states[lead_ref] = state
            if state == "bot":
                await self._bot_says(lead_ref, f"Thanks, I got {upload.filename}. Write \"operator\" so that a "
                                               "person can look at it.")
            self._save()
            return web.json_response({"items": self.transcripts[lead_ref], "state": state})

    async def _lead_says(self, lead_ref: str, name: str, text: str) -> web.Response:
        refused = await self._ensure_lead(lead_ref, name)
        if refused:
            return refused
        self._add(lead_ref, {"from": "lead", "text": text})
        status, posted = await self._api("POST", f"/leads/{lead_ref}/messages",
                                         {"id": f"lead-{uuid.uuid4().hex}", "from": "lead", "text": text})
        if status >= 300:
            return web.json_response(posted, status=status)
        state = (posted.get("dialog") or {}).get("state", "bot")
        self.states[lead_ref] = state
        if state == "bot":
            if "operator" in text.lower():
                await self._bot_says(lead_ref, "Sure, I am calling an operator. Please wait a moment.")
                status, handed = await self._api("POST", f"/leads/{lead_ref}/handoff",
                                                 {"reason": "the lead asked for an operator"})
                self.states[lead_ref] = (handed.get("dialog") or {}).get("state", state) if status < 300 else state
                self._add(lead_ref, {"from": "system", "text": "Waiting for an operator\u2026"})
            else:
                await self._bot_says(lead_ref, bot_reply(text))
        self._save()
        return web.json_response({"items": self.transcripts[lead_ref], "state": self.states.get(lead_ref)})

    async def _bot_says(self, lead_ref: str, text: str) -> None:
        status, _ = await self._api("POST", f"/leads/{lead_ref}/messages",
                                    {"id": f"bot-{uuid.uuid4().hex}", "from": "bot", "text": text})
        # 409 dialog_with_operator: an operator joined meanwhile, and the bot does not talk over them.
        if status < 300:
            self._add(lead_ref, {"from": "bot", "text": text})

    # -- the webhook ----------------------------------------------------------------------------

    async def webhook(self, request: web.Request) -> web.Response:
        payload = await request.read()
        if not self._verified(payload, request) and not (await asyncio.to_thread(self._reload_secret)
                                                          and self._verified(payload, request)):
            log.warning("demo bot: a webhook call with a bad signature was refused")
            return web.json_response({"error": {"code": "bad_signature", "message": "signature check failed"}},
                                     status=401)
        event = json.loads(payload)
        if event.get("id") in self.seen_events:
            return web.Response(status=204)  # at-least-once: a retry of what we already have
        self.seen_events.append(event.get("id"))
        self._apply(event)
        self._save()
        return web.Response(status=204)

    def _verified(self, payload: bytes, request: web.Request) -> bool:
        try:
            Webhook(self.webhook_secret).verify(payload, dict(request.headers))
            return True
        except WebhookVerificationError:
            return False

    def _reload_secret(self) -> bool:
        """An admin may have rotated the secret in the UI (twice: the previous one no longer
        signs); a real bot would be told the new one, the demo bot reads it again."""
        from chalicelib.storage.models import BotModel

        try:
            secret = BotModel.get(self.bot_id, consistent_read=True).webhook_secret
        except Exception:
            return False
        changed = secret != self.webhook_secret
        self.webhook_secret = secret
        return changed

    def _apply(self, event: dict[str, Any]) -> None:
        data = event.get("data") or {}
        lead_ref = (data.get("lead") or {}).get("lead_ref")
        if not lead_ref:
            return
        state = (data.get("dialog") or {}).get("state")
        if state:
            self.states[lead_ref] = state
        operator = data.get("operator")
        operator_name = operator.get("username") if isinstance(operator, dict) else operator
        kind = event.get("type")
        if kind == "message.created":
            message = data.get("message") or {}
            self._add(lead_ref, {
                "from": message.get("from"), "operator": message.get("operator"), "text": message.get("text"),
                "attachments": [{"name": a.get("name"), "url": a.get("url")} for a in message.get("attachments") or []],
            })
        elif kind == "dialog.operator_joined":
            self._add(lead_ref, {"from": "system", "text": f"{operator_name or 'An operator'} joined the chat"})
        elif kind == "dialog.operator_left":
            self._add(lead_ref, {"from": "system", "text": f"{operator_name or 'The operator'} left the chat"})
        elif kind == "dialog.returned_to_bot":
            self._add(lead_ref, {"from": "system", "text": "The bot is back"})
