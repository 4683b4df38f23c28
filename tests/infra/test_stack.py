"""CDK assertions on the synthesized stack: every resource ops rely on, with the properties
that make it safe (see infra/ and docs/runbook.md)."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from infra.access import FUNCTIONS, READ_ACTIONS, WRITE_ACTIONS
from infra.stack import LOCAL_ONLY_SETTINGS
from infra.stages import stage_named

from .conftest import ALARM_EMAIL, REPO, STAGE, render

STAGE_SETTINGS = stage_named(STAGE)


@pytest.fixture(scope="module")
def template(synth) -> Template:
    return Template.from_json(synth.template)


def logical_id_of_table(synth, kind: str) -> str:
    return next(k for k, v in synth.of_type("AWS::DynamoDB::Table").items()
                if v["Properties"]["TableName"] == f"{STAGE_SETTINGS.table_prefix}{kind}")


def role_policy(synth, function: str) -> list[dict]:
    role_ref = synth.functions[function]["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = [p for p in synth.of_type("AWS::IAM::Policy").values() if {"Ref": role_ref} in p["Properties"]["Roles"]]
    assert len(policies) == 1, f"{function}: expected one inline policy on its role"
    return policies[0]["Properties"]["PolicyDocument"]["Statement"]


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


# -- functions and APIs -----------------------------------------------------------------

def test_every_chalice_function_is_deployed_with_its_own_role_name_and_json_logs(synth):
    functions = synth.functions
    assert set(functions) <= set(FUNCTIONS)
    assert "APIHandler" in functions
    roles = set()
    for name, function in functions.items():
        props = function["Properties"]
        assert props["FunctionName"] == f"handover-{STAGE}-{name}"
        role = props["Role"]["Fn::GetAtt"][0]
        roles.add(role)
        assert synth.resources[role]["Type"] == "AWS::IAM::Role"
        assert "ManagedPolicyArns" not in synth.resources[role]["Properties"]
        assert props["LoggingConfig"]["LogFormat"] == "JSON"
        log_group = synth.resources[props["LoggingConfig"]["LogGroup"]["Ref"]]
        assert log_group["Properties"]["LogGroupName"] == f"/aws/lambda/handover-{STAGE}-{name}"
        assert log_group["Properties"]["RetentionInDays"] == STAGE_SETTINGS.log_retention_days
        assert props["Timeout"] == FUNCTIONS[name].timeout_seconds
        assert props["MemorySize"] == STAGE_SETTINGS.memory_mb
    assert len(roles) == len(functions), "each function has a role of its own"


def test_functions_get_every_setting_the_app_reads(synth):
    """Each HANDOVER_* variable the app reads is set for every function, or is a
    local-runtime-only setting whose default is right in AWS."""
    # Every HANDOVER_* name written anywhere in chalicelib/ (config.py reads them all today).
    read = {name for path in (REPO / "chalicelib").rglob("*.py")
            for name in re.findall(r'"(HANDOVER_[A-Z0-9_]+)"', path.read_text())}
    assert "HANDOVER_TABLE_PREFIX" in read
    for name, function in synth.functions.items():
        variables = function["Properties"]["Environment"]["Variables"]
        missing = read - set(variables) - LOCAL_ONLY_SETTINGS
        assert not missing, f"{name} lacks {sorted(missing)} (set it in infra/stack.py, or list it as local-only)"
        assert variables["HANDOVER_TABLE_PREFIX"] == STAGE_SETTINGS.table_prefix
        assert variables["HANDOVER_ENVIRONMENT"] == "aws"
        assert render(variables["HANDOVER_WS_MANAGEMENT_ENDPOINT"]).startswith("https://{WebsocketAPI}.execute-api.")
        assert variables["HANDOVER_COGNITO_USER_POOL_ID"]["Ref"].startswith("OperatorsUserPool")


def test_scheduled_functions_run_every_minute(synth):
    schedules = {
        name: event["Properties"]["Schedule"]
        for name, function in synth.functions.items()
        for event in function["Properties"].get("Events", {}).values()
        if event["Type"] == "Schedule"
    }
    assert schedules, "the app has scheduled functions"
    assert set(schedules.values()) == {"rate(1 minute)"}


def test_the_delivery_function_reads_the_deliveries_stream_with_bounded_retries_and_a_failure_queue(synth, template):
    stream_events = [
        (name, event["Properties"])
        for name, function in synth.functions.items()
        for event in function["Properties"].get("Events", {}).values()
        if event["Type"] == "DynamoDB"
    ]
    assert stream_events
    for name, event in stream_events:
        assert event["Stream"] == {"Fn::GetAtt": [logical_id_of_table(synth, "deliveries"), "StreamArn"]}
        assert 0 < event["MaximumRetryAttempts"] <= 10
        assert event["BisectBatchOnFunctionError"] is True
        destination = event["DestinationConfig"]["OnFailure"]
        assert destination["Type"] == "SQS"
        queue = destination["Destination"]["Fn::GetAtt"][0]
        assert synth.resources[queue]["Type"] == "AWS::SQS::Queue"
        assert synth.resources[queue]["Properties"]["SqsManagedSseEnabled"] is True
        statements = role_policy(synth, name)
        assert any(s["Action"] == "sqs:SendMessage" and s["Resource"] == destination["Destination"] for s in statements)


def test_the_webhook_wakeup_queue_triggers_fast_retries_and_only_the_deliverers_send_to_it(synth):
    """docs/webhooks.md, "Fast retries": retries due within seconds come from a delayed SQS
    message, not the per-minute sweep."""
    queue_events = [(name, event["Properties"]) for name, function in synth.functions.items()
                    for event in function["Properties"].get("Events", {}).values() if event["Type"] == "SQS"]
    assert [name for name, _ in queue_events] == ["RetryWebhooksSoon"]
    queue = queue_events[0][1]["Queue"]["Fn::GetAtt"][0]
    props = synth.resources[queue]["Properties"]
    assert props["QueueName"] == f"handover-{STAGE}-webhook-wakeups"
    assert props["VisibilityTimeout"] >= 6 * FUNCTIONS["RetryWebhooksSoon"].timeout_seconds
    assert props["SqsManagedSseEnabled"] is True and props["MessageRetentionPeriod"] == 3600
    receives = [s for s in role_policy(synth, "RetryWebhooksSoon") if s["Resource"] == {"Fn::GetAtt": [queue, "Arn"]}
                and "sqs:ReceiveMessage" in as_list(s["Action"])]
    assert receives
    for name, function in synth.functions.items():
        assert function["Properties"]["Environment"]["Variables"]["HANDOVER_WEBHOOK_WAKEUPS_QUEUE_URL"] == {"Ref": queue}
        sends = [s for s in role_policy(synth, name)
                 if s["Action"] == "sqs:SendMessage" and s["Resource"] == {"Fn::GetAtt": [queue, "Arn"]}]
        assert bool(sends) == FUNCTIONS[name].wakeups, name
    assert {name for name, access in FUNCTIONS.items() if access.wakeups} == {
        "DeliverWebhooks", "RetryWebhooks", "RetryWebhooksSoon"}


def test_both_apis_are_throttled_and_named_per_stage(synth):
    api = synth.resources["RestAPI"]["Properties"]
    assert api["Name"] == f"handover-{STAGE}-api"
    assert api["EndpointConfiguration"] == "REGIONAL"
    settings = api["MethodSettings"][0]
    assert settings["ThrottlingRateLimit"] == STAGE_SETTINGS.api_rate_limit
    assert settings["ThrottlingBurstLimit"] == STAGE_SETTINGS.api_burst_limit
    stage = synth.resources["WebsocketAPIStage"]["Properties"]
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == STAGE_SETTINGS.api_rate_limit
    assert synth.resources["WebsocketAPI"]["Properties"]["Name"] == f"handover-{STAGE}-websocket"


def test_the_function_package_is_small_and_leaves_the_sdk_to_the_runtime(synth):
    code = synth.resources["APIHandler"]["Properties"]["CodeUri"]
    key = render(code["Key"])
    zip_path = synth.outdir / f"asset.{key.removesuffix('.zip')}.zip"
    if not zip_path.exists():
        zip_path = next(p for p in synth.outdir.glob("asset.*.zip") if key.split(".")[0] in p.name)
    assert zip_path.stat().st_size < 20 * 1024 * 1024
    names = zipfile.ZipFile(zip_path).namelist()
    assert "app.py" in names and any(n.startswith("chalicelib/") for n in names)
    assert any(n.startswith("pynamodb/") for n in names)
    assert not any(n.startswith("botocore/") for n in names)


# -- least privilege --------------------------------------------------------------------

# cognito-idp: only what `cognito` declares, only on the operators' pool (checked below).
DATA_SERVICES = ("dynamodb:", "s3:", "sqs:", "execute-api:", "logs:", "cognito-idp:", "apigateway:", "sns:")


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_each_function_may_touch_only_what_it_uses(synth, function):
    if function not in synth.functions:
        pytest.skip(f"{function} is not in the app")
    access = FUNCTIONS[function]
    statements = role_policy(synth, function)
    # Active tracing: the X-Ray daemon's two actions, which have no resource-level permissions;
    # exactly that statement, and nothing else on every resource.
    tracing = [s for s in statements if s.get("Sid") == "Tracing"]
    assert len(tracing) == 1, f"{function}: no X-Ray statement"
    assert sorted(as_list(tracing[0]["Action"])) == ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    assert tracing[0]["Resource"] == "*"
    statements = [s for s in statements if s.get("Sid") != "Tracing"]
    tables_seen: dict[str, set[str]] = {}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = as_list(statement["Action"])
        for action in actions:
            assert "*" not in action, f"{function}: wildcard action {action}"
            assert action.startswith(DATA_SERVICES), f"{function}: unexpected action {action}"
            assert action != "dynamodb:Scan"
        for resource in as_list(statement["Resource"]):
            assert resource != "*", f"{function}: {actions} on every resource"
            text = str(render(resource))
            match = re.match(r"^\{(Tables[A-Za-z0-9]+)\.(Arn|StreamArn)\}", text)
            if match and actions[0].startswith("dynamodb:") and match.group(2) == "Arn":
                tables_seen.setdefault(match.group(1), set()).update(actions)
    expected = {}
    for kind in access.write:
        expected[logical_id_of_table(synth, kind)] = set(READ_ACTIONS + WRITE_ACTIONS)
    for kind in access.read - access.write:
        expected[logical_id_of_table(synth, kind)] = set(READ_ACTIONS)
    assert tables_seen == expected
    pushes = [s for s in statements if s["Action"] == "execute-api:ManageConnections"]
    assert bool(pushes) == access.manage_connections
    for statement in pushes:
        for resource in statement["Resource"]:
            assert re.search(r"\{WebsocketAPI\}/api/(POST|GET|DELETE)/@connections/\*$", render(resource))
    bot_keys = [s for s in statements if str(s["Action"]).count("apigateway:")]
    assert bool(bot_keys) == access.bot_keys
    for statement in bot_keys:  # only the bots' API keys and usage plans (infra/bot_limits.py)
        for resource in as_list(statement["Resource"]):
            assert re.search(r":apigateway:\{AWS::Region\}::/(usageplans|apikeys)(/\*(/keys(/\*)?)?)?$",
                             render(resource)), render(resource)
    attachments = [s for s in statements if str(s["Action"]).count("s3:")]
    assert sorted(a for s in attachments for a in as_list(s["Action"])) == sorted(access.attachments)
    for statement in attachments:
        assert render(statement["Resource"]).endswith("/uploads/*")
    # The escalation ladder's supervisor channel: Publish, on the supervisors' topic only.
    publishing = [s for s in statements if str(s["Action"]).count("sns:")]
    assert bool(publishing) == access.supervisors
    for statement in publishing:
        assert as_list(statement["Action"]) == ["sns:Publish"]
        assert re.fullmatch(r"\{FunctionsSupervisors[A-Za-z0-9]*\}", render(statement["Resource"])), statement
    pool = [s for s in statements if str(s["Action"]).count("cognito-idp:")]
    assert sorted(a for s in pool for a in as_list(s["Action"])) == sorted(access.cognito)
    for statement in pool:
        assert re.search(r":userpool/\{OperatorsUserPool[A-Za-z0-9]*\}$", render(statement["Resource"])), statement


def test_no_role_in_the_stack_has_a_wildcard_action_on_data(synth):
    """Data = the tables and the attachments bucket. (CDK's own site-deployment role gets
    `s3:List*`-style actions on the site bucket, which holds only the rebuildable UI files.)"""
    tables = set(synth.of_type("AWS::DynamoDB::Table"))
    for name, policy in synth.of_type("AWS::IAM::Policy").items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = as_list(statement["Action"])
            resources = " ".join(str(render(r)) for r in as_list(statement.get("Resource", [])))
            assert "*" not in actions, f"{name}: every action"
            touches_data = "-attachments-" in resources or any("{" + t + "." in resources for t in tables)
            if touches_data:
                assert not any("*" in a for a in actions), f"{name}: {actions} on {resources}"
                assert "dynamodb:Scan" not in actions


# -- storage, site, sign-in -------------------------------------------------------------

def attachments_bucket(synth) -> dict:
    return next(b for b in synth.of_type("AWS::S3::Bucket").values()
                if "attachments" in str(render(b["Properties"].get("BucketName", ""))))


def test_attachments_bucket_is_private_encrypted_versioned_retained_with_cors_and_lifecycle(synth):
    bucket = attachments_bucket(synth)
    props = bucket["Properties"]
    assert bucket["DeletionPolicy"] == "Retain"
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
    }
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "AES256"
    }
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = props["CorsConfiguration"]["CorsRules"]
    assert len(rules) == 1 and rules[0]["AllowedMethods"] == ["POST"]
    origins = [render(o) for o in rules[0]["AllowedOrigins"]]
    assert len(origins) == 1 and re.fullmatch(r"https://\{SiteDistribution[A-Za-z0-9]+\.DomainName\}", origins[0])
    lifecycle = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    assert lifecycle["abort-incomplete-multipart"]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 1
    abandoned = lifecycle["expire-abandoned-uploads"]
    assert abandoned["Prefix"] == "uploads/" and abandoned["ExpirationInDays"] >= 1 and abandoned["TagFilters"]
    assert lifecycle["expire-old-versions"]["NoncurrentVersionExpiration"]["NoncurrentDays"] > 0


def test_buckets_refuse_plain_http(synth):
    for policy in synth.of_type("AWS::S3::BucketPolicy").values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
                   for s in statements)


def test_the_site_is_served_by_cloudfront_through_origin_access_control(synth):
    distribution_id, distribution = synth.one("AWS::CloudFront::Distribution")
    config = distribution["Properties"]["DistributionConfig"]
    oac_id, _ = synth.one("AWS::CloudFront::OriginAccessControl")
    s3_origins = [o for o in config["Origins"] if "S3OriginConfig" in o]
    assert len(s3_origins) == 1
    assert s3_origins[0]["OriginAccessControlId"] == {"Fn::GetAtt": [oac_id, "Id"]}
    assert s3_origins[0]["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert config["DefaultRootObject"] == "index.html"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    # The operator API shares the UI's origin (no CORS); Authorization reaches API Gateway.
    api = next(b for b in config["CacheBehaviors"] if b["PathPattern"] == "/api/*")
    api_origin = next(o for o in config["Origins"] if o["Id"] == api["TargetOriginId"])
    assert render(api_origin["DomainName"]).startswith("{RestAPI}.execute-api.")
    assert api_origin["OriginPath"] == "/api"
    assert api["ViewerProtocolPolicy"] == "https-only"
    assert api["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # Managed-CachingDisabled
    assert api["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # Managed-AllViewerExceptHostHeader
    assert "DELETE" in api["AllowedMethods"] and "PATCH" in api["AllowedMethods"]
    # The site bucket admits only this distribution.
    site_policy = next(p for p in synth.of_type("AWS::S3::BucketPolicy").values()
                       if "SiteBucket" in p["Properties"]["Bucket"]["Ref"])
    allows = [s for s in site_policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    reads = [s for s in allows if s["Principal"] == {"Service": "cloudfront.amazonaws.com"}]
    assert len(reads) == 1 and reads[0]["Action"] == "s3:GetObject"
    assert distribution_id in json.dumps(reads[0]["Condition"])
    # The only other grant: CDK's auto-delete of the (rebuildable) site files at teardown.
    others = [s for s in allows if s not in reads]
    assert all("CustomS3AutoDeleteObjects" in json.dumps(s["Principal"]) for s in others)


def test_the_headers_policy_is_strict(synth):
    _, policy = synth.one("AWS::CloudFront::ResponseHeadersPolicy")
    security = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = render(security["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    directives = dict(d.split(" ", 1) for d in csp.split("; "))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in csp
    connect = directives["connect-src"].split()
    assert connect[0] == "'self'"
    assert any(s.startswith("wss://{WebsocketAPI}.execute-api.") for s in connect)
    assert any(re.search(r"/handover-dev-attachments-\{AWS::AccountId\}-\{AWS::Region\}/$", s) for s in connect)
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 365 * 24 * 3600
    assert security["StrictTransportSecurity"]["IncludeSubdomains"] is True
    assert security["ContentTypeOptions"] == {"Override": True}
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    _, distribution = synth.one("AWS::CloudFront::Distribution")
    config = distribution["Properties"]["DistributionConfig"]
    for behavior in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]:
        assert "ResponseHeadersPolicyId" in behavior


def test_the_site_config_is_generated_and_published_with_the_ui(synth):
    _, deployment = synth.one("Custom::CDKBucketDeployment")
    props = deployment["Properties"]
    assert props["Prune"] is True
    assert props["DistributionPaths"] == ["/*"]
    # Values known only at deploy time travel as markers that the deployment fills in.
    markers = {k: render(v) for marker in props["SourceMarkers"] for k, v in marker.items()}
    # (The run synthesizes every stage into one outdir: this stage's config names it.)
    configs = [d / "config.json" for d in synth.outdir.glob("asset.*")
               if (d / "config.json").exists() and f'"stage":"{STAGE}"' in (d / "config.json").read_text()]
    assert len(configs) == 1, "config.json is among the deployed sources"
    text = configs[0].read_text()
    for marker, value in markers.items():
        text = text.replace(marker, value)
    data = json.loads(text)
    assert set(data) >= {"api_url", "ws_url", "cognito_user_pool_id", "cognito_client_id"}
    assert re.fullmatch(r"https://\{SiteDistribution[A-Za-z0-9]+\.DomainName\}", data["api_url"])
    assert data["ws_url"].startswith("wss://{WebsocketAPI}.execute-api.")
    assert data["cognito_user_pool_id"].startswith("{OperatorsUserPool")
    assert data["cognito_client_id"].startswith("{OperatorsUserPoolUiClient")
    # The UI itself is deployed too.
    assert any((d / "index.html").exists() for d in synth.outdir.glob("asset.*") if d.is_dir())


def test_operators_sign_in_with_cognito_safely(synth, template):
    _, pool = synth.one("AWS::Cognito::UserPool")
    assert pool["DeletionPolicy"] == "Retain"
    props = pool["Properties"]
    assert props["DeletionProtection"] == "ACTIVE"
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    password = props["Policies"]["PasswordPolicy"]
    assert password["MinimumLength"] >= 12
    assert all(password[k] for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"))
    assert props["MfaConfiguration"] == "OPTIONAL"
    assert props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    template.has_resource_properties("AWS::Cognito::UserPoolGroup", {"GroupName": "admins"})
    _, client = synth.one("AWS::Cognito::UserPoolClient")
    assert client["Properties"]["GenerateSecret"] is False
    assert set(client["Properties"]["ExplicitAuthFlows"]) == {
        "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
    }
    assert client["Properties"]["PreventUserExistenceErrors"] == "ENABLED"


# -- operations -------------------------------------------------------------------------

def test_alarms_cover_api_functions_dead_letters_and_tables_and_notify_sns(synth, template):
    # Two topics: the alarms' and the escalation ladder's supervisors' (docs/notifications.md).
    topics = synth.of_type("AWS::SNS::Topic")
    [topic_id] = [name for name in topics if name.startswith("MonitoringAlarms")]
    [supervisors] = [name for name in topics if name.startswith("FunctionsSupervisors")]
    assert len(topics) == 2 and supervisors != topic_id
    template.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": ALARM_EMAIL})
    alarms = {render(a["Properties"]["AlarmName"]): a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()}
    for props in alarms.values():
        assert props["AlarmActions"] == [{"Ref": topic_id}]
        assert props["OKActions"] == [{"Ref": topic_id}]
    prefix = f"handover-{STAGE}-"
    expected = {f"{prefix}api-5xx", f"{prefix}webhook-dead-letters"}
    for name in synth.functions:
        expected |= {f"{prefix}{name}-errors", f"{prefix}{name}-throttles"}
    for table in synth.of_type("AWS::DynamoDB::Table").values():
        kind = table["Properties"]["TableName"].removeprefix(STAGE_SETTINGS.table_prefix)
        expected.add(f"{prefix}table-{kind.replace('_', '-')}-throttled")
    assert expected <= set(alarms)
    assert alarms[f"{prefix}api-5xx"]["MetricName"] == "5XXError"
    assert {"Name": "ApiName", "Value": f"handover-{STAGE}-api"} in alarms[f"{prefix}api-5xx"]["Dimensions"]
    assert alarms[f"{prefix}webhook-dead-letters"]["MetricName"] == "WebhookDeadLetters"
    assert any(name.endswith("-failed-batches") for name in alarms)
    throttled = alarms[f"{prefix}table-leads-throttled"]["Metrics"]
    expression = next(m["Expression"] for m in throttled if "Expression" in m)
    assert "FILL(" in expression  # a throttle metric exists only when something was throttled


def test_the_dashboard_shows_traffic_latency_errors_connections_waiting_and_reminders(synth):
    _, dashboard = synth.one("AWS::CloudWatch::Dashboard")
    body = str(render(dashboard["Properties"]["DashboardBody"]))
    for metric in ("\"Count\"", "\"Latency\"", "5XXError", "\"Errors\"", "OpenConnections", "WaitingDialogs",
                   "RemindersSent", "ConnectCount", "WebhookDeadLetters"):
        assert metric in body, metric


def test_no_log_group_keeps_logs_forever(synth):
    groups = synth.of_type("AWS::Logs::LogGroup")
    assert len(groups) > len(synth.functions)  # the functions' and the UI deployment's
    assert {g["Properties"].get("RetentionInDays") for g in groups.values()} == {STAGE_SETTINGS.log_retention_days}


def test_outputs_tell_ops_where_everything_is(synth):
    assert {"OperatorUiUrl", "BotApiUrl", "WebsocketUrl", "UserPoolId", "UserPoolClientId", "AttachmentsBucket",
            "AlarmTopicArn", "DashboardName", "DistributionDomainName", "BackupVaultName",
            "AccessLogsBucket"} <= set(synth.template["Outputs"])


def test_synth_writes_a_template_per_stage_named_after_it(synth):
    assert (synth.outdir / f"handover-{STAGE}.template.json").exists()
    manifest = json.loads((synth.outdir / "manifest.json").read_text())
    stack = manifest["artifacts"][f"handover-{STAGE}"]
    assert stack["environment"].endswith("/eu-west-1")
    assert Path(synth.outdir / stack["properties"]["templateFile"]).exists()
