"""The rules infra/functions.py applies to the Chalice template, without a synth."""

from __future__ import annotations

import zipfile
from types import SimpleNamespace

import pytest

from infra.access import FUNCTIONS
from infra.functions import FunctionInfo, HandoverFunctions, strip_runtime_provided
from infra.tables import TableDefinition, table_definitions


def _fake(functions: dict[str, FunctionInfo]) -> SimpleNamespace:
    definitions = {d.kind: d for d in table_definitions()}
    return SimpleNamespace(functions=functions, tables=SimpleNamespace(tables=definitions, definitions=definitions),
                           _check_stream_access=HandoverFunctions._check_stream_access)


def test_a_handler_without_an_access_declaration_stops_the_synth():
    fake = _fake({"APIHandler": FunctionInfo("APIHandler", "app.app", {}),
                  "NewHandler": FunctionInfo("NewHandler", "app.new_handler", {})})
    with pytest.raises(ValueError, match=r"infra/access.py: \['NewHandler'\]"):
        HandoverFunctions._check_access_declared(fake)


def test_declared_functions_name_only_tables_that_models_define():
    fake = _fake({name: FunctionInfo(name, "app.x", {}) for name in FUNCTIONS})
    HandoverFunctions._check_access_declared(fake)  # the real declarations are consistent
    fake.tables.tables = {k: v for k, v in fake.tables.tables.items() if k != "connections"}
    with pytest.raises(ValueError, match="connections"):
        HandoverFunctions._check_access_declared(fake)


def test_a_table_no_function_may_use_stops_the_synth():
    fake = _fake({name: FunctionInfo(name, "app.x", {}) for name in FUNCTIONS})
    some = next(iter(fake.tables.tables.values()))
    fake.tables.tables = {**fake.tables.tables, "rate_limits": some}
    with pytest.raises(ValueError, match=r"tables no function may use: \['rate_limits'\]"):
        HandoverFunctions._check_access_declared(fake)


def test_the_stream_trigger_is_matched_to_its_table_by_the_arn_it_names():
    streaming = [d for d in table_definitions() if d.stream_view_type]
    if not streaming:
        pytest.skip("no model has a stream")
    kind = streaming[0].kind
    consumer = next((n for n, a in FUNCTIONS.items() if a.streams == frozenset({kind})), None)
    assert consumer, f"a function consumes the {kind} stream"
    fake = _fake({})
    info = FunctionInfo(consumer, "app.x", {})
    placeholder = f"arn:aws:dynamodb:us-east-1:000000000000:table/handover-{kind}/stream/PLACEHOLDER"
    assert HandoverFunctions._stream_kind(fake, info, placeholder) == kind
    fake.tables.definitions = {**fake.tables.definitions,
                               "other": TableDefinition("other", "Other", streaming[0].partition_key, None,
                                                        stream_view_type="KEYS_ONLY")}
    with pytest.raises(ValueError, match="cannot tell"):
        HandoverFunctions._stream_kind(fake, info, "arn:aws:dynamodb:us-east-1:0:table/unknown/stream/x")
    with pytest.raises(ValueError, match="declare streams"):
        HandoverFunctions._stream_kind(fake, FunctionInfo("APIHandler", "app.app", {}), placeholder)


def test_the_zip_loses_the_sdk_that_the_lambda_runtime_provides(tmp_path):
    path = tmp_path / "deployment.zip"
    with zipfile.ZipFile(path, "w") as z:
        for name in ("app.py", "chalicelib/__init__.py", "botocore/__init__.py", "botocore-1.44.8.dist-info/METADATA",
                     "boto3/__init__.py", "pynamodb/__init__.py", "botocore_helper.py"):
            z.writestr(name, "x = 1\n")
    strip_runtime_provided(path)
    assert sorted(zipfile.ZipFile(path).namelist()) == [
        "app.py", "botocore_helper.py", "chalicelib/__init__.py", "pynamodb/__init__.py",
    ]
