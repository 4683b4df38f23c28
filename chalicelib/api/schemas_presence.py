"""The presence routes' bodies and answers (docs/operator-api.md, "Presence"); listed in
`openapi_operator.py`."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import msgspec
from msgspec import Meta


class StatusInput(msgspec.Struct, forbid_unknown_fields=True):
    example: ClassVar[dict[str, Any]] = {"status": "away"}

    status: Annotated[Literal["available", "away"], Meta(
        description="away: not offered new dialogs (your own stay yours); available: back, and "
                    "offered the oldest waiting dialogs when fair assignment is on.")]


class TeamMember(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {"username": "alice", "presence": "online", "status": "available",
                                         "open_dialogs": 2}

    username: str
    presence: Annotated[Literal["online", "away", "offline"], Meta(
        description="online: a live connection and available; away: a live connection and away; offline: no "
                    "live connection.")]
    status: Annotated[Literal["available", "away"], Meta(description="What the operator set last.")]
    open_dialogs: Annotated[int, Meta(ge=0, description="Dialogs the operator is in now.")]


class TeamList(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {"items": [TeamMember.example]}

    items: Annotated[list[TeamMember], Meta(description="Every operator who has connected at least once: online "
                                                        "first, then away, then offline; by name within each.")]
