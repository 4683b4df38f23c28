"""`DialogWrite`: everything one change to a dialog writes, committed as ONE
TransactWriteItems, and the recipes that say what each kind of change writes.

Every recipe is conditioned on what was read (`ReadMark`: the lead's `seq`, `dialog_version`,
`unread` and `lead_version` when the service read it). When two callers race, one
transaction fails as a whole with `WriteConflict` and that caller reads again and re-decides,
so no update is lost, no message gets a duplicate `seq`, a system script runs exactly once
per transition, and the Mine-tab copies, the counters and the webhook outbox never disagree
with the lead. The services decide; this module is the only place that knows the attribute
names, the conditions and the order of the items.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import msgspec
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.domain.dialog import Dialog
from chalicelib.domain.dialog_state import DialogState
from chalicelib.domain.wait_clock import unanswered_since, wait_started_at
from chalicelib.storage.counters import CounterModel
from chalicelib.storage.deliveries import DeliveryModel
from chalicelib.storage.dialogs import last_message_of, summary_of
from chalicelib.storage.errors import CONDITION_FAILED, TRANSACTION_CONFLICT, RefTaken, WriteConflict, cancellation_reasons
from chalicelib.storage.models import LeadModel, MessageModel, MessageRefModel, OperatorDialogModel, UploadModel
from chalicelib.storage.presence import TEAM, OperatorStateModel
from chalicelib.storage.search import term_items, terms_of

if TYPE_CHECKING:
    from chalicelib.storage.dialogs import DialogStore

# Transient answers that carry no cancellation reasons: retrying from a fresh read is right.
_RETRYABLE_WITHOUT_REASONS = {"TransactionInProgressException", "TransactionConflictException"}


class ReadMark(msgspec.Struct, frozen=True):
    """What a write is conditioned on: the lead as the service read it."""

    seq: int
    dialog_version: int
    unread: int
    lead_version: int

    @staticmethod
    def of(lead: LeadModel) -> ReadMark:
        return ReadMark(int(lead.seq), int(lead.dialog_version), int(lead.unread or 0), int(lead.lead_version or 0))

    def unchanged(self) -> Any:
        """No message, transition, mark-read or lead edit since the read."""
        # A lead stored before `lead_version` existed has none; it reads as 0.
        same_edit = (LeadModel.lead_version == self.lead_version) if self.lead_version else (
            LeadModel.lead_version.does_not_exist() | (LeadModel.lead_version == 0))
        return (
            (LeadModel.seq == self.seq)
            & (LeadModel.dialog_version == self.dialog_version)
            & (LeadModel.unread == self.unread)
            & same_edit
        )


class DialogWrite:
    """Everything one change writes. Take it with `DialogStore.write(lead)` BEFORE changing
    `lead` in memory: the recipes change `lead` to match what they write."""

    def __init__(self, store: DialogStore, read: LeadModel | None = None) -> None:
        self.store = store
        self.read = ReadMark.of(read) if read is not None else None
        self._ops: list[tuple[str, Model, Any, Any]] = []
        self._ref_positions: list[int] = []

    def __len__(self) -> int:
        return len(self._ops)

    # --- the recipes ----------------------------------------------------------------------
    def create_lead(self, lead: LeadModel) -> None:
        # A parallel create that wins makes this a WriteConflict: the retry updates instead.
        lead.state_key = self.store.state_key(lead.id, lead.dialog_state)
        lead.bot_state_key = self.store.bot_state_key(lead.bot_id, lead.dialog_state)
        self._put(lead, LeadModel.id.does_not_exist())
        # Its search terms, in the same transaction: a lead is findable the moment it exists.
        for item in term_items(lead.id, terms_of(lead)):
            self._put(item)

    def edit_lead(self, lead: LeadModel, changed: Mapping[str, Any], terms_before: frozenset[str]) -> None:
        """Set the lead's own fields in `changed` (None removes one), bump `lead_version`,
        refresh the Mine-tab copies, and replace the search terms that changed
        (`terms_before`: the lead's terms as it was read, before the service merged the edit
        into it). Deleting a term item that is not there is no error, so a lead stored before
        search existed just gains its new terms here."""
        self._edit_lead(lead, changed)
        after = terms_of(lead)
        for item in term_items(lead.id, terms_before - after):
            self._ops.append(("delete", item, None, None))
        for item in term_items(lead.id, after - terms_before):
            self._put(item)

    def _edit_lead(self, lead: LeadModel, changed: Mapping[str, Any]) -> None:
        """`attributes` is written as the whole map, not one
        document path per key: a key may hold "[", "]" or "." (PynamoDB would parse them as
        a path), and the condition on the read makes that safe."""
        actions: list[Any] = []
        for name, value in changed.items():
            attribute = getattr(LeadModel, name)
            actions.append(attribute.set(value) if value is not None else attribute.remove())
            setattr(lead, name, value)
        lead.lead_version = int(lead.lead_version or 0) + 1
        actions.append(LeadModel.lead_version.set(lead.lead_version))
        self._update(lead, actions, self._unchanged())
        self._refresh_mine_copies(lead, lead.operators or ())

    def add_messages(self, lead: LeadModel, messages: list[MessageModel], now: str, *,
                     unread: int | None = 0) -> None:
        """Append `messages` (numbered from lead.seq + 1). `unread`: how many lead messages
        they add to the unread count; None resets it (an operator answered)."""
        self._lead_update(lead, messages, now, unread=unread, actions=[], mine_copies=tuple(lead.operators or ()))

    def add_note(self, lead: LeadModel, note: MessageModel) -> None:
        """Append a private note (numbered lead.seq + 1). It moves only `seq`: not the dialog's
        activity, its last message or its unread count, so no tab row, Mine-tab copy or
        counter changes for a note (what the lead and the bot see stays as it was)."""
        self._put(note, MessageModel.seq.does_not_exist())
        lead.seq = int(note.seq)
        self._update(lead, [LeadModel.seq.set(lead.seq)], self._unchanged())

    def transition(self, lead: LeadModel, before: Dialog, after: Dialog, messages: list[MessageModel],
                   now: str) -> None:
        """Move the dialog from `before` to `after` with its system messages: the lead, the
        Waiting keys, and the Mine-tab items of the operators who joined, stayed and left."""
        version = int(lead.dialog_version) + 1
        actions: list[Any] = [
            LeadModel.dialog_state.set(after.state.value),
            LeadModel.operators.set(list(after.operators)),
            LeadModel.dialog_version.set(version),
        ]
        if after.state is not before.state:
            # The All tab's filters (indexes `by-state`, `by-bot-state`) follow the state.
            lead.state_key = self.store.state_key(lead.id, after.state.value)
            lead.bot_state_key = self.store.bot_state_key(lead.bot_id, after.state.value)
            actions += [LeadModel.state_key.set(lead.state_key), LeadModel.bot_state_key.set(lead.bot_state_key)]
        lead.dialog_state = after.state.value
        lead.operators = list(after.operators)
        lead.dialog_version = version
        if after.state is DialogState.WAITING:
            lead.waiting_key = self.store.waiting_key(lead.id)
            lead.waiting_since = now
            actions += [LeadModel.waiting_key.set(lead.waiting_key), LeadModel.waiting_since.set(now)]
        elif before.state is DialogState.WAITING:
            lead.waiting_key = None
            lead.waiting_since = None
            actions += [LeadModel.waiting_key.remove(), LeadModel.waiting_since.remove()]
        staying = tuple(op for op in after.operators if op in before.operators)
        self._lead_update(lead, messages, now, unread=0, actions=actions, mine_copies=staying)
        summary = summary_of(lead)
        for operator in after.operators:
            if operator not in before.operators:
                self._put(OperatorDialogModel(operator, lead.id, joined_at=now,
                                              last_activity_at=lead.last_activity_at, summary=summary))
        for operator in before.operators:
            if operator not in after.operators:
                self._ops.append(("delete", OperatorDialogModel(operator, lead.id), None, None))

    def mark_read(self, lead: LeadModel) -> None:
        lead.unread = 0
        self._update(lead, [LeadModel.unread.set(0)], self._unchanged())
        self._refresh_mine_copies(lead, lead.operators or ())

    def remember_ref(self, ref: MessageRefModel) -> None:
        """The sender's message id, so that a repeated post stores nothing new: a condition
        failing here (and only here) is `RefTaken`, not a conflict."""
        self._ref_positions.append(len(self._ops))
        self._put(ref, MessageRefModel.ref.does_not_exist())

    def use_upload(self, upload: UploadModel) -> None:
        """A message takes the upload: exactly once, and it no longer expires."""
        self._update(upload, [UploadModel.status.set("used"), UploadModel.expires_at.remove()],
                     UploadModel.status == "pending")

    def move_counters(self, deltas: Mapping[str, int]) -> None:
        for name, delta in sorted(deltas.items()):
            self._update(CounterModel(name), [CounterModel.value.add(delta)])

    def move_operator_load(self, operator: str, delta: int, *, capacity: int | None = None,
                           now: str | None = None) -> None:
        """The operator's open dialogs move by `delta` (docs/assignment.md). With `capacity`
        (a fair assignment) only while they are under it: if they are not, the whole change
        fails and the assigner re-decides, so no operator is ever assigned past capacity."""
        actions: list[Any] = [OperatorStateModel.open_dialogs.add(delta), OperatorStateModel.team.set(TEAM)]
        condition = None
        if capacity is not None:
            condition = (OperatorStateModel.open_dialogs.does_not_exist()
                         | (OperatorStateModel.open_dialogs < capacity))
            if now is not None:
                actions.append(OperatorStateModel.assigned_at.set(now))
        self._update(OperatorStateModel(operator), actions, condition)

    def enqueue_delivery(self, item: DeliveryModel) -> None:
        # A position is never reused: if it were taken, the transaction fails as a whole.
        self._put(item, DeliveryModel.position.does_not_exist())

    # --- shared parts of the recipes -----------------------------------------------------
    def _unchanged(self) -> Any:
        if self.read is None:
            raise RuntimeError("this DialogWrite was not given the lead it read")
        return self.read.unchanged()

    def _lead_update(self, lead: LeadModel, messages: list[MessageModel], now: str, *, unread: int | None,
                     actions: list[Any], mine_copies: Iterable[str]) -> None:
        for message in messages:
            self._put(message, MessageModel.seq.does_not_exist())
        if messages:
            lead.seq = int(messages[-1].seq)
            actions.append(LeadModel.seq.set(lead.seq))
            visible = [m for m in messages if m.sender != "system"]
            if visible:
                lead.last_message = last_message_of(visible[-1])
                actions.append(LeadModel.last_message.set(lead.last_message))
        lead.last_activity_at = now
        actions.append(LeadModel.last_activity_at.set(now))
        actions += self._wait_clock(lead, messages, now)
        if unread is None:
            lead.unread = 0
            actions.append(LeadModel.unread.set(0))
        elif unread:
            lead.unread = int(lead.unread or 0) + unread
            actions.append(LeadModel.unread.set(lead.unread))
        self._update(lead, actions, self._unchanged())
        self._refresh_mine_copies(lead, mine_copies)

    def _wait_clock(self, lead: LeadModel, messages: list[MessageModel], now: str) -> list[Any]:
        """The waiting clock's attributes after this change (domain/wait_clock.py): SET or
        REMOVE actions inside the update that is written anyway, and only for those that
        change, so a lead's second unanswered message changes no index."""
        state = DialogState(lead.dialog_state)
        unanswered = unanswered_since(lead.unanswered_since, state, (m.sender for m in messages), now)
        started = wait_started_at(state, lead.waiting_since, unanswered)
        wanted = {"unanswered_since": unanswered, "wait_started_at": started,
                  "clock_key": self.store.clock_key(lead.id) if started else None}
        actions: list[Any] = []
        for name, value in wanted.items():
            if getattr(lead, name, None) == value:
                continue
            attribute = getattr(LeadModel, name)
            actions.append(attribute.set(value) if value is not None else attribute.remove())
            setattr(lead, name, value)
        return actions

    def _refresh_mine_copies(self, lead: LeadModel, operators: Iterable[str]) -> None:
        """The Mine-tab copy of every operator in the dialog."""
        summary = summary_of(lead)
        for operator in operators:
            self._update(
                OperatorDialogModel(operator, lead.id),
                [OperatorDialogModel.last_activity_at.set(lead.last_activity_at),
                 OperatorDialogModel.summary.set(summary)],
                OperatorDialogModel.operator.exists(),
            )

    def _put(self, item: Model, condition: Any = None) -> None:
        self._ops.append(("save", item, None, condition))

    def _update(self, item: Model, actions: list[Any], condition: Any = None) -> None:
        self._ops.append(("update", item, actions, condition))

    # --- commit ---------------------------------------------------------------------------
    def commit(self) -> None:
        if not self._ops:
            return
        try:
            with TransactWrite(connection=LeadModel._get_connection().connection) as transaction:
                for op, item, actions, condition in self._ops:
                    if op == "save":
                        transaction.save(item, condition=condition)
                    elif op == "update":
                        transaction.update(item, actions, condition=condition)
                    else:
                        transaction.delete(item, condition=condition)
        except TransactWriteError as error:
            reasons = cancellation_reasons(error)
            if not reasons:
                if error.cause_response_code in _RETRYABLE_WITHOUT_REASONS:
                    raise WriteConflict([error.cause_response_code]) from error
                raise
            failed = {i for i, code in enumerate(reasons) if code == CONDITION_FAILED}
            if failed and failed <= set(self._ref_positions):
                raise RefTaken(reasons) from error
            if any(code in (CONDITION_FAILED, TRANSACTION_CONFLICT) for code in reasons):
                raise WriteConflict(reasons) from error
            raise
