"""Private notes with @mentions (docs/operator-api.md, "Notes and mentions"): the mentions are
resolved to operators here, the note is written by `DialogService.add_note` like any change
to the dialog (one transaction, then the live pushes; never a webhook)."""

from __future__ import annotations

from typing import Protocol

from chalicelib.domain.notes import mentioned_names
from chalicelib.services.dialogs import DialogService
from chalicelib.storage.models import MessageModel


class OperatorNames(Protocol):
    def username_of(self, name: str) -> str | None: ...


class Notes:
    def __init__(self, dialogs: DialogService, names: OperatorNames) -> None:
        self.dialogs = dialogs
        self.names = names

    def mentions(self, text: str, author: str) -> tuple[str, ...]:
        """The operators `text` @-mentions, each once, without its author (who needs no ping)."""
        found: list[str] = []
        for name in mentioned_names(text):
            username = self.names.username_of(name)
            if username and username != author and username not in found:
                found.append(username)
        return tuple(found)

    def add(self, lead_id: str, author: str, client_id: str, text: str) -> tuple[MessageModel, bool]:
        return self.dialogs.add_note(lead_id, author, client_id, text, self.mentions(text, author))
