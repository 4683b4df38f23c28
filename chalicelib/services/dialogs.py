"""The dialog service: applies a change through the state machine, writes it in one
transaction (`storage/dialog_write.py`), then tells the listeners.

Every write is conditioned on what was read. When two callers race, one transaction fails as
a whole and that caller reads again and re-decides (`_retrying`), so no update is lost, no
message gets a duplicate `seq`, and a system script runs exactly once per transition.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from chalicelib.clock import Clock, iso
from chalicelib.domain import dialog as machine
from chalicelib.domain.commands import IncomingMessage, LeadChanges, merged_attributes
from chalicelib.domain.credentials import ApiKey, key_matches
from chalicelib.domain.dialog import Transition
from chalicelib.domain.dialog_state import DialogState
from chalicelib.domain.errors import Busy, Conflict, NotFound, Unauthorized
from chalicelib.domain.events import SystemScriptDue
from chalicelib.domain.ids import lead_id as make_lead_id
from chalicelib.domain.sizes import LEAD_LIMIT, MESSAGE_LIMIT, check_size
from chalicelib.services.changes import Change, Consequences
from chalicelib.services.system_messages import transition_messages
from chalicelib.services.uploads import UploadService
from chalicelib.storage.dialog_write import DialogWrite
from chalicelib.storage.dialogs import DialogStore, dialog_of, lead_attributes
from chalicelib.storage.errors import CONDITION_FAILED, RefTaken, WriteConflict
from chalicelib.storage.item_sizes import stored_size
from chalicelib.storage.models import BotModel, LeadModel, MessageModel, MessageRefModel
from chalicelib.storage.search import terms_of

T = TypeVar("T")


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
        consequences: Consequences,
        clock: Clock,
        *,
        max_attempts: int = 30,
    ) -> None:
        self.store = store
        self.uploads = uploads
        self.consequences = consequences
        self.clock = clock
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
        """Stage what the change causes into its own transaction, commit, then tell the listeners."""
        self.consequences.stage(write, change)
        write.commit()
        self.consequences.committed(change)

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
                check_size("lead", stored_size(lead), LEAD_LIMIT)
                write = DialogWrite(self.store)
                write.create_lead(lead)
                self._finish(write, Change(lead=lead, before=None, after=dialog_of(lead), lead_updated=True))
                return lead, True
            lead = loaded.lead
            self._update_lead_fields(lead, changes)
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

    def _update_lead_fields(self, lead: LeadModel, changes: LeadChanges, actor: str | None = None) -> None:
        """Apply a lead edit: only what differs from the read, so a bot that PUTs its lead with
        every message writes nothing (and conflicts with no operator) when nothing changed.
        The write is conditioned on the read: the Mine-tab copies, the webhook's
        `lead.updated` and the merged attributes all come from it, so a message, a
        transition, a mark-read or another edit in between makes the caller read again."""
        current = lead_attributes(lead)
        terms_before = terms_of(lead)  # before the merge below changes `lead` in memory
        merged = merged_attributes(current, changes.attributes)
        changed: dict[str, Any] = {name: value for name, value in changes.fields.items()
                                   if getattr(lead, name) != value}
        if changes.tags is not None and list(lead.tags or []) != changes.tags:
            changed["tags"] = changes.tags
        if merged != current:
            changed["attributes"] = merged
        lead.attributes = merged
        if not changed:
            return
        # On the merged result: two PUTs each well under the limit may add up past it.
        check_size("lead", stored_size(lead, changed), LEAD_LIMIT)
        write = DialogWrite(self.store, read=lead)
        write.edit_lead(lead, changed, terms_before)
        dialog = dialog_of(lead)
        self._finish(write, Change(lead=lead, before=dialog, after=dialog, lead_updated=True, actor=actor))

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
            if incoming.sender == "bot":
                # Race-safe: the write below is conditioned on the state read here.
                machine.ensure_bot_may_speak(dialog_of(lead),
                                             allowed_with_operator=bool(bot.bot_messages_with_operator))
            write = DialogWrite(self.store, read=lead)
            attachments = self.uploads.claim(write, f"bot:{bot.id}", incoming.upload_ids, loaded.uploads)
            now = iso(self.clock.now())
            message = MessageModel(lead_id, int(lead.seq) + 1, sender=incoming.sender, text=incoming.text,
                                   attachments=attachments, bot_message_id=incoming.message_id, created_at=now,
                                   sent_at=incoming.sent_at)
            check_size("message", stored_size(message), MESSAGE_LIMIT)
            write.add_messages(lead, [message], now, unread=1 if incoming.sender == "lead" else 0)
            write.remember_ref(MessageRefModel(lead_id, ref, seq=message.seq, fingerprint=incoming.fingerprint(),
                                               created_at=now))
            dialog = dialog_of(lead)
            try:
                self._finish(write, Change(lead=lead, before=dialog, after=dialog, messages=(message,)))
            except RefTaken:
                # A parallel retry of the same message won; answer what it stored.
                again = self.store.load(lead_id=lead_id, refs=[ref])
                if ref not in again.refs or again.lead is None:
                    raise WriteConflict([CONDITION_FAILED]) from None
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
    def _operator_transition(self, lead_id: str, operator: str,
                             decide: Callable[[machine.Dialog], Transition]) -> LeadModel:
        def attempt() -> LeadModel:
            lead = self._lead(lead_id)
            transition = decide(dialog_of(lead))
            needs_bot = any(isinstance(event, SystemScriptDue) for event in transition.events)
            bot = self.store.get_bot(lead.bot_id) if needs_bot else None
            return self._commit_transition(lead, transition, bot, actor=operator)

        return self._retrying(attempt)

    def _lead(self, lead_id: str) -> LeadModel:
        lead = self.store.get_lead(lead_id)
        if lead is None:
            raise NotFound("lead_not_found", "no such dialog")
        return lead

    def start(self, lead_id: str, operator: str) -> LeadModel:
        """Start conversation (R10)."""
        return self._operator_transition(lead_id, operator, lambda d: machine.start(d, operator))

    def leave(self, lead_id: str, operator: str) -> LeadModel:
        """Leave dialog (R6)."""
        return self._operator_transition(lead_id, operator, lambda d: machine.leave(d, operator))

    def resolve(self, lead_id: str, operator: str) -> LeadModel:
        """Mark resolved and return to bot (R7)."""
        return self._operator_transition(lead_id, operator, lambda d: machine.resolve(d, operator))

    def give_back_unanswered(self, lead_id: str, wait_started_at: str) -> bool:
        """The escalation ladder's last rung: the lead still waits since `wait_started_at`, so
        the bot takes the dialog back (its Unanswered script runs). False when the lead was
        answered (or its wait began again) since the ladder decided: the transaction is
        conditioned on the lead as read here, so an answer racing it wins."""

        def attempt() -> bool:
            lead = self.store.get_lead(lead_id)
            if lead is None or lead.wait_started_at != wait_started_at:
                return False
            transition = machine.give_back(dialog_of(lead))
            if not transition.changed:
                return False
            self._commit_transition(lead, transition, self.store.get_bot(lead.bot_id), actor=None)
            return True

        return self._retrying(attempt)

    def edit_lead(self, lead_id: str, operator: str, changes: LeadChanges) -> LeadModel:
        """The operator edits the lead (R3)."""
        def attempt() -> LeadModel:
            lead = self._lead(lead_id)
            self._update_lead_fields(lead, changes, actor=operator)
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
            dialog = dialog_of(lead)
            machine.ensure_can_send(dialog, operator)
            write = DialogWrite(self.store, read=lead)
            attachments = self.uploads.claim(write, f"operator:{operator}", upload_ids, loaded.uploads)
            now = iso(self.clock.now())
            message = MessageModel(lead_id, int(lead.seq) + 1, sender="operator", operator=operator, text=text,
                                   attachments=attachments, created_at=now, delivery="sent")
            check_size("message", stored_size(message), MESSAGE_LIMIT)
            # The operator answered: the lead's messages count as read.
            write.add_messages(lead, [message], now, unread=None)
            write.remember_ref(MessageRefModel(lead_id, ref, seq=message.seq, fingerprint=incoming.fingerprint(),
                                               created_at=now))
            try:
                self._finish(write, Change(lead=lead, before=dialog, after=dialog, messages=(message,),
                                           actor=operator))
            except RefTaken:
                raise WriteConflict([CONDITION_FAILED]) from None
            return message, True, lead

        return self._retrying(attempt)

    def add_note(self, lead_id: str, operator: str, client_id: str, text: str,
                 mentions: tuple[str, ...] = ()) -> tuple[MessageModel, bool]:
        """A private note (docs/operator-api.md, "Notes and mentions"): any operator, in any
        state of the dialog; `mentions` are the usernames it @-mentions (resolved by the caller).
        `client_id` makes the UI's retries idempotent, in its own namespace of refs."""
        ref = f"note:{operator}:{client_id}"
        fingerprint = IncomingMessage(client_id, "note", text, (), None).fingerprint()

        def attempt() -> tuple[MessageModel, bool]:
            loaded = self.store.load(lead_id=lead_id, refs=[ref])
            if loaded.lead is None:
                raise NotFound("lead_not_found", "no such dialog")
            lead = loaded.lead
            if ref in loaded.refs:
                return self._repeated(loaded.refs[ref], fingerprint, lead), False
            write = DialogWrite(self.store, read=lead)
            now = iso(self.clock.now())
            note = MessageModel(lead_id, int(lead.seq) + 1, sender="note", operator=operator, text=text,
                                created_at=now, mentions=list(mentions) or None)
            check_size("message", stored_size(note), MESSAGE_LIMIT)
            write.add_note(lead, note)
            write.remember_ref(MessageRefModel(lead_id, ref, seq=note.seq, fingerprint=fingerprint, created_at=now))
            dialog = dialog_of(lead)
            try:
                self._finish(write, Change(lead=lead, before=dialog, after=dialog, messages=(note,), actor=operator,
                                           mentions=mentions))
            except RefTaken:
                raise WriteConflict([CONDITION_FAILED]) from None
            return note, True

        return self._retrying(attempt)

    def mark_read(self, lead_id: str, operator: str) -> LeadModel:
        def attempt() -> LeadModel:
            lead = self._lead(lead_id)
            if int(lead.unread or 0) == 0:
                return lead
            write = DialogWrite(self.store, read=lead)
            write.mark_read(lead)
            dialog = dialog_of(lead)
            self._finish(write, Change(lead=lead, before=dialog, after=dialog, actor=operator))
            return lead

        return self._retrying(attempt)

    def assign(self, lead_id: str, operator: str) -> LeadModel | None:
        """Fair assignment (docs/assignment.md): the operator starts the waiting dialog, with
        the same transition, events, script and pushes as pressing Start. ONE attempt: a
        `WriteConflict` (the dialog changed, or the operator is at capacity) goes to the
        assigner, which re-decides with fresh loads. None: the dialog is no longer waiting."""
        lead = self.store.get_lead(lead_id)
        if lead is None or dialog_of(lead).state is not DialogState.WAITING:
            return None
        transition = machine.start(dialog_of(lead), operator)
        needs_bot = any(isinstance(event, SystemScriptDue) for event in transition.events)
        bot = self.store.get_bot(lead.bot_id) if needs_bot else None
        return self._commit_transition(lead, transition, bot, actor=operator, assigned=True)

    # --- transitions ----------------------------------------------------------------------
    def _commit_transition(self, lead: LeadModel, transition: Transition, bot: BotModel | None,
                           actor: str | None, *, assigned: bool = False) -> LeadModel:
        if not transition.changed:
            return lead
        now = iso(self.clock.now())
        write = DialogWrite(self.store, read=lead)
        messages = transition_messages(lead, transition, bot, now)
        write.transition(lead, transition.before, transition.after, messages, now)
        self._finish(write, Change(lead=lead, before=transition.before, after=transition.after,
                                   events=transition.events, messages=tuple(messages), actor=actor,
                                   assigned=assigned))
        return lead
