"""What DynamoDB's refusals mean, decided in one place.

A conditional write that finds its condition false is how every race in Handover is lost
(the caller reads again and re-decides); a transaction answers the same with a list of
cancellation reasons, one per item. Everything else that fails a write is either AWS saying
"not now" (`adapters/aws_errors.py`) or a bug.
"""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.exceptions import TransactWriteError

CONDITION_FAILED = "ConditionalCheckFailed"
TRANSACTION_CONFLICT = "TransactionConflict"


class WriteConflict(Exception):
    """Another writer changed the item since it was read: read again and retry."""

    def __init__(self, reasons: Sequence[str | None]) -> None:
        super().__init__(f"transaction cancelled: {list(reasons)}")
        self.reasons = list(reasons)


class RefTaken(WriteConflict):
    """The message id is already stored (a concurrent retry won the race)."""


def cancellation_reasons(error: BaseException) -> list[str | None]:
    """The per-item reason codes of a cancelled transaction (None for an item that was fine)."""
    if not isinstance(error, TransactWriteError):
        return []
    return [getattr(reason, "code", None) if reason is not None else None
            for reason in (error.cancellation_reasons or [])]


def condition_failed(error: BaseException) -> bool:
    """A single-item write whose condition was false, or a transaction cancelled because
    one of its conditions was."""
    if getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException":
        return True
    return CONDITION_FAILED in cancellation_reasons(error)


def lost_race(error: BaseException) -> bool:
    """`condition_failed`, or a transaction that collided with another one on the same
    item: either way someone else got there first."""
    return condition_failed(error) or TRANSACTION_CONFLICT in cancellation_reasons(error)
