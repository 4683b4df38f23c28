"""Every table Handover uses, and their binding to configuration.

A new kind of thing gets its model in its own module and a line in `TABLES`; tests,
the local runtime and `infra/` all create tables from this tuple.
"""

from __future__ import annotations

from pynamodb.models import Model

from chalicelib.config import Settings
from chalicelib.storage import sessions
from chalicelib.storage.canned import CannedReplyModel
from chalicelib.storage.connections import ConnectionModel
from chalicelib.storage.counters import CounterModel
from chalicelib.storage.deliveries import DeadLetterModel, DeliveryModel
from chalicelib.storage.models import (
    BotModel,
    LeadModel,
    MessageModel,
    MessageRefModel,
    OperatorDialogModel,
    UploadModel,
)
from chalicelib.storage.notifications import EscalationModel, NotificationModel
from chalicelib.storage.presence import OperatorStateModel
from chalicelib.storage.search import SearchTermModel
from chalicelib.storage.tickets import WsTicketModel

TABLES: tuple[type[Model], ...] = (
    BotModel,
    LeadModel,
    OperatorDialogModel,
    MessageModel,
    MessageRefModel,
    UploadModel,
    WsTicketModel,
    ConnectionModel,
    CounterModel,
    DeliveryModel,
    DeadLetterModel,
    NotificationModel,
    EscalationModel,
    OperatorStateModel,
    CannedReplyModel,
    SearchTermModel,
)

def bind_models(settings: Settings) -> None:
    """Point every model at its table, region and endpoint from configuration."""
    sessions.install()
    for model in TABLES:
        meta = model.Meta
        meta.table_name = settings.table_name(meta.kind)
        meta.region = settings.region
        meta.host = settings.dynamodb_endpoint
        # PynamoDB caches a connection per model; drop it so that the new binding is used.
        model._connection = None
