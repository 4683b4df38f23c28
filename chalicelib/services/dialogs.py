"""The dialog service: applies a change through the state machine, writes it in one
transaction, then publishes it.

Every write is conditioned on what was read (`seq`, `dialog_version`, `unread`,
`lead_version`: `_unchanged_since_read`). When two callers
race, one transaction fails as a whole and that caller reads again and re-decides, so
no update is lost, no message gets a duplicate `seq`, and a system script runs exactly
once per transition.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from chalicelib.clock import Clock, iso
from chalicelib.domain import dialog as machine
from chalicelib.domain import scripts
from chalicelib.domain.commands import IncomingMessage, LeadChanges, merged_attributes
from chalicelib.domain.credentials import ApiKey, key_matches
from chalicelib.domain.dialog import Transition
from chalicelib.domain.dialog_state import DialogState
from chalicelib.domain.errors import Busy, Conflict, NotFound, Unauthorized
from chalicelib.domain.events import DialogWaiting, OperatorJoined, OperatorLeft, ReturnedToBot, SystemScriptDue
from chalicelib.domain.ids import lead_id as make_lead_id
from chalicelib.services.publisher import Change, NoOutbox, Outbox, Publisher
from chalicelib.services.uploads import UploadService
from chalicelib.storage.dialogs import (
    DialogStore,
    DialogWrite,
    RefTaken,
    WriteConflict,
    dialog_of,
    last_message_of,
    lead_attributes,
    put_summary_copies,
    summary_of,
)
from chalicelib.storage.models import BotModel, LeadModel, MessageModel, MessageRefModel, OperatorDialogModel

T = TypeVar("T")

# What the system messages of a transition say (the UI shows them as notes in the history).
_EVENT_NOTES = {
    OperatorJoined.name: "{operator} joined the dialog",
    OperatorLeft.name: "{operator} left the dialog",
    DialogWaiting.name: "The dialog is waiting for an operator",
    ReturnedToBot.name: "{operator} marked the dialog resolved and returned it to the bot",
}


def verify_bot(bot: BotModel | None, key: ApiKey) -> BotModel:
    """401 for an unknown bot, a wrong key or a disabled bot: never say which."""
    if bot is None or not key_matches(key, bot.api_key_hash) or not bot.enabled:
        raise Unauthorized("the API key is not valid")
    return bot


class DialogService:
    def __init__(
        self,
        store: DialogStore,
        uploads: UploadService,
        publisher: Publisher,
        clock: Clock,
        *,
        bot_loader: Callable[[str], BotModel | None] | None = None,
        outbox: Outbox | None = None,
        max_attempts: int = 30,
    ) -> None:
        self.store = store
        self.uploads = uploads
        self.publisher = publisher
        self.clock = clock
        self.bot_loader = bot_loader or _load_bot
        self.outbox = outbox or NoOutbox()
        self.max_attempts = max_attempts

    # --- retry loop ---------------------------------------------------------------------
    def _retrying(self, attempt: Callable[[], T]) -> T:
        for number in range(self.max_attempts):
            try:
                return attempt()
            except WriteConflict:
                # Someone else changed the dialog between our read and our write. Full jitter
                # keeps a burst of writers to one dialog from retrying in lockstep.
                time.sleep(random.uniform(0, min(0.25, 0.005 * (2 ** number))))
        raise Busy("the dialog is changing too fast; try again")

    def _finish(self, write: DialogWrite, change: Change) -> None:
        """Stage what the change causes into its own transaction, commit, then publish."""
        self.outbox.stage(write, change)
        write.commit()
        self.publisher.publish(change)

    # --- bot API ------------------------------------------------------------------------
    def get_lead(self, key: ApiKey, lead_ref: str) -> LeadModel:
        loaded = self.store.load(bot_id=key.bot_id, lead_id=make_lead_id(key.bot_id, lead_ref))
        verify_bot(loaded.bot, key)
        if loaded.lead is None:
            raise NotFound("lead_not_found", f"no lead {lead_ref!r}")
        return loaded.lead

    def upsert_lead(self, key: ApiKey, lead_ref: str, changes: LeadChanges) -> tuple[LeadModel, bool]:
        lead_id = make_lead_id(key.bot_id, lead_ref)

        def attempt() -> tuple[LeadModel, bool]:
            loaded = self.store.load(bot_id=key.bot_id, lead_id=lead_id)
            verify_bot(loaded.bot, key)
            now = iso(self.clock.now())
            if loaded.lead is None:
                lead = self._new_lead(lead_id, key.bot_id, lead_ref, changes, now)
                write = DialogWrite(self.store)
                # A parallel create that wins makes this a WriteConflict: the retry updates instead.
                write.put(lead, condition=LeadModel.id.does_not_exist())
                self._finish(write, Change(lead=lead, lead_updated=True, created=True, before_state=None))
                return lead, True
            lead = loaded.lead
            self._update_lead_fields(lead, changes, now)
            return lead, False

        return self._retrying(attempt)

    def _new_lead(self, lead_id: str, bot_id: str, lead_ref: str, changes: LeadChanges, now: str) -> LeadModel:
        return LeadModel(
            lead_id,
            bot_id=bot_id,
            lead_ref=lead_ref,
            tags=changes.tags or [],
            attributes=merged_attributes({}, changes.attributes),
            created_at=now,
            last_activity_at=now,
            dialog_state=DialogState.BOT.value,
            operators=[],
            dialog_version=0,
            lead_version=0,
            seq=0,
            unread=0,
            all_key=self.store.all_key(lead_id),
            **{name: value for name, value in changes.fields.items()},
        )

    def _update_lead_fields(self, lead: LeadModel, changes: LeadChanges, now: str, actor: str | None = None) -> None:
        """Apply a lead edit: one UpdateItem (plus the Mine-tab copies, in one transaction)."""
        current = lead_attributes(lead)
        merged = merged_attributes(current, changes.attributes)
        # Conditioned on what was read: the Mine-tab copies, the webhook's `lead.updated` and
        # the merged attributes all come from this read, so a message, a transition, a
        # mark-read or another edit in between must make the caller read again (WriteConflict).
        read = _unchanged_since_read(lead)
        # Only what differs from the read: a bot that PUTs its lead with every message writes
        # nothing (and conflicts with no operator) when nothing changed.
        actions: list[Any] = []
        for name, value in changes.fields.items():
            if getattr(lead, name) == value:
                continue
            attribute = getattr(LeadModel, name)
            actions.append(attribute.set(value) if value is not None else attribute.remove())
            setattr(lead, name, value)
        if changes.tags is not None and list(lead.tags or []) != changes.tags:
            actions.append(LeadModel.tags.set(changes.tags))
            lead.tags = changes.tags
        if merged != current:
            # The whole map, not one document path per key: a key may hold "[", "]" or "."
            # (PynamoDB would parse them as a path), and the condition makes this safe.
            actions.append(LeadModel.attributes.set(merged))
        lead.attributes = merged
        if not actions:
            return
        lead.lead_version = int(lead.lead_version or 0) + 1
        actions.append(LeadModel.lead_version.set(lead.lead_version))
        write = DialogWrite(self.store)
        write.update(lead, actions, condition=read)
        put_summary_copies(write, lead, lead.operators or ())
        self._finish(
            write,
            Change(lead=lead, lead_updated=True, before_state=lead.dialog_state, actor=actor,
                   before_operators=tuple(lead.operators or ())),
        )

    def post_bot_message(self, key: ApiKey, lead_ref: str, incoming: IncomingMessage) -> tuple[MessageModel, bool, LeadModel]:
        """Store a lead's or the bot's message; the bot's message id makes it idempotent."""
        lead_id = make_lead_id(key.bot_id, lead_ref)
        ref = f"bot:{incoming.message_id}"

        def attempt() -> tuple[MessageModel, bool, LeadModel]:
            loaded = self.store.load(
                bot_id=key.bot_id, lead_id=lead_id, refs=[ref], upload_ids=incoming.upload_ids
            )
            bot = verify_bot(loaded.bot, key)
            if loaded.lead is None:
                raise NotFound("lead_not_found", f"no lead {lead_ref!r}; create it with PUT first")
            lead = loaded.lead
            if ref in loaded.refs:
                return self._repeated(loaded.refs[ref], incoming.fingerprint(), lead), False, lead
            write = DialogWrite(self.store)
            attachments = self.uploads.claim(write, f"bot:{bot.id}", incoming.upload_ids, loaded.uploads)
            now = iso(self.clock.now())
            message = MessageModel(
                lead_id,
                int(lead.seq) + 1,
                sender=incoming.sender,
                text=incoming.text,
                attachments=attachments,
                bot_message_id=incoming.message_id,
                created_at=now,
                sent_at=incoming.sent_at,
            )
            ref_item = MessageRefModel(lead_id, ref, seq=message.seq, fingerprint=incoming.fingerprint(), created_at=now)
            before = dialog_of(lead)
            self._append(write, lead, [message], now, read=_unchanged_since_read(lead),
                         unread_delta=1 if incoming.sender == "lead" else 0)
            write.put(ref_item, condition=MessageRefModel.ref.does_not_exist(), is_ref=True)
            change = Change(lead=lead, messages=(message,), before_state=before.state.value,
                            before_operators=before.operators)
            try:
                self._finish(write, change)
            except RefTaken:
                # A parallel retry of the same message won; answer what it stored.
                again = self.store.load(lead_id=lead_id, refs=[ref])
                if ref not in again.refs or again.lead is None:
                    raise WriteConflict(["ConditionalCheckFailed"]) from None
                return self._repeated(again.refs[ref], incoming.fingerprint(), again.lead), False, again.lead
            return message, True, lead

        return self._retrying(attempt)

    def _repeated(self, ref: MessageRefModel, fingerprint: str, lead: LeadModel) -> MessageModel:
        if ref.fingerprint != fingerprint:
            raise Conflict(
                "idempotency_conflict",
                "a different message was already stored under this id",
                seq=int(ref.seq),
            )
        message = self.store.get_message(lead.id, int(ref.seq))
        if message is None:  # cannot happen: ref and message are written in one transaction
            raise WriteConflict(["MissingMessage"])
        return message

    def handoff(self, key: ApiKey, lead_ref: str, reason: str) -> LeadModel:
        lead_id = make_lead_id(key.bot_id, lead_ref)

        def attempt() -> LeadModel:
            loaded = self.store.load(bot_id=key.bot_id, lead_id=lead_id)
            bot = verify_bot(loaded.bot, key)
            if loaded.lead is None:
                raise NotFound("lead_not_found", f"no lead {lead_ref!r}")
            transition = machine.handoff(dialog_of(loaded.lead), reason)
            return self._commit_transition(loaded.lead, transition, bot, actor=None)

        return self._retrying(attempt)

    # --- operator actions ---------------------------------------------------------------
    def _operator_transition(
        self, lead_id: str, operator: str, decide: Callable[[machine.Dialog], Transition]
    ) -> tuple[LeadModel, Transition]:
        def attempt() -> tuple[LeadModel, Transition]:
            lead = self.store.get_lead(lead_id)
            if lead is None:
                raise NotFound("lead_not_found", "no such dialog")
            transition = decide(dialog_of(lead))
            needs_bot = any(isinstance(event, SystemScriptDue) for event in transition.events)
            bot = self.bot_loader(lead.bot_id) if needs_bot else None
            return self._commit_transition(lead, transition, bot, actor=operator), transition

        return self._retrying(attempt)

    def start(self, lead_id: str, operator: str) -> LeadModel:
        """Start conversation (R10)."""
        return self._operator_transition(lead_id, operator, lambda d: machine.start(d, operator))[0]

    def leave(self, lead_id: str, operator: str) -> LeadModel:
        """Leave dialog (R6)."""
        return self._operator_transition(lead_id, operator, lambda d: machine.leave(d, operator))[0]

    def resolve(self, lead_id: str, operator: str) -> LeadModel:
        """Mark resolved and return to bot (R7)."""
        return self._operator_transition(lead_id, operator, lambda d: machine.resolve(d, operator))[0]

    def edit_lead(self, lead_id: str, operator: str, changes: LeadChanges) -> LeadModel:
        """The operator edits the lead (R3)."""
        def attempt() -> LeadModel:
            lead = self.store.get_lead(lead_id)
            if lead is None:
                raise NotFound("lead_not_found", "no such dialog")
            self._update_lead_fields(lead, changes, iso(self.clock.now()), actor=operator)
            return lead

        return self._retrying(attempt)

    def send_operator_message(
        self, lead_id: str, operator: str, client_id: str, text: str | None, upload_ids: tuple[str, ...]
    ) -> tuple[MessageModel, bool, LeadModel]:
        """An operator's reply (R11); `client_id` makes the UI's retries idempotent."""
        ref = f"operator:{operator}:{client_id}"
        incoming = IncomingMessage(client_id, "operator", text, upload_ids, None)

        def attempt() -> tuple[MessageModel, bool, LeadModel]:
            loaded = self.store.load(lead_id=lead_id, refs=[ref], upload_ids=upload_ids)
            if loaded.lead is None:
                raise NotFound("lead_not_found", "no such dialog")
            lead = loaded.lead
            if ref in loaded.refs:
                return self._repeated(loaded.refs[ref], incoming.fingerprint(), lead), False, lead
            machine.ensure_can_send(dialog_of(lead), operator)
            write = DialogWrite(self.store)
            attachments = self.uploads.claim(write, f"operator:{operator}", upload_ids, loaded.uploads)
            now = iso(self.clock.now())
            message = MessageModel(
                lead_id,
                int(lead.seq) + 1,
                sender="operator",
                operator=operator,
                text=text,
                attachments=attachments,
                created_at=now,
                delivery="sent",
            )
            ref_item = MessageRefModel(lead_id, ref, seq=message.seq, fingerprint=incoming.fingerprint(), created_at=now)
            # The operator answered: the lead's messages count as read.
            self._append(write, lead, [message], now, read=_unchanged_since_read(lead), unread_delta=None)
            write.put(ref_item, condition=MessageRefModel.ref.does_not_exist(), is_ref=True)
            change = Change(lead=lead, messages=(message,), before_state=lead.dialog_state,
                            before_operators=tuple(lead.operators or ()), actor=operator)
            try:
                self._finish(write, change)
            except RefTaken:
                raise WriteConflict(["ConditionalCheckFailed"]) from None
            return message, True, lead

        return self._retrying(attempt)

    def mark_read(self, lead_id: str, operator: str) -> LeadModel:
        def attempt() -> LeadModel:
            lead = self.store.get_lead(lead_id)
            if lead is None:
                raise NotFound("lead_not_found", "no such dialog")
            if int(lead.unread or 0) == 0:
                return lead
            condition = _unchanged_since_read(lead)
            lead.unread = 0
            write = DialogWrite(self.store)
            write.update(lead, [LeadModel.unread.set(0)], condition=condition)
            put_summary_copies(write, lead, lead.operators or [])
            self._finish(write, Change(lead=lead, before_state=lead.dialog_state,
                                       before_operators=tuple(lead.operators or ()), actor=operator))
            return lead

        return self._retrying(attempt)

    # --- the write itself ---------------------------------------------------------------
    def _append(
        self,
        write: DialogWrite,
        lead: LeadModel,
        messages: list[MessageModel],
        now: str,
        *,
        read: Any,
        unread_delta: int | None = 0,
        extra_actions: list[Any] | None = None,
        summary_operators: tuple[str, ...] | None = None,
    ) -> None:
        """Add `messages` (already numbered from lead.seq + 1) and update the lead to match.
        `read` is `_unchanged_since_read(lead)` taken before the caller changed `lead`: the
        lead's `unread`, summary and Mine-tab copies are all written from that read."""
        actions = list(extra_actions or [])
        for message in messages:
            write.put(message, condition=MessageModel.seq.does_not_exist())
        if messages:
            lead.seq = int(messages[-1].seq)
            actions.append(LeadModel.seq.set(lead.seq))
            visible = [m for m in messages if m.sender != "system"]
            if visible:
                lead.last_message = last_message_of(visible[-1])
                actions.append(LeadModel.last_message.set(lead.last_message))
        lead.last_activity_at = now
        actions.append(LeadModel.last_activity_at.set(now))
        if unread_delta is None:
            lead.unread = 0
            actions.append(LeadModel.unread.set(0))
        elif unread_delta:
            lead.unread = int(lead.unread or 0) + unread_delta
            actions.append(LeadModel.unread.set(lead.unread))
        write.update(lead, actions, condition=read)
        operators = summary_operators if summary_operators is not None else tuple(lead.operators or ())
        put_summary_copies(write, lead, operators)

    def _commit_transition(
        self, lead: LeadModel, transition: Transition, bot: BotModel | None, actor: str | None
    ) -> LeadModel:
        if not transition.changed:
            return lead
        now = iso(self.clock.now())
        read = _unchanged_since_read(lead)
        before, after = transition.before, transition.after
        write = DialogWrite(self.store)
        messages = self._transition_messages(lead, transition, bot, now)
        version = int(lead.dialog_version)
        actions: list[Any] = [
            LeadModel.dialog_state.set(after.state.value),
            LeadModel.operators.set(list(after.operators)),
            LeadModel.dialog_version.set(version + 1),
        ]
        lead.dialog_state = after.state.value
        lead.operators = list(after.operators)
        lead.dialog_version = version + 1
        if after.state is DialogState.WAITING:
            lead.waiting_key = self.store.waiting_key(lead.id)
            lead.waiting_since = now
            actions += [LeadModel.waiting_key.set(lead.waiting_key), LeadModel.waiting_since.set(now)]
        elif before.state is DialogState.WAITING:
            lead.waiting_key = None
            lead.waiting_since = None
            actions += [LeadModel.waiting_key.remove(), LeadModel.waiting_since.remove()]
        joined = [op for op in after.operators if op not in before.operators]
        staying = tuple(op for op in after.operators if op in before.operators)
        gone = [op for op in before.operators if op not in after.operators]
        self._append(
            write,
            lead,
            messages,
            now,
            read=read,
            extra_actions=actions,
            summary_operators=staying,
        )
        summary = summary_of(lead)
        for operator in joined:
            write.put(
                OperatorDialogModel(
                    operator, lead.id, joined_at=now, last_activity_at=lead.last_activity_at, summary=summary
                )
            )
        for operator in gone:
            write.delete(OperatorDialogModel(operator, lead.id))
        self._finish(
            write,
            Change(
                lead=lead,
                events=transition.events,
                messages=tuple(messages),
                before_state=before.state.value,
                before_operators=before.operators,
                actor=actor,
                extra={"bot": bot} if bot is not None else {},
            ),
        )
        return lead

    def _transition_messages(
        self, lead: LeadModel, transition: Transition, bot: BotModel | None, now: str
    ) -> list[MessageModel]:
        """System notes for the history, and the bot's system script if one is due."""
        messages: list[MessageModel] = []
        seq = int(lead.seq)
        attributes = lead_attributes(lead)
        for event in transition.events:
            if isinstance(event, SystemScriptDue):
                templates = []
                if bot is not None:
                    templates = bot.return_script if event.script == machine.RETURN_SCRIPT else bot.operator_transfer_script
                for text in scripts.render_all(list(templates or []), attributes, lead.name):
                    seq += 1
                    messages.append(
                        MessageModel(lead.id, seq, sender="bot", text=text, system_script=event.script,
                                     created_at=now, delivery="sent")
                    )
                continue
            note = _EVENT_NOTES.get(event.name)
            if note is None:
                continue
            operator = getattr(event, "operator", "") or ""
            if isinstance(event, DialogWaiting) and event.reason not in ("", "handoff", "operator_left"):
                note = note + f" ({event.reason})"
            seq += 1
            messages.append(
                MessageModel(lead.id, seq, sender="system", text=note.format(operator=operator),
                             event=event.name, operator=operator or None, created_at=now)
            )
        return messages


def _unchanged_since_read(lead: LeadModel) -> Any:
    """No message, transition, mark-read or lead edit since `lead` was read."""
    version = int(lead.lead_version or 0)
    # A lead stored before `lead_version` existed has none; it reads as 0.
    same_edit = (LeadModel.lead_version == version) if version else (
        LeadModel.lead_version.does_not_exist() | (LeadModel.lead_version == 0))
    return (
        (LeadModel.seq == int(lead.seq))
        & (LeadModel.dialog_version == int(lead.dialog_version))
        & (LeadModel.unread == int(lead.unread or 0))
        & same_edit
    )


def _load_bot(bot_id: str) -> BotModel | None:
    try:
        return BotModel.get(bot_id)
    except BotModel.DoesNotExist:
        return None
