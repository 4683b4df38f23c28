"""The websocket tickets table: one item per unredeemed ticket.

Only a SHA-256 of the ticket is stored, so reading the table in the console does not hand
out working tickets. DynamoDB's TTL deletes expired items lazily (hours later), so
redeeming checks `valid_until` itself; the TTL only keeps the table small.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import BooleanAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError
from pynamodb.models import Model

from chalicelib.clock import iso
from chalicelib.storage.errors import condition_failed
from chalicelib.storage.models import _Meta


class WsTicketModel(Model):
    class Meta(_Meta):
        kind = "ws_tickets"

    ticket_hash = UnicodeAttribute(hash_key=True)
    username = UnicodeAttribute()
    admin = BooleanAttribute(default=False)
    issued_at = UnicodeAttribute()
    valid_until = UnicodeAttribute()
    expires_at = TTLAttribute()


class TicketStore:
    def add(self, ticket_hash: str, username: str, admin: bool, issued: datetime, valid_until: datetime) -> None:
        WsTicketModel(ticket_hash, username=username, admin=bool(admin), issued_at=iso(issued),
                      valid_until=iso(valid_until), expires_at=valid_until).save()

    def redeem(self, ticket_hash: str, now: datetime) -> tuple[str, bool] | None:
        """(username, admin) of a valid ticket, once: ONE conditional DeleteItem with
        ReturnValues=ALL_OLD, so two connects racing with the same ticket cannot both succeed.
        ISO 8601 UTC strings compare in time order, so the expiry is part of the condition."""
        try:
            response = WsTicketModel._get_connection().delete_item(
                ticket_hash,
                condition=WsTicketModel.ticket_hash.exists() & (WsTicketModel.valid_until > iso(now)),
                return_values="ALL_OLD",
            )
        except DeleteError as error:
            if condition_failed(error):
                return None
            raise
        raw = response.get("Attributes")
        if not raw:
            return None
        item = WsTicketModel.from_raw_data(raw)
        return item.username, bool(item.admin)
