"""Who is calling: an operator of the contact center (a Cognito user)."""

from __future__ import annotations

from dataclasses import dataclass

# Members of this Cognito group are admins (the `cognito:groups` claim).
ADMINS_GROUP = "admins"


@dataclass(frozen=True)
class Operator:
    username: str
    admin: bool = False

    def view(self) -> dict[str, object]:
        return {"username": self.username, "admin": self.admin}
