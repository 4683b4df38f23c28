"""The delivery function: takes each lead's queue of deliveries, head first, and POSTs
its events to the bot's webhook, signed, until the queue is empty or an event must wait.

In order per lead: only the head of a lead's queue is ever attempted, and it leaves the
queue only when all its events were delivered or dead-lettered. One delivery function at a
time works a lead: it first claims the head (a conditional write on `next_attempt_at`, which
then holds the end of its lease); one that dies mid-attempt is replaced once the lease ends,
by the per-minute sweep.

At least once: an event is marked done only after the bot answered 2xx, so a crash after
sending sends it again, with the same `webhook-id` (bots dedupe on it).

Triggers: the `deliveries` table's stream (every new item), the per-minute sweep, which
Queries the `due` index for items whose retry time (or lease) has passed, and the wake-up
queue, which runs a retry due within seconds when it is due (webhooks/wakeups.py).
"""

from __future__ import annotations

import logging
import random
import secrets
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from chalicelib.adapters.wakeup_queue import leads_of
from chalicelib.clock import Clock, iso
from chalicelib.storage.bots import BotStore
from chalicelib.storage.deliveries import WebhookEvent
from chalicelib.storage.delivery_queue import DELIVERED, FAILED, Claim, DeliveryQueue, LostClaim
from chalicelib.storage.models import BotModel
from chalicelib.webhooks import retries, signing
from chalicelib.webhooks.events import render_body
from chalicelib.webhooks.metrics import DEAD_LETTERS, EmfMetrics
from chalicelib.webhooks.transport import CALL_TIMEOUT_SECONDS, Answer, Transport
from chalicelib.webhooks.wakeups import Wakeups, wake_delay

logger = logging.getLogger("handover.webhooks")
# Its level is set with every `handover.*` logger's, in one place (chalicelib/observability.py):
# INFO in Lambda, so each delivery's line is in CloudWatch beside the failures and dead letters.

# Longer than one call (10 s) plus the writes around it; a function that died is
# replaced this long after its last claim.
LEASE_SECONDS = 60.0
# Stop starting calls after this much wall time in one invocation, or earlier when the
# Lambda has less time left than one call needs (SAFETY_SECONDS); what is left stays due
# and the next sweep takes it.
TIME_BUDGET_SECONDS = 240.0
SAFETY_SECONDS = CALL_TIMEOUT_SECONDS + 5.0
# Leads are independent (order is per lead), so one invocation works several at once: a
# bot that times out costs 10 s per lead, and a sweep must not take them one by one.
WORKERS = 8


class DeliveryWatcher(Protocol):
    """Told when an operator or script message's delivery state changed (after commit)."""

    def delivery_changed(self, lead_id: str, seq: int, delivery: str) -> None: ...


class Metrics(Protocol):
    def count(self, name: str, value: float = 1, **properties: str) -> None: ...


@dataclass
class _Run:
    started: float
    budget: float
    bots: dict[str, BotModel | None]

    def exhausted(self) -> bool:
        return time.monotonic() - self.started > self.budget


class WebhookDelivery:
    def __init__(
        self,
        clock: Clock,
        transport: Transport,
        *,
        link: Callable[[str, str, bool], str] | None = None,
        link_seconds: int = 600,
        watcher: DeliveryWatcher | None = None,
        metrics: Metrics | None = None,
        rand: Callable[[], float] = random.random,
        wall: Callable[[], float] = time.time,
        lease_seconds: float = LEASE_SECONDS,
        time_budget: float = TIME_BUDGET_SECONDS,
        workers: int = WORKERS,
        queue: DeliveryQueue | None = None,
        bots: BotStore | None = None,
        wakeups: Wakeups | None = None,
    ) -> None:
        self.clock = clock
        self.transport = transport
        self.link = link
        self.link_seconds = link_seconds
        self.watcher = watcher
        self.metrics = metrics or EmfMetrics()
        self.rand = rand
        # The webhook-timestamp is real wall time even under a test's fake clock: bots
        # check it against their own clock to refuse replayed calls.
        self.wall = wall
        self.lease_seconds = lease_seconds
        self.time_budget = time_budget
        self.workers = workers
        self.queue = queue or DeliveryQueue()
        self.bots = bots or BotStore()
        self.wakeups = wakeups

    # --- triggers -----------------------------------------------------------------------
    def on_stream(self, records: Iterable[Any], time_left: float | None = None) -> int:
        """The `deliveries` stream: work the lead of every new item. Never raises for one
        lead's trouble (it is logged and the sweep retries), so a bad item cannot block
        the stream shard. `time_left`: seconds until the Lambda's timeout."""
        leads: list[str] = []
        for record in records:
            if _field(record, "event_name", "eventName") != "INSERT":
                continue
            keys = _field(record, "keys", "Keys") or (_field(record, "dynamodb", "dynamodb") or {}).get("Keys") or {}
            lead_id = (keys.get("lead_id") or {}).get("S")
            if lead_id and lead_id not in leads:
                leads.append(lead_id)
        return self._work(leads, time_left)

    def sweep(self, time_left: float | None = None, limit_per_shard: int = 1000) -> int:
        """Every due item's lead (retry time reached, or a dead function's lease ended)."""
        return self._work(self.queue.due_leads(iso(self.clock.now()), limit_per_shard), time_left)

    def _work(self, leads: list[str], time_left: float | None = None) -> int:
        budget = self.time_budget if time_left is None else min(self.time_budget, time_left - SAFETY_SECONDS)
        run = _Run(time.monotonic(), budget, {})

        def one(lead_id: str) -> int:
            if run.exhausted():
                return 0
            try:
                return self.work_lead(lead_id, run)
            except Exception:
                logger.exception("webhook delivery for lead %s failed; the sweep will retry", lead_id)
                return 0

        if self.workers <= 1 or len(leads) <= 1:
            return sum(one(lead_id) for lead_id in leads)
        with ThreadPoolExecutor(max_workers=min(self.workers, len(leads))) as pool:
            return sum(pool.map(one, leads))

    # --- one lead's queue ---------------------------------------------------------------
    def work_lead(self, lead_id: str, run: _Run | None = None) -> int:
        """Deliver the lead's queue head first; answer how many events were finished."""
        run = run or _Run(time.monotonic(), self.time_budget, {})
        finished = 0
        while not run.exhausted():
            claim = self._claim_head(lead_id)
            if claim is None:
                return finished
            try:
                count, more = self._deliver_item(claim, run)
            except LostClaim:
                return finished
            finished += count
            if not more:
                self._wake_when_due(claim)
                return finished
        return finished

    def _claim_head(self, lead_id: str) -> Claim | None:
        now = iso(self.clock.now())
        queue = self.queue.head(lead_id)
        if not queue:
            return None
        # An item already begun (attempted, partly sent, or claimed) finishes before any other
        # starts, even if a racing lead edit committed an item that sorts before it.
        begun = [item for item in queue if int(item.attempts) or int(item.done) or item.claim]
        head = begun[0] if begun else queue[0]
        if head.next_attempt_at > now:
            # Waiting for its retry, or another function holds it. What waits behind a retry is
            # not due before it: say so in the `due` index, or the sweep would keep finding
            # those items first and the retries of other leads would starve behind them. What
            # waits behind a held head is not deferred: the holder goes on with it as soon as the
            # head is done, and would find it not due until its own lease ends (a minute).
            if not head.claim:
                for item in queue:
                    if item is not head and not item.claim and item.next_attempt_at < head.next_attempt_at:
                        self.queue.defer(item, head.next_attempt_at)
            return None
        # None: someone else claimed it first.
        return self.queue.claim(head, secrets.token_hex(8), self._lease_end())

    def _lease_end(self) -> str:
        return iso(self.clock.now() + timedelta(seconds=self.lease_seconds))

    def _deliver_item(self, claim: Claim, run: _Run) -> tuple[int, bool]:
        """Send the item's remaining events. Answers (events finished, whether the queue
        may go on: False when the item must wait for a retry)."""
        item = claim.item
        finished = 0
        bot = self._bot(item.bot_id, run)
        while int(item.done) < len(item.events):
            if run.exhausted():
                # Out of time: hand the item back, due at once (the sweep picks it up).
                self.queue.release(claim, iso(self.clock.now()))
                return finished, False
            event = item.events[int(item.done)]
            refusal = _refusal(bot)
            if refusal is not None:
                self._dead_letter(claim, event, refusal, None, refusal)
                finished += 1
                continue
            assert bot is not None
            body = self._render(claim, event)
            if body is None:
                finished += 1
                continue
            answer = self._call(bot, event, body)
            now = iso(self.clock.now())
            if answer.ok:
                self._delivered(claim, event, answer, now)
                finished += 1
            elif answer.status == 410:
                self._disable(bot, now)
                run.bots[bot.id] = self.bots.get(bot.id)
                bot = run.bots[bot.id]
                self._dead_letter(claim, event, "gone", 410, _describe(answer), attempted=True)
                finished += 1
            elif int(item.attempts) + 1 >= retries.MAX_ATTEMPTS:
                self._dead_letter(claim, event, "attempts_exhausted", answer.status, _describe(answer),
                                  attempted=True)
                finished += 1
            else:
                self._retry_later(claim, answer, now)
                return finished, False
        return finished, True

    def _render(self, claim: Claim, event: WebhookEvent) -> bytes | None:
        """The event's bytes, or None when its stored body cannot be rendered (a record written
        by hand or by an older version): then the event counts as attempted and goes to the
        dead letters as `render_failed`, so the lead's queue moves on instead of failing
        before any attempt, forever (issue 18). Retrying would render the same body again."""
        try:
            return render_body(event.body, self.link, self.link_seconds)
        except Exception as error:
            logger.exception("webhook %s %s of lead %s cannot be rendered", event.type, event.id, claim.item.lead_id)
            self._dead_letter(claim, event, "render_failed", None, f"the stored event cannot be rendered: {error!r}"[:500],
                              attempted=True)
            return None

    def _call(self, bot: BotModel, event: WebhookEvent, body: bytes) -> Answer:
        timestamp = int(self.wall())
        secrets_ = [bot.webhook_secret, bot.webhook_secret_previous or ""]
        headers = signing.headers(event.id, timestamp, body, secrets_)
        return self.transport.post(str(bot.webhook_url), body, headers)

    # --- fast retries: the wake-up queue (chalicelib/webhooks/wakeups.py) -----------------
    def on_wakeups(self, records: Iterable[Any], time_left: float | None = None) -> int:
        """The wake-up queue: work each named lead's queue, as the stream does. Never raises
        (a lead's trouble is logged and the sweep retries), so a wake-up is never redelivered."""
        return self._work(leads_of(records), time_left)

    def _wake_when_due(self, claim: Claim) -> None:
        """The head item now waits (a failed attempt's retry, or handed back for want of time):
        if it is due within the queue's reach, ring for its lead then rather than wait for
        the per-minute sweep. A ring that fails is logged: the sweep still finds the item."""
        item = claim.item
        if self.wakeups is None or item.claim:
            return
        delay = wake_delay(item.next_attempt_at, self.clock.now())
        if delay is None:
            return
        try:
            self.wakeups.wake(item.lead_id, delay)
        except Exception:
            logger.exception("could not queue a wake-up for lead %s in %d s; the sweep will retry it",
                             item.lead_id, delay)

    # --- outcomes -----------------------------------------------------------------------
    def _delivered(self, claim: Claim, event: WebhookEvent, answer: Answer, now: str) -> None:
        self.queue.delivered(claim, event, lease_end=self._lease_end(), now=now)
        logger.info("webhook %s %s delivered to bot %s (HTTP %s)", event.type, event.id, claim.item.bot_id,
                    answer.status)
        self._tell(claim.item.lead_id, event, DELIVERED)

    def _dead_letter(
        self, claim: Claim, event: WebhookEvent, reason: str, status: int | None, error: str | None, *,
        attempted: bool = False,
    ) -> None:
        item = claim.item
        self.queue.dead_lettered(
            claim, event, reason=reason, attempts=int(item.attempts) + (1 if attempted else 0), status=status,
            error=error, lease_end=self._lease_end(), now=iso(self.clock.now()),
        )
        logger.warning("webhook %s %s to bot %s dead-lettered: %s", event.type, event.id, item.bot_id, reason)
        self.metrics.count(DEAD_LETTERS, 1, bot_id=item.bot_id, event_id=event.id, reason=reason)
        self._tell(item.lead_id, event, FAILED)

    def _retry_later(self, claim: Claim, answer: Answer, now: str) -> None:
        attempts = int(claim.item.attempts) + 1
        retry_after = answer.retry_after if answer.status == 429 else None
        delay = retries.delay_after(attempts, self.rand, retry_after)
        when = iso(self.clock.now() + timedelta(seconds=delay))
        self.queue.retry_later(claim, attempts=attempts, when=when, now=now, status=answer.status,
                               error=_describe(answer))
        # WARNING, not INFO: a failing bot must be visible where INFO is not printed (the local runtime).
        logger.warning("webhook to bot %s failed (%s); attempt %d of %d at %s",
                    claim.item.bot_id, _describe(answer)[:200], attempts + 1, retries.MAX_ATTEMPTS, when)

    def _disable(self, bot: BotModel, now: str) -> None:
        """A 410 Gone: the bot says this endpoint is no more. Stop calling it until an
        admin sets a URL again (which clears the flag, see BotService.update)."""
        try:
            if self.bots.disable_webhook(bot, now, f"the webhook answered 410 Gone at {now}"):
                logger.warning("bot %s webhook disabled after 410 Gone", bot.id)
        except Exception:
            # The write failed (a URL changed meanwhile is no failure: the new one stays
            # enabled): the event is dead-lettered all the same, so this cannot loop the queue.
            logger.exception("could not disable the webhook of bot %s", bot.id)

    def _tell(self, lead_id: str, event: WebhookEvent, delivery: str) -> None:
        if self.watcher is None or event.message_seq is None:
            return
        try:
            self.watcher.delivery_changed(lead_id, int(event.message_seq), delivery)
        except Exception:
            logger.exception("could not push the delivery state of %s/%s", lead_id, event.message_seq)

    def _bot(self, bot_id: str, run: _Run) -> BotModel | None:
        if bot_id not in run.bots:
            run.bots[bot_id] = self.bots.get(bot_id)
        return run.bots[bot_id]


def _refusal(bot: BotModel | None) -> str | None:
    """Why no call is made at all (the event goes to the dead letters at once)."""
    if bot is None:
        return "bot_missing"
    if not bot.enabled:
        return "bot_disabled"
    if not bot.webhook_url:
        return "no_webhook_url"
    if bot.webhook_disabled_at:
        return "webhook_disabled"
    return None


def _describe(answer: Answer) -> str:
    if answer.status is None:
        return answer.error or "no answer"
    return f"HTTP {answer.status}: {answer.body[:500]}"


def _field(record: Any, attribute: str, key: str) -> Any:
    """Stream records come as Chalice's DynamoDBRecord (attributes) or as raw dicts."""
    if isinstance(record, dict):
        return record.get(key)
    return getattr(record, attribute, None)


