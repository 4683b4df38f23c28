"""Create Handover's tables from the PynamoDB models (tests and the local runtime only;
in AWS, `infra/` creates them from the same models)."""

from __future__ import annotations

from pynamodb.exceptions import TableError
from pynamodb.models import Model

from chalicelib.config import Settings
from chalicelib.storage.registry import TABLES, bind_models


def create_tables(settings: Settings) -> list[str]:
    """Create every missing table; answer the names of the tables that were created."""
    bind_models(settings)
    created = []
    for model in TABLES:
        if not model.exists():
            try:
                model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
            except TableError as error:
                # On a loaded machine DynamoDB Local can answer CreateTable after the client's
                # read timeout: the client's retry then finds the table the first attempt made.
                if "ResourceInUseException" not in str(error):
                    raise
            created.append(model.Meta.table_name)
        else:
            add_missing_indexes(model)
    return created


def add_missing_indexes(model: type[Model]) -> list[str]:
    """Create the global secondary indexes a model gained since its table was created (a
    kept `.data/` directory predates them); answer their names."""
    described = model._get_connection().describe_table()
    present = {index["IndexName"] for index in described.get("GlobalSecondaryIndexes") or []}
    schema = model._get_schema()
    missing = [index for index in schema.get("global_secondary_indexes", []) if index["index_name"] not in present]
    if not missing:
        return []
    client = model._get_connection().connection.client
    definitions = {d["AttributeName"]: d for d in schema["attribute_definitions"]}
    for index in missing:
        names = {key["AttributeName"] for key in index["key_schema"]}
        # One index per UpdateTable: DynamoDB refuses more at once.
        client.update_table(
            TableName=model.Meta.table_name,
            AttributeDefinitions=[definitions[name] for name in sorted(names)],
            GlobalSecondaryIndexUpdates=[{"Create": {
                "IndexName": index["index_name"],
                "KeySchema": index["key_schema"],
                "Projection": index["projection"],
            }}],
        )
    return [index["index_name"] for index in missing]
