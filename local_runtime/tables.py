"""Create Handover's tables from the PynamoDB models (tests and the local runtime only;
in AWS, `infra/` creates them from the same models)."""

from __future__ import annotations

from chalicelib.config import Settings
from chalicelib.storage.registry import TABLES, bind_models


def create_tables(settings: Settings) -> list[str]:
    """Create every missing table; answer the names of the tables that were created."""
    bind_models(settings)
    created = []
    for model in TABLES:
        if not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
            created.append(model.Meta.table_name)
    return created
