"""The operators as Cognito knows them: one page of the user pool's users (ListUsers) and the
members of the `admins` group (ListUsersInGroup). Read only: operators are managed by ops in
the AWS console (docs/runbook.md), which `console_users_url` links to."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.aws import client
from chalicelib.config import Settings
from chalicelib.domain.errors import Busy, ValidationFailed
from chalicelib.domain.operators import OperatorAccount

# ListUsers answers at most 60 users a call.
MAX_PAGE = 60
_UNAVAILABLE = {"TooManyRequestsException", "LimitExceededException", "InternalErrorException"}


def console_users_url(settings: Settings) -> str:
    """The user pool's Users page in the AWS console (where operators are created, disabled,
    added to `admins`)."""
    region = quote(settings.region, safe="")
    pool = quote(settings.cognito_user_pool_id, safe="")
    return f"https://{region}.console.aws.amazon.com/cognito/v2/idp/user-pools/{pool}/users?region={region}"


def _user(raw: dict[str, Any]) -> OperatorAccount:
    attributes = {a["Name"]: a.get("Value") for a in raw.get("Attributes", raw.get("UserAttributes", []))}
    created = raw.get("UserCreateDate")
    return OperatorAccount(
        username=raw["Username"],
        email=attributes.get("email"),
        enabled=bool(raw.get("Enabled", True)),
        status=str(raw.get("UserStatus", "UNKNOWN")),
        created_at=created.isoformat().replace("+00:00", "Z") if hasattr(created, "isoformat") else None,
    )


class CognitoDirectory:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _idp(self) -> Any:
        return client("cognito-idp", endpoint=self.settings.cognito_endpoint, settings=self.settings)

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        try:
            result: dict[str, Any] = getattr(self._idp(), operation)(UserPoolId=self.settings.cognito_user_pool_id,
                                                                       **params)
            return result
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in _UNAVAILABLE:
                raise Busy("Cognito is busy right now; try again in a moment") from None
            if "PaginationToken" in params or "NextToken" in params:
                # A cursor Cognito did not give out (or one that expired). Cognito answers
                # InvalidParameterException; moto's server another code (or a 500) for a token it
                # cannot decode: with a cursor, any refusal that is not "busy" is the cursor's.
                raise ValidationFailed("invalid fields: cursor", fields={"cursor": "not a cursor of this list"}) from None
            raise
        except BotoCoreError:
            raise Busy("Cognito is unavailable right now; try again in a moment") from None

    def users(self, limit: int = MAX_PAGE, cursor: str | None = None) -> tuple[list[OperatorAccount], str | None]:
        """A page of the pool's users in Cognito's order, and the next page's cursor."""
        params: dict[str, Any] = {"Limit": max(1, min(MAX_PAGE, limit))}
        if cursor:
            params["PaginationToken"] = cursor
        answer = self._call("list_users", **params)
        return [_user(raw) for raw in answer.get("Users", [])], answer.get("PaginationToken") or None

    def members(self, group: str) -> set[str]:
        """The usernames in `group` (the admins: a handful, every page is read)."""
        names: set[str] = set()
        token: str | None = None
        while True:
            params: dict[str, Any] = {"GroupName": group, "Limit": MAX_PAGE}
            if token:
                params["NextToken"] = token
            answer = self._call("list_users_in_group", **params)
            names.update(raw["Username"] for raw in answer.get("Users", []))
            token = answer.get("NextToken")
            if not token:
                return names
