"""Who is calling: an operator of the contact center (a Cognito user)."""

from __future__ import annotations

import msgspec

# Members of this Cognito group are admins (the `cognito:groups` claim).
ADMINS_GROUP = "admins"


class Operator(msgspec.Struct, frozen=True):  # a Struct, not a dataclass: cheaper at cold start
    username: str
    admin: bool = False

    def view(self) -> dict[str, object]:
        return {"username": self.username, "admin": self.admin}
