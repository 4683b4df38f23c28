"""The canned replies table (docs/data-model.md): one item per (owner, shortcut), where the
owner is `team` or `operator:<username>`, so one owner's list is ONE Query on the partition
key (no Scan, flat however many leads or other owners there are).

Each owner also has one counter item under the shortcut `#` (a shortcut cannot start with
`#`, and `#` sorts before every shortcut, so the list reads `shortcut > "#"`). A create
moves the counter up in the same transaction as the put, conditioned on the cap, so two
parallel creates can never pass MAX_CANNED_PER_OWNER; a put conditioned on the key not
existing makes a duplicate shortcut a clean refusal.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.domain.canned import MAX_CANNED_PER_OWNER
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.storage.errors import CONDITION_FAILED, TRANSACTION_CONFLICT, WriteConflict, cancellation_reasons
from chalicelib.storage.models import _Meta

COUNTER = "#"
_CONFLICTS = {"TransactionInProgressException", "TransactionConflictException"}


class CannedReplyModel(Model):
    class Meta(_Meta):
        kind = "canned_replies"

    owner = UnicodeAttribute(hash_key=True)  # "team" | "operator:<username>"
    shortcut = UnicodeAttribute(range_key=True)  # or "#": the owner's counter item
    text = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)
    count = NumberAttribute(null=True)  # the counter item only


def _not_found(shortcut: str) -> NotFound:
    return NotFound("canned_reply_not_found", f"no canned reply /{shortcut}")


def _taken(shortcut: str) -> Conflict:
    return Conflict("shortcut_taken", f"the shortcut /{shortcut} is already used", shortcut=shortcut)


# PynamoDB sends a transaction's items grouped by kind, whatever order they were added in:
# condition checks, deletes, puts, updates. The cancellation reasons follow that order.

def _reasons(error: TransactWriteError) -> list[str | None]:
    """The per-item reasons of a cancelled transaction. Another write to the same owner at the
    same moment is a WriteConflict (nothing was written; the service answers 503 busy); an
    error with no reasons (throttling, DynamoDB unavailable) is raised as it is, so the API
    answers it like every other AWS outage (503 unavailable)."""
    reasons = cancellation_reasons(error)
    if TRANSACTION_CONFLICT in reasons or error.cause_response_code in _CONFLICTS:
        raise WriteConflict(reasons) from error
    if not reasons:
        raise error
    return reasons


class CannedStore:
    def page(self, owner: str) -> list[CannedReplyModel]:
        """Every reply of one owner, by shortcut: ONE Query (the cap keeps it in one page)."""
        return list(CannedReplyModel.query(owner, CannedReplyModel.shortcut > COUNTER,
                                           page_size=MAX_CANNED_PER_OWNER + 1))

    def get(self, owner: str, shortcut: str) -> CannedReplyModel | None:
        try:
            return CannedReplyModel.get(owner, shortcut, consistent_read=True)
        except CannedReplyModel.DoesNotExist:
            return None

    def create(self, reply: CannedReplyModel) -> None:
        counter = CannedReplyModel(reply.owner, COUNTER)
        try:
            with TransactWrite(connection=CannedReplyModel._get_connection().connection) as transaction:
                # NOT (count >= cap): also true while the counter does not exist yet.
                transaction.update(counter, [CannedReplyModel.count.add(1)],
                                   condition=~(CannedReplyModel.count >= MAX_CANNED_PER_OWNER))
                transaction.save(reply, condition=CannedReplyModel.shortcut.does_not_exist())
        except TransactWriteError as error:
            reasons = _reasons(error)  # [the put, the counter's update]
            if reasons[0] == CONDITION_FAILED:
                raise _taken(reply.shortcut) from error
            if len(reasons) > 1 and reasons[1] == CONDITION_FAILED:
                raise ValidationFailed(f"at most {MAX_CANNED_PER_OWNER} canned replies each",
                                       fields={"shortcut": "too many canned replies; delete one first"}) from error
            raise

    def replace(self, old_shortcut: str, reply: CannedReplyModel) -> None:
        """Edit a reply: in place, or under a new shortcut (the old item goes in the same
        transaction, so the count stays and no moment has both or neither)."""
        connection = CannedReplyModel._get_connection().connection
        try:
            with TransactWrite(connection=connection) as transaction:
                if old_shortcut == reply.shortcut:
                    transaction.save(reply, condition=CannedReplyModel.shortcut.exists())
                else:
                    transaction.delete(CannedReplyModel(reply.owner, old_shortcut),
                                       condition=CannedReplyModel.shortcut.exists())
                    transaction.save(reply, condition=CannedReplyModel.shortcut.does_not_exist())
        except TransactWriteError as error:
            reasons = _reasons(error)  # [the old one's delete, the put] or [the put in place]
            if reasons[0] == CONDITION_FAILED:
                raise _not_found(old_shortcut) from error
            if len(reasons) > 1 and reasons[1] == CONDITION_FAILED:
                raise _taken(reply.shortcut) from error
            raise

    def delete(self, owner: str, shortcut: str) -> None:
        try:
            with TransactWrite(connection=CannedReplyModel._get_connection().connection) as transaction:
                transaction.delete(CannedReplyModel(owner, shortcut), condition=CannedReplyModel.shortcut.exists())
                transaction.update(CannedReplyModel(owner, COUNTER), [CannedReplyModel.count.add(-1)])
        except TransactWriteError as error:
            if _reasons(error)[0] == CONDITION_FAILED:  # [the delete, the counter's update]
                raise _not_found(shortcut) from error
            raise
