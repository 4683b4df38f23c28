"""One-time websocket tickets (`POST /api/ws-ticket`, redeemed by `$connect`).

A browser cannot set headers on a websocket, and a JWT in the URL would end up in access
logs, so `$connect` takes a random ticket instead: valid for at most 60 seconds and
exactly once. Redeeming is ONE conditional DeleteItem with ReturnValues=ALL_OLD, so two
connects racing with the same ticket cannot both succeed.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from chalicelib.auth.operators import Operator
from chalicelib.clock import Clock, iso
from chalicelib.storage.tickets import TicketStore

TICKET_SECONDS = 60
_PREFIX = "wst_"


def _hash(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("utf-8")).hexdigest()


def issue_ticket(username: str, admin: bool, clock: Clock, store: TicketStore | None = None) -> tuple[str, str]:
    """A new ticket for `username`; answers (ticket, expires_at as ISO 8601 UTC)."""
    now = clock.now()
    valid_until = now + timedelta(seconds=TICKET_SECONDS)
    ticket = _PREFIX + secrets.token_urlsafe(32)
    (store or TicketStore()).add(_hash(ticket), username, admin, now, valid_until)
    return ticket, iso(valid_until)


def redeem_ticket(ticket: str, clock: Clock, store: TicketStore | None = None) -> Operator | None:
    """The ticket's operator, once; None for an unknown, used or expired ticket."""
    if not isinstance(ticket, str) or not ticket.startswith(_PREFIX) or len(ticket) > 128:
        return None
    redeemed = (store or TicketStore()).redeem(_hash(ticket), clock.now())
    return Operator(*redeemed) if redeemed else None
