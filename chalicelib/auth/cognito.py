"""Signing in through Cognito (USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH).

The app client must allow those two flows and have no client secret (the UI is a public
client). Users and the `admins` group are managed by ops in the AWS console.
"""

from __future__ import annotations

from typing import Any

import msgspec
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.aws import client
from chalicelib.config import Settings
from chalicelib.domain.errors import Busy, Unauthorized

# Cognito's answers that mean "try again later" rather than "no".
_UNAVAILABLE = {"TooManyRequestsException", "LimitExceededException", "InternalErrorException"}
# Cognito's answers that mean "these credentials do not work" (never say which part).
_REFUSED = {"NotAuthorizedException", "UserNotFoundException", "PasswordResetRequiredException",
            "UserNotConfirmedException", "InvalidParameterException"}


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"


class Tokens(msgspec.Struct, frozen=True):
    access_token: str
    id_token: str
    refresh_token: str | None
    expires_in: int


class CognitoSignIn:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _idp(self) -> Any:
        return client("cognito-idp", endpoint=self.settings.cognito_endpoint, settings=self.settings)

    def _initiate(self, flow: str, parameters: dict[str, str]) -> Tokens:
        try:
            response = self._idp().initiate_auth(
                AuthFlow=flow, ClientId=self.settings.cognito_client_id, AuthParameters=parameters
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in _REFUSED:
                raise InvalidCredentials("wrong username or password") from None
            if code in _UNAVAILABLE:
                raise Busy("sign-in is busy right now; try again in a moment") from None
            raise
        except BotoCoreError:
            # Cognito unreachable or timing out: a 503 the UI can retry, not a 500.
            raise Busy("sign-in is unavailable right now; try again in a moment") from None
        if response.get("ChallengeName"):
            # e.g. NEW_PASSWORD_REQUIRED for a user ops created with a temporary password.
            raise InvalidCredentials(
                "this account must set its password first (ask an admin)",
                challenge=response["ChallengeName"],
            )
        result = response["AuthenticationResult"]
        return Tokens(
            access_token=result["AccessToken"],
            id_token=result.get("IdToken", ""),
            refresh_token=result.get("RefreshToken"),
            expires_in=int(result.get("ExpiresIn", 3600)),
        )

    def login(self, username: str, password: str) -> Tokens:
        return self._initiate("USER_PASSWORD_AUTH", {"USERNAME": username, "PASSWORD": password})

    def refresh(self, refresh_token: str) -> Tokens:
        try:
            return self._initiate("REFRESH_TOKEN_AUTH", {"REFRESH_TOKEN": refresh_token})
        except InvalidCredentials:
            raise InvalidCredentials("the refresh token no longer works; sign in again") from None
