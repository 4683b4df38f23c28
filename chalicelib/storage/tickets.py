"""The websocket tickets table: one item per unredeemed ticket.

Only a SHA-256 of the ticket is stored, so reading the table in the console does not hand
out working tickets. DynamoDB's TTL deletes expired items lazily (hours later), so
redeeming checks `valid_until` itself; the TTL only keeps the table small.
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

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
