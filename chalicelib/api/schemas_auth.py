"""The bodies and answers of Cognito's challenges, TOTP set-up and the forgotten password
(docs/operator-api.md, "Signing in"); login and refresh themselves are in `schemas_operator.py`."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from chalicelib.api.decoding import Rule
from chalicelib.api.schemas import NON_BLANK, whole

# Cognito's sessions are opaque and long (20 to 2048 characters).
SESSION_EXAMPLE = "AYABeHvbVqZ5V2J0Tgk3Q8dLrXw9mN1u…"
ChallengeName = Literal["NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA", "MFA_SETUP"]
Session = Annotated[str, Meta(min_length=20, max_length=2048,
                              description="Cognito's session from the challenge; valid 3 minutes, once.")]
Username = Annotated[str, Meta(min_length=1, max_length=128, description="1-128 characters.")]
NewPassword = Annotated[str, Meta(min_length=1, max_length=256,
                                  description="Checked by Cognito against the pool's password_policy.")]
TotpCode = Annotated[str, Meta(pattern=whole("[0-9]{6}"), description="The 6 digits the authenticator app shows.")]
# Cognito's ConfirmationCode: any non-blank text up to 2048 (6 digits in the e-mail).
# `\S` reads differently in Python and in ECMA-262 (JSON Schema): the whitespace is spelled out.
EmailedCode = Annotated[str, Meta(min_length=1, max_length=2048, pattern=whole(f"{NON_BLANK}+"),
                                  description="The code from the e-mail.")]


class PasswordPolicy(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {"min_length": 12, "require_lowercase": True, "require_uppercase": True,
                                         "require_digits": True, "require_symbols": True}

    min_length: int
    require_lowercase: bool
    require_uppercase: bool
    require_digits: bool
    require_symbols: bool


class Challenge(msgspec.Struct, kw_only=True):
    example: ClassVar[dict[str, Any]] = {
        "challenge": "NEW_PASSWORD_REQUIRED", "session": SESSION_EXAMPLE, "username": "alice",
        "password_policy": PasswordPolicy.example}

    challenge: Annotated[ChallengeName, Meta(description="What Cognito wants before it gives tokens.")]
    session: Session
    username: Annotated[str, Meta(description="Send it back with the answer (Cognito's username, also when "
                                              "the operator signed in with their e-mail).")]
    password_policy: Annotated[PasswordPolicy, Meta(description="With NEW_PASSWORD_REQUIRED.")] | UnsetType = UNSET


NEEDS_NEW_PASSWORD = Rule(
    reads=("challenge", "new_password"), where="new_password", problem="required to answer NEW_PASSWORD_REQUIRED",
    schema={"if": {"properties": {"challenge": {"const": "NEW_PASSWORD_REQUIRED"}}},
            "then": {"required": ["new_password"]}},
    holds=lambda body: body.get("challenge") != "NEW_PASSWORD_REQUIRED" or "new_password" in body,
)
NEEDS_CODE = Rule(
    reads=("challenge", "code"), where="code", problem="required to answer SOFTWARE_TOKEN_MFA and MFA_SETUP",
    schema={"if": {"properties": {"challenge": {"enum": ["SOFTWARE_TOKEN_MFA", "MFA_SETUP"]}}},
            "then": {"required": ["code"]}},
    holds=lambda body: body.get("challenge") == "NEW_PASSWORD_REQUIRED" or "code" in body,
)


class ChallengeInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    example: ClassVar[dict[str, Any]] = {"challenge": "NEW_PASSWORD_REQUIRED", "session": SESSION_EXAMPLE,
                                         "username": "alice", "new_password": "Correct-horse-9"}
    rules: ClassVar[tuple[Rule, ...]] = (NEEDS_NEW_PASSWORD, NEEDS_CODE)

    challenge: ChallengeName
    session: Session
    username: Username
    new_password: Annotated[NewPassword, Meta(description="For NEW_PASSWORD_REQUIRED.")] | UnsetType = UNSET
    code: Annotated[TotpCode, Meta(description="For SOFTWARE_TOKEN_MFA and MFA_SETUP.")] | UnsetType = UNSET


class TotpSetupInput(msgspec.Struct, forbid_unknown_fields=True):
    example: ClassVar[dict[str, Any]] = {"session": SESSION_EXAMPLE, "username": "alice"}

    session: Session
    username: Username


class TotpSetup(msgspec.Struct, kw_only=True):
    example: ClassVar[dict[str, Any]] = {
        "secret": "JBSWY3DPEHPK3PXP", "otpauth_uri": "otpauth://totp/Handover%3Aalice?secret=JBSWY3DPEHPK3PXP"
                                                     "&issuer=Handover", "session": SESSION_EXAMPLE}

    secret: Annotated[str, Meta(description="Base32, for typing into the app by hand.")]
    otpauth_uri: Annotated[str, Meta(description="Shown as a QR code.")]
    session: Annotated[Session, Meta(description="During MFA_SETUP only: answer the challenge with it.")] | \
        UnsetType = UNSET


class TotpCodeInput(msgspec.Struct, forbid_unknown_fields=True):
    example: ClassVar[dict[str, Any]] = {"code": "123456"}

    code: TotpCode


class MfaState(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {"totp": True}

    totp: Annotated[bool, Meta(description="Every sign-in asks for a code.")]


class ForgotPasswordInput(msgspec.Struct, forbid_unknown_fields=True):
    example: ClassVar[dict[str, Any]] = {"username": "alice"}

    username: Username


class ResetPasswordInput(msgspec.Struct, forbid_unknown_fields=True):
    example: ClassVar[dict[str, Any]] = {"username": "alice", "code": "123456", "new_password": "Correct-horse-9"}

    username: Username
    code: EmailedCode
    new_password: NewPassword


class CodeSent(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {"sent": True, "password_policy": PasswordPolicy.example}

    sent: Annotated[bool, Meta(description="Always true: whether the user exists is never said. The code goes "
                                           "to the account's verified e-mail.")]
    password_policy: Annotated[PasswordPolicy, Meta(description="What the new password must have.")]


class PasswordReset(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {"reset": True}

    reset: bool
