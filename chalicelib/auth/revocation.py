"""Is a signed, unexpired access token still good? Cognito knows; the JWT does not.

A Cognito access token verifies offline for its whole hour even after ops disable or delete
the operator, or sign them out everywhere (AdminUserGlobalSignOut / GlobalSignOut revoke the
tokens only in Cognito's own records). Cognito's `GetUser`, called with the access token
itself, is the AWS-native answer: it refuses a revoked token, a disabled user and a deleted
user (NotAuthorizedException / UserNotFoundException). It needs no IAM permission (the token
is the credential), and it is what API Gateway's own Cognito authorizer does *not* do.

Each Lambda container asks at most once per token per `check_seconds` (60 s in AWS), so a
revoked operator is refused within a minute; verdicts are kept in a bounded LRU keyed by a
hash of the token (never the token itself). docs/security.md, "Revocation within a minute".
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain.errors import Busy, Unauthorized

logger = logging.getLogger("handover.auth")

# Production value: a revoked operator works at most this long on the API.
CHECK_SECONDS = 60.0
# Cognito unreachable or throttling: a token Cognito confirmed this recently keeps working
# (availability over a minute of revocation delay); an older or unknown one gets a 503.
GRACE_SECONDS = 300.0
# Verdicts kept per container (an LRU): enough for every operator's tabs many times over.
MAX_ENTRIES = 5000

# Cognito's answers that mean "this token no longer works" (revoked, user disabled, deleted).
REVOKED_CODES = frozenset({"NotAuthorizedException", "UserNotFoundException"})


class TokenRevoked(Unauthorized):
    """HTTP 401 `token_revoked`: sign in again (the UI goes to the sign-in page)."""

    code = "token_revoked"


def token_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class _Verdict:
    __slots__ = ("checked_at", "confirmed_at", "revoked")

    def __init__(self) -> None:
        self.checked_at: float | None = None
        self.confirmed_at: float | None = None
        self.revoked = False


class RevocationCheck:
    """`confirm(token)` asks Cognito (through `get_user`, which raises botocore's errors)
    whether the token still works, at most once per `check_seconds` per token."""

    def __init__(self, get_user: Callable[[str], Any], *, check_seconds: float = CHECK_SECONDS,
                 grace_seconds: float = GRACE_SECONDS, max_entries: int = MAX_ENTRIES,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._get_user = get_user
        self.check_seconds = check_seconds
        self.grace_seconds = grace_seconds
        self.max_entries = max_entries
        self._monotonic = monotonic
        self._verdicts: OrderedDict[str, _Verdict] = OrderedDict()
        self._lock = threading.Lock()
        self.calls = 0  # Cognito calls made (tests and the bench read it)

    def _verdict(self, key: str) -> _Verdict:
        with self._lock:
            verdict = self._verdicts.get(key)
            if verdict is None:
                verdict = self._verdicts[key] = _Verdict()
                while len(self._verdicts) > self.max_entries:
                    self._verdicts.popitem(last=False)
            else:
                self._verdicts.move_to_end(key)
            return verdict

    def confirm(self, token: str, max_age: float | None = None) -> None:
        """Returns if Cognito confirmed the token within `max_age` seconds (default
        `check_seconds`); raises TokenRevoked, or Busy when Cognito cannot say."""
        max_age = self.check_seconds if max_age is None else min(max_age, self.check_seconds)
        verdict = self._verdict(token_key(token))
        now = self._monotonic()
        if verdict.revoked:
            raise TokenRevoked("this session was revoked; sign in again")
        if verdict.confirmed_at is not None and now - verdict.confirmed_at < max_age:
            return
        self.calls += 1
        try:
            self._get_user(token)
        except ClientError as error:
            code = (error.response.get("Error") or {}).get("Code")
            if code in REVOKED_CODES:
                verdict.revoked = True  # a revoked token never comes back: no more calls for it
                raise TokenRevoked("this session was revoked; sign in again") from None
            self._unavailable(verdict, now, error)
            return
        except BotoCoreError as error:
            self._unavailable(verdict, now, error)
            return
        verdict.checked_at = verdict.confirmed_at = now

    def _unavailable(self, verdict: _Verdict, now: float, error: BaseException) -> None:
        if verdict.confirmed_at is not None and now - verdict.confirmed_at < self.grace_seconds:
            logger.warning("Cognito GetUser unavailable (%r): accepting a token confirmed %.0f s ago",
                           error, now - verdict.confirmed_at)
            return
        logger.warning("Cognito GetUser unavailable (%r): refusing an unconfirmed token", error)
        raise Busy("sign-in cannot be confirmed right now; try again in a moment") from None


def cognito_get_user(settings: Any) -> Callable[[str], Any]:
    """GetUser against the pool's endpoint (moto's server locally), client made on first use."""
    from chalicelib.adapters.aws import client

    def get_user(token: str) -> Any:
        return client("cognito-idp", endpoint=settings.cognito_endpoint, settings=settings).get_user(
            AccessToken=token)

    return get_user
