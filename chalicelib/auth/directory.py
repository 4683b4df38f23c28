"""May this operator still work? Cognito's AdminGetUser, by username (no token needed).

The revocation sweep (`live/revocations.py`) asks it about every operator with an open
websocket once a minute: a disabled or deleted user's connections are closed even when their
client never re-confirms its token. (A global sign-out is not visible here: AdminGetUser says
nothing about tokens; that case is covered by the `reauth` frames and their deadline.)
"""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.aws import client
from chalicelib.config import Settings

logger = logging.getLogger("handover.auth")


class OperatorDirectory:
    def __init__(self, settings: Settings, idp: Any = None) -> None:
        self.settings = settings
        self._idp = idp
        self.calls = 0

    def _client(self) -> Any:
        if self._idp is None:
            self._idp = client("cognito-idp", endpoint=self.settings.cognito_endpoint, settings=self.settings)
        return self._idp

    def may_work(self, username: str) -> bool | None:
        """True: enabled; False: disabled or deleted; None: Cognito cannot say (keep them)."""
        if not self.settings.cognito_user_pool_id:
            return None
        self.calls += 1
        try:
            user = self._client().admin_get_user(UserPoolId=self.settings.cognito_user_pool_id, Username=username)
        except ClientError as error:
            if (error.response.get("Error") or {}).get("Code") == "UserNotFoundException":
                return False
            logger.warning("AdminGetUser %s failed: %s", username, error)
            return None
        except BotoCoreError as error:
            logger.warning("AdminGetUser %s failed: %s", username, error)
            return None
        return bool(user.get("Enabled", True))

    def username_of(self, name: str) -> str | None:
        """The enabled operator `name` names (an @mention, docs/operator-api.md), as Cognito spells
        their username; None for nobody, a disabled user, or when Cognito cannot say (the note
        is kept, the mention is plain text)."""
        if not self.settings.cognito_user_pool_id:
            return None
        self.calls += 1
        try:
            user = self._client().admin_get_user(UserPoolId=self.settings.cognito_user_pool_id, Username=name)
        except ClientError as error:
            if (error.response.get("Error") or {}).get("Code") != "UserNotFoundException":
                logger.warning("AdminGetUser %s failed: %s", name, error)
            return None
        except BotoCoreError as error:
            logger.warning("AdminGetUser %s failed: %s", name, error)
            return None
        if not user.get("Enabled", True):
            return None
        return str(user.get("Username") or name)
