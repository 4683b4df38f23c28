"""DynamoDB tables generated from the PynamoDB models (`chalicelib.storage.registry.TABLES`).

One source of truth: the key schema, indexes and projections are read from the model's own
`_get_schema()` (what PynamoDB's `create_table` sends, and so what the tests and the local
runtime create), the TTL attribute from its `TTLAttribute`, the stream from
`Meta.stream_view_type`. `tests/infra/test_tables.py` fails if a table and its model differ.

Every table: on-demand billing, point-in-time recovery, encryption with the AWS managed key,
deletion protection, and RETAIN (a `cdk destroy` leaves the data where it is).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct
from pynamodb.models import Model

_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER, "B": dynamodb.AttributeType.BINARY}
_STREAMS = {
    "NEW_IMAGE": dynamodb.StreamViewType.NEW_IMAGE,
    "OLD_IMAGE": dynamodb.StreamViewType.OLD_IMAGE,
    "NEW_AND_OLD_IMAGES": dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    "KEYS_ONLY": dynamodb.StreamViewType.KEYS_ONLY,
}


@dataclass(frozen=True)
class Key:
    name: str
    type: str  # S | N | B


@dataclass(frozen=True)
class IndexDefinition:
    name: str
    partition_key: Key
    sort_key: Key | None
    projection: str  # ALL | KEYS_ONLY | INCLUDE
    non_key_attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableDefinition:
    kind: str
    model: str
    partition_key: Key
    sort_key: Key | None
    global_indexes: tuple[IndexDefinition, ...] = field(default_factory=tuple)
    local_indexes: tuple[IndexDefinition, ...] = field(default_factory=tuple)
    ttl_attribute: str | None = None
    stream_view_type: str | None = None

    @property
    def index_names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.global_indexes + self.local_indexes)


def _keys(key_schema: list[dict[str, str]], types: dict[str, str]) -> tuple[Key, Key | None]:
    hash_key = next(k["AttributeName"] for k in key_schema if k["KeyType"] == "HASH")
    range_key = next((k["AttributeName"] for k in key_schema if k["KeyType"] == "RANGE"), None)
    return Key(hash_key, types[hash_key]), (Key(range_key, types[range_key]) if range_key else None)


def _index(schema: dict[str, Any], types: dict[str, str]) -> IndexDefinition:
    partition, sort = _keys(schema["key_schema"], types)
    projection = schema["projection"]
    return IndexDefinition(
        name=schema["index_name"],
        partition_key=partition,
        sort_key=sort,
        projection=projection["ProjectionType"],
        non_key_attributes=tuple(projection.get("NonKeyAttributes", ())),
    )


def table_definition(model: type[Model]) -> TableDefinition:
    schema = model._get_schema()
    types = {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]}
    partition, sort = _keys(schema["key_schema"], types)
    ttl = model._ttl_attribute()
    stream = getattr(model.Meta, "stream_view_type", None)
    if stream is not None and stream not in _STREAMS:
        raise ValueError(f"{model.__name__}.Meta.stream_view_type {stream!r} is not one of {sorted(_STREAMS)}")
    return TableDefinition(
        kind=model.Meta.kind,
        model=model.__name__,
        partition_key=partition,
        sort_key=sort,
        global_indexes=tuple(_index(i, types) for i in schema.get("global_secondary_indexes", [])),
        local_indexes=tuple(_index(i, types) for i in schema.get("local_secondary_indexes", [])),
        ttl_attribute=ttl.attr_name if ttl is not None else None,
        stream_view_type=stream,
    )


def table_definitions() -> tuple[TableDefinition, ...]:
    """Every table the app uses, from the registry (imported here, not at module import,
    so that `infra/` can be read without the app on the path)."""
    from chalicelib.storage.registry import TABLES

    kinds = [m.Meta.kind for m in TABLES]
    duplicates = {k for k in kinds if kinds.count(k) > 1}
    if duplicates:
        raise ValueError(f"two models share a table kind: {sorted(duplicates)}")
    return tuple(table_definition(m) for m in TABLES)


def _attribute(key: Key) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=key.name, type=_TYPES[key.type])


def _projection(index: IndexDefinition) -> dict[str, Any]:
    projection = {
        "ALL": dynamodb.ProjectionType.ALL,
        "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
        "INCLUDE": dynamodb.ProjectionType.INCLUDE,
    }[index.projection]
    extra: dict[str, Any] = {"projection_type": projection}
    if index.non_key_attributes:
        extra["non_key_attributes"] = list(index.non_key_attributes)
    return extra


class HandoverTables(Construct):
    """One DynamoDB table per model, named `<prefix><kind>` as the app names them."""

    def __init__(self, scope: Construct, construct_id: str, *, table_prefix: str,
                 definitions: tuple[TableDefinition, ...]) -> None:
        super().__init__(scope, construct_id)
        self.definitions = {d.kind: d for d in definitions}
        self.tables: dict[str, dynamodb.Table] = {}
        for definition in definitions:
            self.tables[definition.kind] = self._table(table_prefix, definition)

    def _table(self, prefix: str, d: TableDefinition) -> dynamodb.Table:
        logical = "".join(part.capitalize() for part in d.kind.replace("-", "_").split("_"))
        table = dynamodb.Table(
            self,
            logical,
            table_name=f"{prefix}{d.kind}",
            partition_key=_attribute(d.partition_key),
            sort_key=_attribute(d.sort_key) if d.sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
            time_to_live_attribute=d.ttl_attribute,
            stream=_STREAMS[d.stream_view_type] if d.stream_view_type else None,
        )
        for index in d.global_indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_attribute(index.partition_key),
                sort_key=_attribute(index.sort_key) if index.sort_key else None,
                **_projection(index),
            )
        for index in d.local_indexes:
            if index.sort_key is None:
                raise ValueError(f"{d.model}: local index {index.name} needs a sort key")
            table.add_local_secondary_index(index_name=index.name, sort_key=_attribute(index.sort_key),
                                            **_projection(index))
        return table

    def table(self, kind: str) -> dynamodb.Table:
        return self.tables[kind]

    def index_arns(self, kind: str) -> list[str]:
        table = self.tables[kind]
        return [f"{table.table_arn}/index/{name}" for name in self.definitions[kind].index_names]
