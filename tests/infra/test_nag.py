"""cdk-nag's AwsSolutions pack on every stage's stack, Chalice's functions included
(infra/nag.py): 0 unsuppressed findings, no stale suppression, a reason for each.

The reports come from the synth that conftest runs anyway (infra/app.py writes them); the
unit tests below run the pack in-process on templates of a few resources."""

from __future__ import annotations

import pytest

from infra import nag
from infra.access import FUNCTIONS
from infra.stages import STAGES

from .conftest import SYNTHESIZED_STAGES

REGION = "eu-west-1"


@pytest.fixture(scope="module", params=SYNTHESIZED_STAGES)
def report(request, synth, synth_prod) -> dict:
    return (synth if request.param == synth.stage else synth_prod).nag_report()


def test_every_stage_is_synthesized_and_checked():
    assert set(SYNTHESIZED_STAGES) == set(STAGES) == {"dev", "prod"}


def test_every_stage_has_no_unsuppressed_finding_and_no_stale_suppression(report):
    problems = [f"{f['severity']} {f['rule']} on {f['owner']}: {f['description']}" for f in report["unsuppressed"]]
    problems += [f"stale: {s['rule']} on {s['owner']}" for s in report["stale_suppressions"]]
    assert problems == [], f"{report['stack']}: fix, or suppress next to the resource with a reason (infra/nag.py)"
    assert report["ok"] is True


def test_the_pack_sees_the_chalice_functions_and_api_stage(report, synth):
    """Without the SAM expansion nag finds nothing on them; with it, each function is checked
    (its runtime finding is suppressed with a reason), and so is the REST API's stage."""
    owners = {(f["rule"], f["owner"]) for f in report["findings"]}
    for function in synth.functions:
        assert ("AwsSolutions-L1", function) in owners
    assert any(owner == "RestAPI" and logical_id.startswith("RestAPI") and logical_id != "RestAPI"
               for owner, logical_id in ((f["owner"], f["logical_id"]) for f in report["findings"])), \
        "a finding on the stage SAM generates from RestAPI"
    assert set(synth.functions) <= set(FUNCTIONS)


def test_every_suppression_says_why_and_sits_in_the_template(report, synth):
    assert report["suppressions"]
    for suppression in report["suppressions"]:
        assert suppression["rule"].startswith("AwsSolutions-")
        assert len(suppression["reason"]) >= nag.MIN_REASON_CHARS, suppression
    # The audit trail ships with the template (cdk-nag's v2 metadata format).
    if report["stack"] == f"handover-{synth.stage}":
        in_template = {(lid, entry["id"]) for lid, r in synth.resources.items()
                       for entry in r.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])}
        assert {(s["owner"], s["rule"]) for s in report["suppressions"]} <= in_template


def test_wildcards_on_data_are_suppressed_only_where_the_arn_cannot_be_narrower(report):
    """IAM5 on the functions' policies: only the uploads/ prefix and @connections, the bots' API
    Gateway keys (ids made at run time, infra/bot_limits.py), and `*` for X-Ray's segment writes,
    which have no resource-level permissions (test_stack.py checks that the only statement on `*`
    is exactly xray:PutTraceSegments and xray:PutTelemetryRecords)."""
    for suppression in report["suppressions"]:
        if suppression["rule"].startswith("AwsSolutions-IAM5") and suppression["owner"].startswith("Functions"):
            assert (suppression["rule"].endswith(("/uploads/*]", "/@connections/*]", "::/usageplans/*/keys]",
                                                  "::/usageplans/*/keys/*]", "::/apikeys/*]"))
                    or suppression["rule"] == "AwsSolutions-IAM5[Resource::*]"), suppression["rule"]
            if suppression["rule"] == "AwsSolutions-IAM5[Resource::*]":
                assert "X-Ray" in suppression["reason"]


# -- the checker itself (in-process, small templates) ------------------------------------------

def _bucket(metadata: dict | None = None) -> dict:
    resource = {"Type": "AWS::S3::Bucket", "Properties": {
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                           "IgnorePublicAcls": True, "RestrictPublicBuckets": True}}}
    if metadata:
        resource["Metadata"] = metadata
    return resource


def _suppressed(rule: str) -> dict:
    return {"cdk_nag": {"rules_to_suppress": [{"id": rule, "reason": "a reason long enough to say why it is fine here"}]}}


def test_the_checker_tells_unsuppressed_from_suppressed_and_stale():
    template = {"Resources": {
        "Plain": _bucket(),
        "Excused": _bucket(_suppressed("AwsSolutions-S1")),
        "Overexcused": _bucket({"cdk_nag": {"rules_to_suppress": [
            {"id": "AwsSolutions-S1", "reason": "x" * 50}, {"id": "AwsSolutions-L1", "reason": "y" * 50}]}}),
    }}
    report = nag.check(template, stack_name="t", region=REGION)
    assert {(f.owner, f.rule) for f in report.unsuppressed} >= {("Plain", "AwsSolutions-S1")}
    assert not any(f.owner in ("Excused", "Overexcused") and f.rule == "AwsSolutions-S1" for f in report.unsuppressed)
    assert [(s.owner, s.rule) for s in report.stale] == [("Overexcused", "AwsSolutions-L1")]
    assert report.ok is False


def test_a_sam_function_is_checked_as_the_lambda_function_it_becomes():
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": {
            "Runtime": "python3.9", "Handler": "app.handler", "CodeUri": {"Bucket": "b", "Key": "k.zip"},
            "Role": "arn:aws:iam::123456789012:role/r",
            "Events": {"Tick": {"Type": "Schedule", "Properties": {"Schedule": "rate(1 minute)"}}},
        }}},
    }
    expanded = nag.expand_sam(template, REGION)
    assert expanded["Resources"]["Fn"]["Type"] == "AWS::Lambda::Function"
    report = nag.check(template, stack_name="t", region=REGION)
    assert ("Fn", "AwsSolutions-L1") in {(f.owner, f.rule) for f in report.unsuppressed}
    template["Resources"]["Fn"]["Metadata"] = _suppressed("AwsSolutions-L1")
    assert ("Fn", "AwsSolutions-L1") not in {(f.owner, f.rule) for f in nag.check(template, stack_name="t",
                                                                                   region=REGION).unsuppressed}


def test_findings_are_named_as_cdk_nag_flattens_them():
    arn = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", {"Fn::GetAtt": ["B", "Arn"]}, "/*"]]}
    assert nag.flatten_cfn_reference(arn) == "arn:<AWS::Partition>:s3:::<B.Arn>/*"
    assert nag.flatten_cfn_reference({"Fn::Sub": "arn:${AWS::Partition}:x"}) == "arn:<AWS::Partition>:x"


def test_a_suppression_needs_an_l1_resource_and_a_reason():
    from aws_cdk import App, Stack
    from aws_cdk import aws_sqs as sqs

    stack = Stack(App(), "S")
    queue = sqs.Queue(stack, "Q")
    with pytest.raises(TypeError):
        nag.suppress(queue, "SQS3", "a reason that is long enough to pass the length check")
    with pytest.raises(ValueError):
        nag.suppress(queue.node.default_child, "SQS3", "because")
    nag.suppress(queue.node.default_child, "SQS3", "a reason that is long enough to pass the length check")
