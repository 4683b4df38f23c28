"""Domain errors. The API layer maps each to an HTTP status and an error code."""

from __future__ import annotations

import msgspec


class DomainError(Exception):
    """A request that the rules refuse."""

    code = "domain_error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationFailed(DomainError):
    """Valid JSON whose fields are wrong (HTTP 422); `details` names each field."""

    code = "validation_failed"


class InvalidTransition(DomainError):
    """The dialog is not in a state where the action is allowed (HTTP 409)."""

    code = "invalid_transition"


class NotParticipant(DomainError):
    """The operator must be in the dialog to do this (HTTP 403)."""

    code = "not_participant"


class NamedError(DomainError):
    """An error whose code is given where it is raised, not by its class."""

    def __init__(self, code: str, message: str, **details: object) -> None:
        super().__init__(message, **details)
        self.code = code


class NotFound(NamedError):
    """HTTP 404. `code` names what is missing (lead_not_found, bot_not_found, ...)."""


class Conflict(NamedError):
    """HTTP 409 for a conflict that is not a dialog transition (e.g. idempotency_conflict)."""


class Unauthorized(DomainError):
    """HTTP 401: no credentials, or wrong ones."""

    code = "unauthorized"


class Forbidden(DomainError):
    """HTTP 403: known caller, not allowed."""

    code = "forbidden"


class Busy(DomainError):
    """HTTP 503: the dialog kept changing under us (retries exhausted); safe to retry."""

    code = "busy"


class Problems(msgspec.Struct):
    """Collects what is wrong, by field, and raises one ValidationFailed naming them all (the
    first problem found per field is kept). Used by the request decoding (api/decoding.py) and by
    the checks of stored uploads (services/uploads.py)."""

    found: dict[str, str] = msgspec.field(default_factory=dict)

    def add(self, where: str, what: str) -> None:
        self.found.setdefault(where, what)

    def raise_if_any(self) -> None:
        if self.found:
            fields = ", ".join(sorted(self.found))
            raise ValidationFailed(f"invalid fields: {fields}", fields=dict(self.found))
