"""Issue 15, item 6 and the infra parts of 4: AWS Backup of the tables, API Gateway access logs,
S3/CloudFront access logs, and TLS on CloudFront (CDK assertions on the synthesized stacks;
the custom-domain case on the site construct alone, in-process)."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match, Template

from infra.stages import STAGES, stage_named

from .conftest import STAGE, render

SETTINGS = stage_named(STAGE)


@pytest.fixture(scope="module")
def template(synth) -> Template:
    return Template.from_json(synth.template)


def _retention_of(synth, arn: dict) -> int:
    group = synth.resources[arn["Fn::GetAtt"][0]]
    assert group["Type"] == "AWS::Logs::LogGroup"
    return group["Properties"]["RetentionInDays"]


# -- AWS Backup -------------------------------------------------------------------------------

def test_a_retained_vault_and_a_daily_plan_back_up_every_table(synth, template):
    template.has_resource("AWS::Backup::BackupVault", {
        "Properties": {"BackupVaultName": f"handover-{STAGE}-tables"},
        "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
    })
    vault_id, _ = synth.one("AWS::Backup::BackupVault")
    template.has_resource_properties("AWS::Backup::BackupPlan", {"BackupPlan": {
        "BackupPlanName": f"handover-{STAGE}-tables",
        "BackupPlanRule": [Match.object_like({
            "RuleName": "daily",
            "ScheduleExpression": "cron(0 3 * * ? *)",
            "Lifecycle": {"DeleteAfterDays": SETTINGS.backup_daily_days},
            "TargetBackupVault": {"Fn::GetAtt": [vault_id, "BackupVaultName"]},
        })],
    }})
    _, selection = synth.one("AWS::Backup::BackupSelection")
    tables = {f"{{{logical_id}.Arn}}" for logical_id in synth.of_type("AWS::DynamoDB::Table")}
    assert {render(r) for r in selection["Properties"]["BackupSelection"]["Resources"]} == tables
    assert len(tables) >= 10
    # Its role is AWS Backup's and can back up, not restore (restores are a console step).
    role = synth.resources[selection["Properties"]["BackupSelection"]["IamRoleArn"]["Fn::GetAtt"][0]]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "backup.amazonaws.com"}
    assert [render(a).rsplit("/", 1)[-1] for a in role["Properties"]["ManagedPolicyArns"]] == [
        "AWSBackupServiceRolePolicyForBackup"]


def test_prod_keeps_daily_points_35_days_and_weekly_ones_a_year(synth_prod):
    assert (STAGES["prod"].backup_daily_days, STAGES["prod"].backup_weekly_days) == (35, 365)
    _, plan = synth_prod.one("AWS::Backup::BackupPlan")
    rules = {r["RuleName"]: r for r in plan["Properties"]["BackupPlan"]["BackupPlanRule"]}
    assert rules["daily"]["Lifecycle"] == {"DeleteAfterDays": 35}
    assert rules["weekly"]["Lifecycle"] == {"DeleteAfterDays": 365}
    assert rules["weekly"]["ScheduleExpression"] == "cron(0 4 ? * SUN *)"


# -- API Gateway logs -------------------------------------------------------------------------

def test_both_api_stages_write_json_access_logs_to_log_groups_with_retention(synth):
    rest = synth.resources["RestAPI"]["Properties"]["AccessLogSetting"]
    websocket = synth.resources["WebsocketAPIStage"]["Properties"]["AccessLogSettings"]
    for setting, route in ((rest, "$context.resourcePath"), (websocket, "$context.routeKey")):
        assert _retention_of(synth, setting["DestinationArn"]) == SETTINGS.log_retention_days
        fields = json.loads(setting["Format"])
        assert fields["requestId"] == "$context.requestId"
        assert fields["ip"] == "$context.identity.sourceIp"
        assert fields["route"] == route
        assert fields["status"] == "$context.status"
        assert any("atency" in name for name in fields)
    assert json.loads(rest["Format"])["latencyMs"] == "$context.responseLatency"


def test_the_rest_stage_logs_errors_without_request_data(synth, template):
    settings = synth.resources["RestAPI"]["Properties"]["MethodSettings"][0]
    assert (settings["HttpMethod"], settings["ResourcePath"]) == ("*", "/*")
    assert settings["LoggingLevel"] == "ERROR"
    assert settings["DataTraceEnabled"] is False  # would log Authorization headers and bot keys
    # The execution log group exists before API Gateway would create it without a retention.
    groups = {str(render(g["Properties"].get("LogGroupName"))): g for g in synth.of_type("AWS::Logs::LogGroup").values()}
    assert groups["API-Gateway-Execution-Logs_{RestAPI}/api"]["Properties"]["RetentionInDays"] == \
        SETTINGS.log_retention_days


def test_the_account_cloudwatch_role_for_api_gateway_is_set_before_the_stages_and_kept(synth, template):
    account_id, account = synth.one("AWS::ApiGateway::Account")
    role_id = account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]
    role = synth.resources[role_id]
    assert role["DeletionPolicy"] == "Retain"  # other stages' APIs in the account use it too
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "apigateway.amazonaws.com"}
    assert account_id in synth.resources["RestAPI"]["DependsOn"]
    assert account_id in synth.resources["WebsocketAPIStage"]["DependsOn"]


# -- S3 and CloudFront access logs -------------------------------------------------------------

def test_cloudfront_and_both_buckets_log_to_a_retained_expiring_log_bucket(synth, template):
    logs_id = next(k for k in synth.of_type("AWS::S3::Bucket") if k.startswith("AccessLogsBucket"))
    bucket = synth.resources[logs_id]
    assert bucket["DeletionPolicy"] == "Retain"
    props = bucket["Properties"]
    assert props["LifecycleConfiguration"]["Rules"] == [
        {"ExpirationInDays": SETTINGS.log_retention_days, "Id": "expire-logs", "Status": "Enabled"}]
    # CloudFront's standard logs need ACLs enabled; S3's go through the bucket policy, not an ACL.
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerPreferred"}]
    assert "AccessControl" not in props
    assert props["PublicAccessBlockConfiguration"]["BlockPublicAcls"] is True
    _, distribution = synth.one("AWS::CloudFront::Distribution")
    assert distribution["Properties"]["DistributionConfig"]["Logging"] == {
        "Bucket": {"Fn::GetAtt": [logs_id, "RegionalDomainName"]}, "Prefix": "cloudfront/"}
    prefixes = {b_id: b["Properties"]["LoggingConfiguration"]["LogFilePrefix"]
                for b_id, b in synth.of_type("AWS::S3::Bucket").items() if "LoggingConfiguration" in b["Properties"]}
    assert sorted(prefixes.values()) == ["s3/attachments/", "s3/site/"]
    for b_id in prefixes:
        assert synth.resources[b_id]["Properties"]["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": logs_id}
    template.has_resource_properties("AWS::S3::BucketPolicy", {
        "Bucket": {"Ref": logs_id},
        "PolicyDocument": {"Statement": Match.array_with([Match.object_like({
            "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject"})])},
    })


# -- TLS on CloudFront -----------------------------------------------------------------------

def test_without_a_custom_domain_the_distribution_uses_the_default_certificate_and_says_so(synth):
    """CloudFront applies TLSv1 to *.cloudfront.net whatever the template says, so the template
    sets nothing it would ignore; cdk-nag's CFR4 is suppressed with that reason."""
    distribution_id, distribution = synth.one("AWS::CloudFront::Distribution")
    config = distribution["Properties"]["DistributionConfig"]
    assert "ViewerCertificate" not in config and "Aliases" not in config
    reasons = {s["id"]: s["reason"] for s in distribution["Metadata"]["cdk_nag"]["rules_to_suppress"]}
    assert "TLSv1" in reasons["AwsSolutions-CFR4"] and "DOMAIN_NAME" in reasons["AwsSolutions-CFR4"]


def _site_template(domain=None) -> tuple[Template, object]:
    from aws_cdk import App, Environment, Stack
    from aws_cdk import aws_s3 as s3

    from infra.site import OperatorSite

    # Without CDK's built-in CloudFormation validation (8 s a synth; the real synth runs it).
    stack = Stack(App(builtin_cloud_formation_validation=False), "SiteOnly", env=Environment(region="eu-west-1"))
    site = OperatorSite(stack, "Site", stage=SETTINGS, access_logs=s3.Bucket(stack, "Logs"), domain=domain)
    site.distribute(rest_api_id="abc123", websocket_api_id="def456", attachments_bucket="attachments")
    return Template.from_stack(stack), site


def test_a_custom_domain_gets_tls_1_2_2021_with_sni_and_becomes_the_ui_origin():
    from infra.site import CustomDomain

    arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
    template, site = _site_template(CustomDomain("ops.example.com", arn))
    template.has_resource_properties("AWS::CloudFront::Distribution", {"DistributionConfig": Match.object_like({
        "Aliases": ["ops.example.com"],
        "ViewerCertificate": {"AcmCertificateArn": arn, "MinimumProtocolVersion": "TLSv1.2_2021",
                              "SslSupportMethod": "sni-only"},
    })})
    assert site.url == "https://ops.example.com"
    distribution = next(iter(template.find_resources("AWS::CloudFront::Distribution").values()))
    rules = {s["id"] for s in distribution.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])}
    assert "AwsSolutions-CFR4" not in rules  # nothing to excuse any more


def test_a_certificate_outside_us_east_1_is_refused():
    from infra.site import CustomDomain

    with pytest.raises(ValueError, match="us-east-1"):
        CustomDomain("ops.example.com", "arn:aws:acm:eu-west-1:123456789012:certificate/x")
