"""Operators as the admin screens list them: the Cognito account and its presence."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OperatorAccount:
    """A user of the operators' Cognito pool."""

    username: str
    email: str | None
    enabled: bool
    # Cognito's UserStatus: CONFIRMED, FORCE_CHANGE_PASSWORD, RESET_REQUIRED, ...
    status: str
    created_at: str | None


@dataclass(frozen=True)
class OperatorPresence:
    account: OperatorAccount
    admin: bool
    # Open websocket connections (one per contact-center tab), and whether one shows the page.
    connections: int
    visible: bool
    # The most recent connection's start, ISO 8601 UTC; None when offline.
    connected_at: str | None

    @property
    def online(self) -> bool:
        return self.connections > 0
