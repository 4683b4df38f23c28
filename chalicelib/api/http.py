"""HTTP plumbing shared by every API: JSON bodies, error bodies, status codes.

Every error answers `{"error": {"code", "message", "details"?}}`. Bad input is a 4xx,
never a 500; an unexpected failure is logged with its stack and answers a 500 in the
same shape, without internals.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from chalice import Response
from chalice.app import Request

from chalicelib.adapters.aws_errors import is_transient
from chalicelib.domain.errors import (
    Busy,
    Conflict,
    DomainError,
    Forbidden,
    InvalidTransition,
    NotFound,
    NotParticipant,
    Unauthorized,
    ValidationFailed,
)

logger = logging.getLogger("handover.api")

MAX_BODY_BYTES = 256 * 1024
# Chalice checks Content-Type before our code runs and answers in its own format;
# accepting every type here lets `json_body` answer 415 in ours.
ANY_CONTENT = ["*/*"]


class HttpError(DomainError):
    """An error that only exists at the HTTP level (400 malformed JSON, 413, 415)."""

    def __init__(self, status: int, code: str, message: str, **details: object) -> None:
        super().__init__(message, **details)
        self.status = status
        self.code = code


# The HTTP status of each domain error. A subclass answers as its nearest listed ancestor
# (looked up in MRO order), so e.g. UploadRejected is a 422 and InvalidCredentials a 401.
STATUS_OF: dict[type[DomainError], int] = {
    ValidationFailed: 422,
    InvalidTransition: 409,
    Conflict: 409,
    NotFound: 404,
    Unauthorized: 401,
    Forbidden: 403,
    NotParticipant: 403,
    Busy: 503,
}


def status_of(error: DomainError) -> int:
    """From STATUS_OF; an error outside it may carry its own `status` (HttpError, RateLimited's 429,
    UploadTooLarge's 413); any other domain error is a 400."""
    for kind in type(error).__mro__:
        if kind in STATUS_OF:
            return STATUS_OF[kind]
    status = getattr(error, "status", None)
    return status if isinstance(status, int) else 400


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    all_headers = {"Content-Type": "application/json"}
    if status == 401:
        all_headers["WWW-Authenticate"] = "Bearer"
    if headers:
        all_headers.update(headers)
    return Response(body=json.dumps({"error": error}), status_code=status, headers=all_headers)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    all_headers = {"Content-Type": "application/json"}
    if headers:
        all_headers.update(headers)
    return Response(body=json.dumps(body, ensure_ascii=False), status_code=status, headers=all_headers)


def json_body(request: Request, *, required: bool = True) -> Any:
    """The request's JSON body, or a clear 400/413/415."""
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise HttpError(413, "body_too_large", f"the body is over {MAX_BODY_BYTES // 1024} KB")
    if not raw.strip():
        if required:
            raise HttpError(400, "body_required", "a JSON body is required")
        return None
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise HttpError(415, "unsupported_media_type", "send the body as application/json")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise HttpError(400, "malformed_json", f"the body is not valid JSON: {error}") from None


def handles_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Turn domain errors into JSON error responses; never leak a stack trace."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except DomainError as error:
            details = {k: v for k, v in error.details.items() if v is not None}
            retry_after = getattr(error, "retry_after", 1 if isinstance(error, Busy) else None)
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
            return error_response(status_of(error), error.code, error.message, details or None, headers)
        except Exception as error:
            if is_transient(error):
                # Throttled or a failing AWS service, after botocore's retries: no 500, the
                # client retries (nothing was half written: tests/hardening/test_faults.py).
                logger.warning("AWS is unavailable in %s: %r", view.__name__, error)
                return error_response(503, "unavailable", "the service is busy; retry in a moment",
                                      headers={"Retry-After": "1"})
            logger.exception("unhandled error in %s", view.__name__)
            return error_response(500, "internal_error", "something went wrong on our side; it was logged")

    return wrapper


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def query_param(request: Request, name: str) -> str | None:
    params = request.query_params or {}
    value = params.get(name)
    return value if value else None
