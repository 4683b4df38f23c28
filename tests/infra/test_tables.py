"""One source of truth for the tables: every PynamoDB model has exactly the DynamoDB table in
the synthesized stack that PynamoDB itself creates in tests and the local runtime, and the
stack has no table without a model."""

from __future__ import annotations

import copy
from typing import Any

import boto3
import pytest
from aws_cdk.assertions import Match, Template

from chalicelib.storage.registry import TABLES
from infra.stages import stage_named

from .conftest import STAGE

PREFIX = stage_named(STAGE).table_prefix


def _keys(key_schema: list[dict[str, str]]) -> list[tuple[str, str]]:
    return sorted((k["AttributeName"], k["KeyType"]) for k in key_schema)


def _index_shapes(indexes: list[dict[str, Any]] | None) -> dict[str, tuple]:
    return {
        i["IndexName"]: (
            _keys(i["KeySchema"]),
            i["Projection"]["ProjectionType"],
            tuple(sorted(i["Projection"].get("NonKeyAttributes", []))),
        )
        for i in indexes or []
    }


def table_shape(description: dict[str, Any]) -> dict[str, Any]:
    """What makes two tables the same for the app, from a CloudFormation table's properties
    or DescribeTable's answer (same key names for these parts)."""
    return {
        "keys": _keys(description["KeySchema"]),
        "attributes": sorted((a["AttributeName"], a["AttributeType"]) for a in description["AttributeDefinitions"]),
        "global_indexes": _index_shapes(description.get("GlobalSecondaryIndexes")),
        "local_indexes": _index_shapes(description.get("LocalSecondaryIndexes")),
    }


def model_ttl(model) -> str | None:
    ttl = model._ttl_attribute()
    return ttl.attr_name if ttl is not None else None


def differences(model, cfn_properties: dict[str, Any], created: dict[str, Any]) -> list[str]:
    """Every way the synthesized table differs from the model's table."""
    found = []
    if table_shape(cfn_properties) != table_shape(created):
        found.append(f"keys/indexes: stack {table_shape(cfn_properties)} != model {table_shape(created)}")
    ttl = cfn_properties.get("TimeToLiveSpecification")
    stack_ttl = ttl["AttributeName"] if ttl and ttl.get("Enabled") else None
    if stack_ttl != model_ttl(model):
        found.append(f"TTL attribute: stack {stack_ttl} != model {model_ttl(model)}")
    stream = cfn_properties.get("StreamSpecification", {}).get("StreamViewType")
    if stream != getattr(model.Meta, "stream_view_type", None):
        found.append(f"stream: stack {stream} != model {getattr(model.Meta, 'stream_view_type', None)}")
    return found


@pytest.fixture(scope="module")
def created_tables() -> dict[str, dict[str, Any]]:
    """DescribeTable of every table as the tests and the local runtime create them."""
    from moto import mock_aws

    from chalicelib.config import Settings
    from local_runtime.tables import create_tables

    with mock_aws():
        settings = Settings(region="eu-west-1", table_prefix=PREFIX)
        create_tables(settings)
        client = boto3.client("dynamodb", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
        return {m.Meta.kind: client.describe_table(TableName=f"{PREFIX}{m.Meta.kind}")["Table"] for m in TABLES}


def stack_tables(synth) -> dict[str, dict[str, Any]]:
    return {r["Properties"]["TableName"]: r for r in synth.of_type("AWS::DynamoDB::Table").values()}


def test_every_model_has_its_table_and_every_table_a_model(synth):
    assert sorted(stack_tables(synth)) == sorted(f"{PREFIX}{m.Meta.kind}" for m in TABLES)


@pytest.mark.parametrize("model", TABLES, ids=lambda m: m.Meta.kind)
def test_the_stack_table_is_the_model_table(synth, created_tables, model):
    table = stack_tables(synth)[f"{PREFIX}{model.Meta.kind}"]
    assert differences(model, table["Properties"], created_tables[model.Meta.kind]) == []


def test_a_drifted_table_is_reported(synth, created_tables):
    """The comparison can fail: drop an index, change a key type, lose the TTL."""
    model = next(m for m in TABLES if m._get_schema()["global_secondary_indexes"])
    properties = copy.deepcopy(stack_tables(synth)[f"{PREFIX}{model.Meta.kind}"]["Properties"])
    properties["GlobalSecondaryIndexes"] = properties["GlobalSecondaryIndexes"][1:] or None
    assert any("keys/indexes" in d for d in differences(model, properties, created_tables[model.Meta.kind]))

    properties = copy.deepcopy(stack_tables(synth)[f"{PREFIX}{model.Meta.kind}"]["Properties"])
    properties["AttributeDefinitions"][0]["AttributeType"] = "B"
    assert differences(model, properties, created_tables[model.Meta.kind])

    ttl_model = next(m for m in TABLES if m._ttl_attribute() is not None)
    properties = copy.deepcopy(stack_tables(synth)[f"{PREFIX}{ttl_model.Meta.kind}"]["Properties"])
    properties.pop("TimeToLiveSpecification")
    assert any("TTL" in d for d in differences(ttl_model, properties, created_tables[ttl_model.Meta.kind]))


def test_every_table_is_on_demand_recoverable_encrypted_protected_and_retained(synth):
    template = Template.from_json(synth.template)
    template.resource_count_is("AWS::DynamoDB::Table", len(TABLES))
    template.all_resources_properties("AWS::DynamoDB::Table", {
        "BillingMode": "PAY_PER_REQUEST",
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True},
        "DeletionProtectionEnabled": True,
    })
    for table in synth.of_type("AWS::DynamoDB::Table").values():
        assert table["DeletionPolicy"] == "Retain"
        assert table["UpdateReplacePolicy"] == "Retain"


def test_ttl_and_streams_where_the_models_use_them(synth):
    template = Template.from_json(synth.template)
    for model in TABLES:
        expected: dict[str, Any] = {"TableName": f"{PREFIX}{model.Meta.kind}"}
        ttl = model_ttl(model)
        expected["TimeToLiveSpecification"] = {"AttributeName": ttl, "Enabled": True} if ttl else Match.absent()
        stream = getattr(model.Meta, "stream_view_type", None)
        expected["StreamSpecification"] = {"StreamViewType": stream} if stream else Match.absent()
        template.has_resource_properties("AWS::DynamoDB::Table", expected)
