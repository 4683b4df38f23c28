"""Signing in through Cognito as Cognito means it (docs/security.md, "Sign-in"):
USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH, then whatever challenge the pool asks for
(NEW_PASSWORD_REQUIRED for a user ops created with a temporary password, SOFTWARE_TOKEN_MFA
for a user with TOTP, MFA_SETUP when the pool requires MFA), TOTP set-up, and the forgotten
password (a code by e-mail).

The app client must allow those flows and have no client secret (the UI is a public client).
Every call here is one a public client may make: no admin permission is needed (the password
policy comes from Settings, set by infra/). Users and the `admins` group are managed by ops in
the AWS console (docs/runbook.md). No answer says whether a username exists.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import msgspec
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from chalicelib.adapters.aws import client
from chalicelib.config import Settings
from chalicelib.domain.errors import Busy, DomainError, Unauthorized, ValidationFailed

logger = logging.getLogger("handover.auth")

# The challenges the UI completes; any other (SMS_MFA, CUSTOM_CHALLENGE, ...) is not enabled
# in the pool (infra/auth.py) and is refused rather than half handled.
NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"
SOFTWARE_TOKEN_MFA = "SOFTWARE_TOKEN_MFA"
MFA_SETUP = "MFA_SETUP"
CHALLENGES = (NEW_PASSWORD_REQUIRED, SOFTWARE_TOKEN_MFA, MFA_SETUP)

# The name an authenticator app shows above the code.
TOTP_ISSUER = "Handover"

# Cognito says "slow down" without saying for how long. A request-rate throttle passes within a
# second; a lockout (5 wrong passwords, then 1 s doubling up to about 15 min) or ForgotPassword's
# per-user limit lasts longer, so the UI is told to wait a minute (docs/security.md).
RATE_RETRY_SECONDS = 1
LOCKOUT_RETRY_SECONDS = 60
_THROTTLED = {"TooManyRequestsException": RATE_RETRY_SECONDS,
              "TooManyFailedAttemptsException": LOCKOUT_RETRY_SECONDS,
              "LimitExceededException": LOCKOUT_RETRY_SECONDS}
# Cognito's lockout after too many wrong passwords is a NotAuthorizedException with this message.
_LOCKED_OUT = "password attempts exceeded"
_UNAVAILABLE = {"InternalErrorException"}
# Cognito's answers that mean "these credentials do not work" (never say which part).
_REFUSED = {"NotAuthorizedException", "UserNotFoundException", "PasswordResetRequiredException",
            "UserNotConfirmedException", "InvalidParameterException"}
# A challenge's session is gone: expired (3 minutes by default), used, or never issued (moto
# answers ResourceNotFoundException where Cognito answers NotAuthorizedException).
_SESSION_GONE = {"NotAuthorizedException", "ResourceNotFoundException", "UserNotFoundException"}
# A wrong or expired one-time code. VerifySoftwareToken answers a wrong code with
# EnableSoftwareTokenMFAException in AWS (CodeMismatchException in moto).
_WRONG_CODE = {"CodeMismatchException", "ExpiredCodeException", "EnableSoftwareTokenMFAException"}


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"


class SessionExpired(Unauthorized):
    code = "session_expired"


class InvalidCode(ValidationFailed):
    """A 422: the code (TOTP or e-mailed) is wrong or expired."""

    code = "invalid_code"

    def __init__(self, message: str = "the code is wrong or has expired") -> None:
        super().__init__(message, fields={"code": message})


class PasswordRefused(ValidationFailed):
    """A 422: the new password does not meet the pool's policy (Cognito's words)."""

    code = "password_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(reason, fields={"new_password": reason})


class TooManyAttempts(DomainError):
    """HTTP 429 with Retry-After: Cognito throttled or locked out these attempts."""

    code = "too_many_attempts"
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many attempts; try again in {retry_after} s", retry_after_seconds=retry_after)
        self.retry_after = retry_after


class Tokens(msgspec.Struct, frozen=True):
    access_token: str
    id_token: str
    refresh_token: str | None
    expires_in: int


class Challenge(msgspec.Struct, frozen=True):
    """What Cognito wants before it gives tokens; answered with its `session` (valid 3 min)."""

    name: str
    session: str
    # The username to answer with: Cognito's own (USER_ID_FOR_SRP), which differs from what was
    # typed when the operator signed in with their e-mail alias.
    username: str


class TotpSecret(msgspec.Struct, frozen=True):
    secret: str
    otpauth_uri: str
    # During MFA_SETUP: the session to verify the code with (AssociateSoftwareToken renews it).
    session: str | None = None


SignInResult = Tokens | Challenge


def otpauth_uri(secret: str, username: str, issuer: str = TOTP_ISSUER) -> str:
    """The Key URI Format authenticator apps read from a QR code (SHA1, 6 digits, 30 s: what
    Cognito's TOTP is)."""
    label = quote(f"{issuer}:{username}", safe="")
    return f"otpauth://totp/{label}?secret={quote(secret, safe='')}&issuer={quote(issuer, safe='')}"


def _error_code(error: ClientError) -> tuple[str, str]:
    details = error.response.get("Error", {})
    return str(details.get("Code") or ""), str(details.get("Message") or "")


def _throttled(code: str, message: str) -> TooManyAttempts | None:
    if code in _THROTTLED:
        return TooManyAttempts(_THROTTLED[code])
    if code == "NotAuthorizedException" and _LOCKED_OUT in message.lower():
        return TooManyAttempts(LOCKOUT_RETRY_SECONDS)
    return None


class CognitoSignIn:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _idp(self) -> Any:
        return client("cognito-idp", endpoint=self.settings.cognito_endpoint, settings=self.settings)

    def _call(self, operation: str, refuse: Callable[[str, str], DomainError | None], **params: Any) -> Any:
        """One Cognito call; its refusals become domain errors by `refuse` (code, message), its
        throttling a 429, its unavailability a 503 (never a 500)."""
        try:
            return getattr(self._idp(), operation)(**params)
        except ClientError as error:
            code, message = _error_code(error)
            throttled = _throttled(code, message)
            if throttled is not None:
                raise throttled from None
            refused = refuse(code, message)
            if refused is not None:
                raise refused from None
            if code in _UNAVAILABLE:
                raise Busy("sign-in is busy right now; try again in a moment") from None
            raise
        except ParamValidationError as error:
            # botocore checks Cognito's lengths before sending; the schemas should have already.
            raise ValidationFailed(f"Cognito would refuse this: {error}") from None
        except BotoCoreError:
            # Cognito unreachable or timing out: a 503 the UI can retry, not a 500.
            raise Busy("sign-in is unavailable right now; try again in a moment") from None

    def _result(self, response: dict[str, Any], username: str) -> SignInResult:
        name = response.get("ChallengeName")
        if name:
            if name not in CHALLENGES:
                logger.warning("Cognito asked for the %s challenge, which the pool should not enable", name)
                raise InvalidCredentials(f"this account needs the {name} challenge, which Handover does not support")
            parameters = response.get("ChallengeParameters") or {}
            return Challenge(name=name, session=response["Session"],
                             username=parameters.get("USER_ID_FOR_SRP") or parameters.get("USERNAME") or username)
        result = response["AuthenticationResult"]
        return Tokens(
            access_token=result["AccessToken"],
            id_token=result.get("IdToken", ""),
            refresh_token=result.get("RefreshToken"),
            expires_in=int(result.get("ExpiresIn", 3600)),
        )

    # --- signing in ------------------------------------------------------------------------------

    def login(self, username: str, password: str) -> SignInResult:
        def refuse(code: str, _message: str) -> DomainError | None:
            return InvalidCredentials("wrong username or password") if code in _REFUSED else None

        response = self._call("initiate_auth", refuse, AuthFlow="USER_PASSWORD_AUTH",
                              ClientId=self.settings.cognito_client_id,
                              AuthParameters={"USERNAME": username, "PASSWORD": password})
        return self._result(response, username)

    def refresh(self, refresh_token: str) -> Tokens:
        def refuse(code: str, _message: str) -> DomainError | None:
            return InvalidCredentials("the refresh token no longer works; sign in again") if code in _REFUSED else None

        response = self._call("initiate_auth", refuse, AuthFlow="REFRESH_TOKEN_AUTH",
                              ClientId=self.settings.cognito_client_id,
                              AuthParameters={"REFRESH_TOKEN": refresh_token})
        result = self._result(response, "")
        if not isinstance(result, Tokens):
            raise InvalidCredentials("the refresh token no longer works; sign in again")
        return result

    def answer(self, challenge: str, session: str, username: str, *, new_password: str | None = None,
               code: str | None = None) -> SignInResult:
        """Answer a challenge of login (or of a previous answer): the tokens, or the next one
        (a new password may be followed by MFA_SETUP or SOFTWARE_TOKEN_MFA)."""
        responses = {"USERNAME": username}
        if challenge == NEW_PASSWORD_REQUIRED:
            responses["NEW_PASSWORD"] = new_password or ""
        elif challenge == SOFTWARE_TOKEN_MFA:
            responses["SOFTWARE_TOKEN_MFA_CODE"] = code or ""
        elif challenge == MFA_SETUP:
            # The secret was associated with this session (totp_setup_for_session); a right code
            # verifies it and gives the session that completes the challenge.
            verified = self._call("verify_software_token", _challenge_refusal, Session=session, UserCode=code or "",
                                  FriendlyDeviceName=TOTP_ISSUER)
            session = verified.get("Session") or session
        response = self._call("respond_to_auth_challenge", _challenge_refusal,
                              ClientId=self.settings.cognito_client_id, ChallengeName=challenge, Session=session,
                              ChallengeResponses=responses)
        result = self._result(response, username)
        if challenge == MFA_SETUP and isinstance(result, Tokens):
            # Make TOTP the operator's preferred MFA, so every later sign-in asks for the code.
            self._prefer_totp(result.access_token)
        return result

    # --- TOTP --------------------------------------------------------------------------------------

    def totp_setup_for_session(self, session: str, username: str) -> TotpSecret:
        """A new TOTP secret during the MFA_SETUP challenge (no tokens yet)."""
        response = self._call("associate_software_token", _challenge_refusal, Session=session)
        secret = response["SecretCode"]
        return TotpSecret(secret=secret, otpauth_uri=otpauth_uri(secret, username),
                          session=response.get("Session") or session)

    def totp_setup(self, access_token: str, username: str) -> TotpSecret:
        """A new TOTP secret for a signed-in operator; it works once `enable_totp` verified a code."""
        response = self._call("associate_software_token", _token_refusal, AccessToken=access_token)
        secret = response["SecretCode"]
        return TotpSecret(secret=secret, otpauth_uri=otpauth_uri(secret, username))

    def enable_totp(self, access_token: str, code: str) -> None:
        """Verify the first code of the associated secret and turn TOTP on: every later sign-in
        asks for a code (SOFTWARE_TOKEN_MFA)."""
        self._call("verify_software_token", _token_refusal, AccessToken=access_token, UserCode=code,
                   FriendlyDeviceName=TOTP_ISSUER)
        self._prefer_totp(access_token)

    def _prefer_totp(self, access_token: str) -> None:
        self._call("set_user_mfa_preference", _token_refusal, AccessToken=access_token,
                   SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})

    # --- forgotten password ----------------------------------------------------------------------

    def forgot_password(self, username: str) -> None:
        """Cognito e-mails a code to the user's verified address. Whether the user exists, has
        a verified e-mail or was created a minute ago, the answer is the same."""

        def refuse(code: str, message: str) -> DomainError | None:
            if code in _REFUSED or code in {"CodeDeliveryFailureException", "ResourceNotFoundException"}:
                # Said to nobody but the log: the caller must not learn whether the user exists.
                logger.info("no password reset code sent: %s %s", code, message)
                return _Quiet("no code sent")
            return None

        try:
            self._call("forgot_password", refuse, ClientId=self.settings.cognito_client_id, Username=username)
        except _Quiet:
            return

    def reset_password(self, username: str, code: str, new_password: str) -> None:
        def refuse(error_code: str, message: str) -> DomainError | None:
            if error_code == "InvalidPasswordException":
                return PasswordRefused(message or "the password does not meet the policy")
            if error_code in _WRONG_CODE or error_code in _REFUSED or error_code == "ResourceNotFoundException":
                # An unknown user answers as a wrong code does (prevent_user_existence_errors).
                return InvalidCode()
            return None

        self._call("confirm_forgot_password", refuse, ClientId=self.settings.cognito_client_id, Username=username,
                   ConfirmationCode=code, Password=new_password)


class _Quiet(DomainError):
    """A refusal the caller must not see (forgot_password)."""


def _challenge_refusal(code: str, message: str) -> DomainError | None:
    if code == "InvalidPasswordException":
        return PasswordRefused(message or "the password does not meet the policy")
    if code in _WRONG_CODE:
        return InvalidCode()
    if code in _SESSION_GONE:
        return SessionExpired("the sign-in took too long or was already used; sign in again")
    if code == "InvalidParameterException":
        return ValidationFailed(message or "Cognito refused the answer")
    return None


def _token_refusal(code: str, message: str) -> DomainError | None:
    if code in _WRONG_CODE:
        return InvalidCode()
    if code == "NotAuthorizedException":
        return Unauthorized("the access token no longer works; sign in again")
    if code in {"SoftwareTokenMFANotFoundException", "InvalidParameterException"}:
        return ValidationFailed("set up the authenticator first (POST /api/me/totp)",
                                fields={"code": message or "no authenticator is being set up"})
    return None
