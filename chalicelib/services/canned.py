"""Canned replies (docs/operator-api.md, "Canned replies"): the team's, managed by admins, and
each operator's own. Listing one owner is one Query (storage/canned.py); rendering for a
dialog adds one read of the lead. The route decides who may touch which owner (team: admins)."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.clock import Clock, iso
from chalicelib.domain.canned import TEAM, Rendered, lead_values, personal, render
from chalicelib.domain.commands import EMAIL_ATTRIBUTE, PHONE_ATTRIBUTE
from chalicelib.domain.errors import Busy, NotFound
from chalicelib.storage.canned import CannedReplyModel, CannedStore
from chalicelib.storage.dialogs import DialogStore, lead_attributes
from chalicelib.storage.errors import WriteConflict


class CannedReplies:
    def __init__(self, store: CannedStore, dialogs: DialogStore, clock: Clock) -> None:
        self.store = store
        self.dialogs = dialogs
        self.clock = clock

    def list(self, owner: str) -> list[CannedReplyModel]:
        return self.store.page(owner)

    def for_operator(self, username: str, lead_id: str | None = None
                     ) -> list[tuple[CannedReplyModel, Rendered | None]]:
        """The team's replies, then the operator's own; each rendered for `lead_id` if given."""
        replies = self.store.page(TEAM) + self.store.page(personal(username))
        if lead_id is None:
            return [(reply, None) for reply in replies]
        lead = self.dialogs.get_lead(lead_id)
        if lead is None:
            raise NotFound("lead_not_found", "no such dialog")
        attributes = lead_attributes(lead)
        fields = {name: getattr(lead, name, None) for name in ("name", "lead_ref", "status", "channel", "messenger",
                                                               "language")}
        fields.update(phone=attributes.get(PHONE_ATTRIBUTE), email=attributes.get(EMAIL_ATTRIBUTE))
        values = lead_values(fields, attributes)
        return [(reply, render(reply.text or "", values)) for reply in replies]

    def create(self, owner: str, shortcut: str, text: str, by: str) -> CannedReplyModel:
        now = iso(self.clock.now())
        reply = CannedReplyModel(owner, shortcut, text=text, created_at=now, updated_at=now, updated_by=by)
        self._once(lambda: self.store.create(reply))
        return reply

    def edit(self, owner: str, shortcut: str, by: str, new_shortcut: str | None = None,
             text: str | None = None) -> CannedReplyModel:
        current = self.store.get(owner, shortcut)
        if current is None:
            raise NotFound("canned_reply_not_found", f"no canned reply /{shortcut}")
        reply = CannedReplyModel(owner, new_shortcut or shortcut, text=text if text is not None else current.text,
                                 created_at=current.created_at, updated_at=iso(self.clock.now()), updated_by=by)
        self._once(lambda: self.store.replace(shortcut, reply))
        return reply

    def delete(self, owner: str, shortcut: str) -> None:
        self._once(lambda: self.store.delete(owner, shortcut))

    @staticmethod
    def _once(write: Callable[[], None]) -> None:
        try:
            write()
        except WriteConflict:
            # Another edit of the same owner's list collided in DynamoDB; nothing was written.
            raise Busy("the canned replies are changing; try again") from None
