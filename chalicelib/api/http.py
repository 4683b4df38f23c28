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
    Problems,
    Unauthorized,
    ValidationFailed,
)
from chalicelib.text import MAX_JSON_DEPTH, dumps, lone_surrogates, too_deep

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
    return Response(body=dumps({"error": error}), status_code=status, headers=all_headers)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    all_headers = {"Content-Type": "application/json"}
    if headers:
        all_headers.update(headers)
    # text.dumps: a lone surrogate stored before the edge refused them is rendered as U+FFFD,
    # not a UnicodeEncodeError that fails the page for every operator (issue 18).
    return Response(body=dumps(body), status_code=status, headers=all_headers)


def _is_json(request: Request) -> bool:
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


def _too_deep() -> HttpError:
    return HttpError(400, "json_too_deep",
                     f"JSON may nest arrays and objects at most {MAX_JSON_DEPTH} levels deep",
                     max_depth=MAX_JSON_DEPTH)


def refuse_lone_surrogates(value: Any, root: str = "body") -> None:
    """A 422 `validation_failed` naming every string (value or key) of a decoded body that
    holds a lone UTF-16 surrogate: text must be valid Unicode, or it could be stored but
    never rendered again (issue 18)."""
    problems = Problems()
    for path in lone_surrogates(value, root):
        problems.add(path, "not valid Unicode: holds a lone UTF-16 surrogate (U+D800-U+DFFF)")
    problems.raise_if_any()


def json_body(request: Request, *, required: bool = True) -> Any:
    """The request's JSON body, or a clear 400/413/415/422. The one place a body becomes a
    Python value, so no parser downstream ever sees text that is not valid Unicode."""
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise HttpError(413, "body_too_large", f"the body is over {MAX_BODY_BYTES // 1024} KB")
    if not raw.strip():
        if required:
            raise HttpError(400, "body_required", "a JSON body is required")
        return None
    if not _is_json(request):
        raise HttpError(415, "unsupported_media_type", "send the body as application/json")
    # refuse_deep_json has already answered for a route of the app; checked again here (a
    # few counts in C for an honest body) so that json_body is safe wherever it is called.
    if too_deep(raw):
        raise _too_deep()
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise HttpError(400, "malformed_json", f"the body is not valid JSON: {error}") from None
    refuse_lone_surrogates(value)
    return value


def refuse_deep_json(request: Request | None, get_response: Callable[[Request], Response]) -> Response:
    """Chalice HTTP middleware, registered in app.py: a JSON body nested deeper than
    MAX_JSON_DEPTH is a 400 `json_too_deep` before any route runs. Before, because the bot
    routes authenticate (and rate-limit, and read the key's bot) before they read the body,
    and a body that crashes the parser must cost no more than a glance at its bytes, for
    any caller, signed in or not. Only bodies json_body would parse are scanned (JSON, at
    most MAX_BODY_BYTES): anything else gets json_body's own 413/415 as before."""
    if request is not None and _is_json(request):
        raw = request.raw_body or b""
        if len(raw) <= MAX_BODY_BYTES and too_deep(raw):
            error = _too_deep()
            return error_response(error.status, error.code, error.message, dict(error.details))
    return get_response(request)


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
