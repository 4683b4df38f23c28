"""Is an exception AWS saying "not now"? Throttling, a 5xx of the service, a dropped
connection: botocore has already retried those (with backoff), so the caller gets a 503 with
Retry-After instead of a 500, and may simply send the same request again (every write of
Handover is a single conditional write or one transaction: a failed one left nothing)."""

from __future__ import annotations

from botocore.exceptions import ConnectionError as BotocoreConnectionError
from botocore.exceptions import HTTPClientError

TRANSIENT_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling", "RequestLimitExceeded",
    "InternalServerError", "InternalFailure", "ServiceUnavailable", "ServiceUnavailableException",
    "LimitExceededException", "RequestTimeout", "RequestTimeoutException", "SlowDown",
    "TooManyRequestsException",
})
# TransactWriteItems' cancellation reasons that mean the same.
TRANSIENT_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded"})


def is_transient(error: BaseException | None) -> bool:
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, (BotocoreConnectionError, HTTPClientError)):
            return True
        if getattr(error, "cause_response_code", None) in TRANSIENT_CODES:  # PynamoDB's errors
            return True
        response = getattr(error, "response", None)
        if isinstance(response, dict) and (response.get("Error") or {}).get("Code") in TRANSIENT_CODES:
            return True
        reasons = getattr(error, "cancellation_reasons", None) or []
        if any(getattr(reason, "code", None) in TRANSIENT_REASONS for reason in reasons):
            return True
        error = error.__cause__ or error.__context__
    return False
