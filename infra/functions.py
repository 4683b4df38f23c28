"""The Chalice app as CDK resources: every function, the REST API, the websocket API, the
schedules and the stream trigger, through Chalice's own CDK construct (`chalice package`
under the hood), then tightened here:

- one IAM role per function, with only what `infra/access.py` grants it;
- a log group per function with a retention, created before the function, JSON log format;
- explicit function names (`handover-<stage>-<Function>`) so that ops find them in the console;
- the stream trigger on the real table stream, with bounded retries, batch bisection and an
  on-failure destination (an SQS queue that is alarmed);
- the webhook wake-up queue (retries due within seconds) and its trigger;
- throttling on both API stages; readable API names for the console and the alarms;
- X-Ray active tracing on every function and on the REST stage (the websocket API has none);
- access logs (JSON) for both API stages and ERROR-level execution logs for the REST stage, with
  the account's API Gateway CloudWatch role that both need;
- every cdk-nag finding on these resources that stays, suppressed here with its reason
  (infra/nag.py runs the pack on the SAM-expanded template).

Nothing here needs AWS credentials: `chalice package` only builds the zip and the template.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import Aws, Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from chalice.cdk import Chalice
from constructs import Construct

from infra.access import (
    ATTACHMENTS_PREFIX,
    FUNCTIONS,
    MANAGE_CONNECTIONS_METHODS,
    READ_ACTIONS,
    STREAM_ACTIONS,
    WRITE_ACTIONS,
    Access,
)
from infra.bot_limits import wire_bot_limits
from infra.nag import suppress, suppress_wildcard_resources
from infra.stages import Stage
from infra.tables import HandoverTables

REPO = Path(__file__).resolve().parent.parent
# The API Gateway stage of both APIs (Chalice's default): URLs end in `/api`.
API_STAGE = "api"
# Lambda's Python runtime ships boto3 and botocore; bundling botocore again (pulled in by
# pynamodb) would add 16 MB to every function's zip for nothing.
RUNTIME_PROVIDED = ("botocore/", "boto3/", "s3transfer/")
_RUNTIME_PROVIDED_INFO = re.compile(r"^(botocore|boto3|s3transfer)-[^/]+\.dist-info/")
# Stream trigger: how often Lambda retries a failing batch before it goes to the on-failure
# queue. The webhook sweep (RetryWebhooks) re-finds any delivery whose stream record was
# given up, so this bounds a poison batch without losing the delivery itself.
STREAM_MAX_RETRIES = 5
STREAM_MAX_RECORD_AGE_SECONDS = 6 * 3600
# The webhook wake-up queue (docs/webhooks.md, "Fast retries"): visibility 6x its consumer's
# timeout (AWS's advice for Lambda triggers); an hour-old wake-up is the sweep's long since.
WAKEUPS_VISIBILITY_SECONDS = 6 * 60
WAKEUPS_RETENTION = Duration.hours(1)
WAKEUPS_RECEIVE_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
# What the Lambda service's X-Ray daemon does with the function's role under active tracing.
XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
PLACEHOLDER_ROLE_ARN = "arn:aws:iam::000000000000:role/replaced-per-function-by-infra"
# Why a statement of a function's policy may end in `*` (cdk-nag IAM5), by statement sid. A new
# wildcard statement stops the synth until it has its reason here.
WILDCARD_REASONS = {
    "Attachments": "Object keys under uploads/ are generated per upload at run time "
                   "(uploads/<id>/<name>); the prefix is the narrowest ARN there is, and the actions are named.",
    "Tracing": "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions "
               "(the X-Ray service authorization reference lists none); the Lambda service's X-Ray daemon sends "
               "the active-tracing segments with the function's role.",
    "PushToConnections": "Websocket connection ids are created per connection at run time; the ARN is "
                         "already narrowed to this API, its stage and the POST/GET/DELETE methods of @connections.",
}
# The app's Lambda runtime: `chalice package` takes it from the interpreter that builds the zip
# (the project's Python 3.11 venv), and the zip's compiled wheels (cffi, cryptography's bindings)
# are built for it; a newer runtime is a project-wide upgrade, not a template setting.
RUNTIME_REASON = ("The runtime is the project's Python (3.11): chalice package builds the zip, compiled wheels "
                  "included, with that interpreter, so the runtime must match it; moving to a newer Python is a "
                  "project-wide upgrade (pyproject.toml, the venv, the local runtime), tracked outside infra.")
# Access log lines: one JSON object per request, the fields ops search by (docs/runbook.md).
REST_ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "method": "$context.httpMethod",
    "route": "$context.resourcePath",
    "path": "$context.path",
    "status": "$context.status",
    "latencyMs": "$context.responseLatency",
    "integrationLatencyMs": "$context.integrationLatency",
    "responseLength": "$context.responseLength",
    "protocol": "$context.protocol",
    "tlsVersion": "$context.tlsVersion",
    "error": "$context.error.message",
}
WEBSOCKET_ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "route": "$context.routeKey",
    "eventType": "$context.eventType",
    "connectionId": "$context.connectionId",
    "status": "$context.status",
    "integrationLatencyMs": "$context.integrationLatency",
    "error": "$context.error.message",
}


@dataclass(frozen=True)
class FunctionInfo:
    logical_id: str
    handler: str
    events: dict[str, Any]


class _SlimChalice(Chalice):
    """Chalice's construct, with the runtime-provided AWS SDK taken out of the zip before
    CDK turns it into an asset."""

    def _package_app(self) -> None:
        super()._package_app()
        strip_runtime_provided(Path(self._sam_package_dir) / "deployment.zip")

    @property
    def sam_template_path(self) -> Path:
        return Path(self._sam_package_dir) / "sam.json"


def strip_runtime_provided(zip_path: Path) -> None:
    slim = zip_path.with_suffix(".slim.zip")
    with zipfile.ZipFile(zip_path) as source, zipfile.ZipFile(slim, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            name = info.filename
            if name.startswith(RUNTIME_PROVIDED) or _RUNTIME_PROVIDED_INFO.match(name):
                continue
            target.writestr(info, source.read(info))
    slim.replace(zip_path)


@contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    # The construct writes `chalice.out/<uuid>/` into the current directory at every synth;
    # keep it in the build dir and drop the previous synth's copy.
    shutil.rmtree(path / "chalice.out", ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def function_name(stage: Stage, logical_id: str) -> str:
    return f"{stage.stack_name}-{logical_id}"[:64]


def log_group_name(stage: Stage, logical_id: str) -> str:
    return f"/aws/lambda/{function_name(stage, logical_id)}"


class HandoverFunctions(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: Stage,
        tables: HandoverTables,
        environment: dict[str, str],
        attachments_bucket_name: str,
        build_dir: Path,
    ) -> None:
        super().__init__(scope, construct_id)
        self.stage = stage
        self.tables = tables
        self.attachments_bucket_name = attachments_bucket_name
        # The operators' pool (a token): functions with `cognito` actions get them on it only.
        self.user_pool_id = environment.get("HANDOVER_COGNITO_USER_POOL_ID", "")
        self.roles: dict[str, iam.Role] = {}
        self.log_groups: dict[str, logs.LogGroup] = {}
        self.failure_queues: dict[str, sqs.Queue] = {}
        self.wakeups = sqs.Queue(
            self,
            "WebhookWakeups",
            queue_name=f"{stage.stack_name}-webhook-wakeups",
            visibility_timeout=Duration.seconds(WAKEUPS_VISIBILITY_SECONDS),
            retention_period=WAKEUPS_RETENTION,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        suppress(self.wakeups.node.default_child, "SQS3",
                 "A wake-up only brings a due webhook retry forward: one that fails or expires costs delay, never "
                 "a delivery, because the per-minute sweep finds every due item in the deliveries table anyway.")
        # The app sends to it by URL. Not by name: `chalice package` imports app.py with these
        # variables set, and a token in the trigger's name would break the template.
        environment["HANDOVER_WEBHOOK_WAKEUPS_QUEUE_URL"] = self.wakeups.queue_url
        # The escalation ladder's supervisor channel (docs/notifications.md): supervisors
        # subscribe to it (e-mail, SMS, a chat bridge) in the console; only the scheduled
        # function may publish (infra/access.py `supervisors`), over TLS only.
        self.supervisors = sns.Topic(self, "Supervisors", topic_name=f"{stage.stack_name}-supervisors",
                                     display_name=f"Handover {stage.name} escalations", enforce_ssl=True)
        environment["HANDOVER_SUPERVISOR_TOPIC_ARN"] = self.supervisors.topic_arn

        # Chalice needs a region to build the template (it is only written into it).
        os.environ.setdefault("AWS_DEFAULT_REGION", Stack.of(self).region)
        with _working_directory(build_dir):
            self.chalice = _SlimChalice(
                self,
                "App",
                source_dir=str(REPO),
                stage_config={
                    "api_gateway_stage": API_STAGE,
                    # CloudFront already fronts the operator API; an edge-optimized API would add a second CDN hop.
                    "api_gateway_endpoint_type": "REGIONAL",
                    "manage_iam_role": False,
                    # Chalice wants one role for all; every function's Role is overridden below.
                    "iam_role_arn": PLACEHOLDER_ROLE_ARN,
                    "autogen_policy": False,
                    "lambda_memory_size": stage.memory_mb,
                    "environment_variables": environment,
                },
            )
        template = json.loads(self.chalice.sam_template_path.read_text())
        self.functions = {
            name: FunctionInfo(name, resource["Properties"]["Handler"], resource["Properties"].get("Events", {}))
            for name, resource in template["Resources"].items()
            if resource["Type"] == "AWS::Serverless::Function"
        }
        self.has_websockets = "WebsocketAPI" in template["Resources"]
        self._check_access_declared()
        for info in self.functions.values():
            self._configure(info, FUNCTIONS[info.logical_id])
        self._configure_apis(template)

    # -- discovery ---------------------------------------------------------------------

    def _check_access_declared(self) -> None:
        missing = sorted(set(self.functions) - set(FUNCTIONS))
        if missing:
            raise ValueError(
                f"functions without an access declaration in infra/access.py: {missing} "
                "(each function gets only the tables, bucket and APIs declared there)"
            )
        for name, access in FUNCTIONS.items():
            unknown = sorted(access.tables() - set(self.tables.tables))
            if unknown:
                raise ValueError(f"infra/access.py: {name} names tables that no model defines: {unknown}")
        # A new model's table that no function may touch would deploy fine and fail in AWS
        # with AccessDenied at its first use: say who uses it.
        used = set().union(*(FUNCTIONS[name].tables() for name in self.functions))
        unused = sorted(set(self.tables.tables) - used)
        if unused:
            raise ValueError(f"tables no function may use: {unused}; grant them in infra/access.py")

    # -- per function ------------------------------------------------------------------

    def resource(self, logical_id: str) -> Any:
        return self.chalice.get_resource(logical_id)

    def _configure(self, info: FunctionInfo, access: Access) -> None:
        cfn = self.resource(info.logical_id)
        name = function_name(self.stage, info.logical_id)
        log_group = logs.LogGroup(
            self,
            f"{info.logical_id}Logs",
            log_group_name=log_group_name(self.stage, info.logical_id),
            retention=retention(self.stage.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        role = iam.Role(
            self,
            f"{info.logical_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Handover {self.stage.name}: {info.logical_id} only",
        )
        statements = self.statements(info, access, log_group)
        for statement in statements:
            role.add_to_policy(statement)
        default_policy = role.node.find_child("DefaultPolicy").node.default_child
        for statement in statements:
            wildcards = [r for r in statement.resources if "*" in r]
            if wildcards:
                if statement.sid not in WILDCARD_REASONS:
                    raise ValueError(f"{info.logical_id}: statement {statement.sid} has wildcard resources {wildcards}; "
                                     "narrow it, or say why in infra/functions.py WILDCARD_REASONS")
                suppress_wildcard_resources(default_policy, wildcards, WILDCARD_REASONS[statement.sid])
        suppress(cfn, "L1", RUNTIME_REASON)
        cfn.add_property_override("FunctionName", name)
        cfn.add_property_override("Role", role.role_arn)
        cfn.add_property_override("Timeout", access.timeout_seconds)
        # Lambda traces every invocation (init, invocation, overhead) at no code cost; segments per
        # AWS call are the stage's choice (HANDOVER_TRACE_AWS_CALLS, chalicelib/observability.py).
        cfn.add_property_override("Tracing", "Active")
        cfn.add_property_override("LoggingConfig", {
            "LogGroup": log_group.log_group_name,
            # Powertools writes JSON; JSON format makes Lambda's own lines (START, REPORT, errors) JSON too.
            "LogFormat": "JSON",
            # Lambda drops application lines below this level; Powertools follows it too
            # (AWS_LAMBDA_LOG_LEVEL), so ops change both in the console's logging configuration.
            "ApplicationLogLevel": self.stage.log_level,
            "SystemLogLevel": "WARN",
        })
        # The role's policy must exist before the function can use its trigger (stream, schedule).
        cfn.node.add_dependency(role.node.find_child("DefaultPolicy"))
        for event_name, event in info.events.items():
            if event["Type"] == "DynamoDB":
                self._stream_trigger(info, event_name, event, role)
            elif event["Type"] == "SQS":
                self._wakeups_trigger(info, event_name, role)
            elif event["Type"] not in ("Schedule",):
                raise ValueError(f"{info.logical_id}: no infra for a {event['Type']} trigger yet (infra/functions.py)")
        self.roles[info.logical_id] = role
        self.log_groups[info.logical_id] = log_group

    def statements(self, info: FunctionInfo, access: Access, log_group: logs.LogGroup) -> list[iam.PolicyStatement]:
        statements = [
            iam.PolicyStatement(
                sid="OwnLogs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[f"{log_group.log_group_arn}"],
            ),
            iam.PolicyStatement(sid="Tracing", actions=list(XRAY_ACTIONS), resources=["*"]),
        ]
        for kinds, actions, sid in ((access.write, READ_ACTIONS + WRITE_ACTIONS, "ReadWrite"),
                                    (access.read - access.write, READ_ACTIONS, "Read")):
            resources: list[str] = []
            for kind in sorted(kinds):
                resources.append(self.tables.table(kind).table_arn)
                resources.extend(self.tables.index_arns(kind))
            if resources:
                statements.append(iam.PolicyStatement(sid=f"Tables{sid}", actions=list(actions), resources=resources))
        if access.attachments:
            statements.append(iam.PolicyStatement(
                sid="Attachments",
                actions=list(access.attachments),
                resources=[f"arn:{Aws.PARTITION}:s3:::{self.attachments_bucket_name}/{ATTACHMENTS_PREFIX}*"],
            ))
        if access.wakeups:
            statements.append(iam.PolicyStatement(sid="QueueWakeups", actions=["sqs:SendMessage"],
                                                  resources=[self.wakeups.queue_arn]))
        if access.supervisors:
            statements.append(iam.PolicyStatement(sid="PublishEscalations", actions=["sns:Publish"],
                                                  resources=[self.supervisors.topic_arn]))
        if access.cognito:
            if not self.user_pool_id:
                raise ValueError("infra/access.py grants Cognito actions but the functions have no user pool id")
            statements.append(iam.PolicyStatement(
                sid="OperatorPool",
                actions=list(access.cognito),
                resources=[f"arn:{Aws.PARTITION}:cognito-idp:{Aws.REGION}:{Aws.ACCOUNT_ID}:userpool/{self.user_pool_id}"],
            ))
        if access.manage_connections and self.has_websockets:
            api = self.resource("WebsocketAPI").ref
            statements.append(iam.PolicyStatement(
                sid="PushToConnections",
                actions=["execute-api:ManageConnections"],
                resources=[
                    f"arn:{Aws.PARTITION}:execute-api:{Aws.REGION}:{Aws.ACCOUNT_ID}:{api}/{API_STAGE}/{method}/@connections/*"
                    for method in MANAGE_CONNECTIONS_METHODS
                ],
            ))
        return statements

    def _stream_trigger(self, info: FunctionInfo, event_name: str, event: dict[str, Any], role: iam.Role) -> None:
        kind = self._stream_kind(info, event["Properties"].get("Stream"))
        table = self.tables.table(kind)
        queue = sqs.Queue(
            self,
            f"{info.logical_id}Failures",
            queue_name=f"{self.stage.stack_name}-{info.logical_id}-failures",
            retention_period=Duration.days(14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        suppress(queue.node.default_child, "SQS3",
                 "This queue is itself the stream trigger's on-failure destination (a dead-letter queue in all but "
                 "name): it holds notes about given-up batches, is alarmed, and nothing consumes it automatically.")
        self.failure_queues[info.logical_id] = queue
        role.add_to_policy(iam.PolicyStatement(sid="ReadStream", actions=list(STREAM_ACTIONS),
                                               resources=[table.table_stream_arn]))
        role.add_to_policy(iam.PolicyStatement(sid="OnFailure", actions=["sqs:SendMessage"], resources=[queue.queue_arn]))
        prefix = f"Events.{event_name}.Properties"
        cfn = self.resource(info.logical_id)
        cfn.add_property_override(f"{prefix}.Stream", table.table_stream_arn)
        cfn.add_property_override(f"{prefix}.MaximumRetryAttempts", STREAM_MAX_RETRIES)
        cfn.add_property_override(f"{prefix}.BisectBatchOnFunctionError", True)
        cfn.add_property_override(f"{prefix}.MaximumRecordAgeInSeconds", STREAM_MAX_RECORD_AGE_SECONDS)
        cfn.add_property_override(f"{prefix}.DestinationConfig", {"OnFailure": {"Type": "SQS", "Destination": queue.queue_arn}})

    def _wakeups_trigger(self, info: FunctionInfo, event_name: str, role: iam.Role) -> None:
        """The one queue the app consumes: the webhook wake-ups (app.py names it by a
        placeholder at `chalice package` time; the trigger gets the stage's queue)."""
        role.add_to_policy(iam.PolicyStatement(sid="ReceiveWakeups", actions=list(WAKEUPS_RECEIVE_ACTIONS),
                                               resources=[self.wakeups.queue_arn]))
        if FUNCTIONS[info.logical_id].timeout_seconds * 6 > WAKEUPS_VISIBILITY_SECONDS:
            raise ValueError(f"{info.logical_id}: a timeout over 1/6 of the queue's visibility timeout")
        self.resource(info.logical_id).add_property_override(f"Events.{event_name}.Properties.Queue",
                                                             self.wakeups.queue_arn)

    def _stream_kind(self, info: FunctionInfo, configured: Any) -> str:
        """The table whose stream the handler named: by the table name in its (placeholder)
        ARN, else the only table that has a stream."""
        streaming = sorted(k for k, d in self.tables.definitions.items() if d.stream_view_type)
        access_streams = sorted(FUNCTIONS[info.logical_id].streams)
        if isinstance(configured, str):
            match = re.search(r":table/([^/]+)/stream/", configured)
            if match:
                named = match.group(1)
                for kind in streaming:
                    if named == kind or named.endswith(f"-{kind}") or named.endswith(kind):
                        self._check_stream_access(info, kind, access_streams)
                        return kind
        if len(streaming) == 1:
            self._check_stream_access(info, streaming[0], access_streams)
            return streaming[0]
        raise ValueError(f"{info.logical_id}: cannot tell which table's stream {configured!r} is (streams: {streaming})")

    @staticmethod
    def _check_stream_access(info: FunctionInfo, kind: str, declared: list[str]) -> None:
        if declared != [kind]:
            raise ValueError(
                f"infra/access.py: {info.logical_id} is triggered by the {kind} stream; declare streams={{'{kind}'}}"
            )

    def set_environment(self, name: str, value: str) -> None:
        """An environment variable that refers to something the Chalice template itself
        creates (the websocket API), so it cannot go through `stage_config`."""
        for logical_id in self.functions:
            self.resource(logical_id).add_property_override(f"Environment.Variables.{name}", value)

    # -- the APIs ----------------------------------------------------------------------

    def _configure_apis(self, template: dict[str, Any]) -> None:
        account = self._api_gateway_logging_role()
        rest = self.resource("RestAPI")
        # One name for the console and for the alarms' ApiName dimension (the OpenAPI title
        # would name every stage's API "handover").
        rest.add_property_override("Name", self.rest_api_name)
        rest.add_property_override("DefinitionBody.info.title", self.rest_api_name)
        rest.add_property_override("MethodSettings", [{
            "ResourcePath": "/*",
            "HttpMethod": "*",
            "ThrottlingRateLimit": self.stage.api_rate_limit,
            "ThrottlingBurstLimit": self.stage.api_burst_limit,
            # Execution logs for failures only (cdk-nag APIG6). Never DataTraceEnabled: it would
            # log whole requests, Authorization headers and bot keys included.
            "LoggingLevel": "ERROR",
            "DataTraceEnabled": False,
        }])
        # X-Ray on the REST stage: a trace starts at API Gateway and continues into APIHandler.
        rest.add_property_override("TracingEnabled", True)
        self.rest_access_logs = self._log_group("RestAccessLogs", f"/aws/apigateway/{self.rest_api_name}/access")
        rest.add_property_override("AccessLogSetting", {
            "DestinationArn": self.rest_access_logs.log_group_arn,
            "Format": json.dumps(REST_ACCESS_LOG_FORMAT, separators=(",", ":")),
        })
        # API Gateway creates the execution log group itself on its first write, and keeps it
        # forever; created here first, it has the stage's retention.
        self.rest_execution_logs = self._log_group(
            "RestExecutionLogs", Fn.join("", ["API-Gateway-Execution-Logs_", rest.ref, f"/{API_STAGE}"]))
        # A stage with logging fails to create until the account's CloudWatch role is set; SAM
        # gives the stage a DependsOn chain through the RestApi.
        rest.node.add_dependency(account)
        suppress(rest, "APIG2",
                 "Chalice's OpenAPI definition has no request models, so an API Gateway validator would check "
                 "nothing; every body and parameter is validated by the app (chalicelib/api/bodies.py) with its "
                 "own 400 answers, tested by tests/hardening (schemathesis against the OpenAPI documents).")
        suppress(rest, "APIG3",
                 "No WAF yet (docs/runbook.md, Not covered yet): AWS managed rule sets would block legitimate lead "
                 "messages (hostile-looking text is data here, tests/browser/test_hostile_content.py) and bodies over "
                 "8 KB; stage throttling and the app's per-bot limits stand in front; a web ACL is a cost decision.")
        # The bots' per-key throttle: usage plan, authorizer, gateway responses (infra/bot_limits.py).
        self.bot_usage_plan = wire_bot_limits(self, template)
        if self.has_websockets:
            self.resource("WebsocketAPI").add_property_override("Name", f"{self.stage.stack_name}-websocket")
            stage = self.resource("WebsocketAPIStage")
            stage.add_property_override("DefaultRouteSettings", {
                "ThrottlingRateLimit": self.stage.api_rate_limit,
                "ThrottlingBurstLimit": self.stage.api_burst_limit,
            })
            self.websocket_access_logs = self._log_group(
                "WebsocketAccessLogs", f"/aws/apigateway/{self.stage.stack_name}-websocket/access")
            stage.add_property_override("AccessLogSettings", {
                "DestinationArn": self.websocket_access_logs.log_group_arn,
                "Format": json.dumps(WEBSOCKET_ACCESS_LOG_FORMAT, separators=(",", ":")),
            })
            stage.node.add_dependency(account)
            for route, why in (
                ("WebsocketConnectRoute", "the handler redeems a one-time ticket (a single-use token valid 60 s that "
                                          "only a signed-in operator gets from POST /api/ws-ticket) and refuses the "
                                          "connection without it; an authorizer would redo that check"),
                ("WebsocketMessageRoute", "API Gateway allows an authorizer only on $connect; this route is reached "
                                          "only on a connection that $connect accepted"),
                ("WebsocketDisconnectRoute", "API Gateway allows an authorizer only on $connect; this route is "
                                             "reached only on a connection that $connect accepted"),
            ):
                if route in template["Resources"]:
                    suppress(self.resource(route), "APIG4", f"No API Gateway authorizer: {why}.")

    def _log_group(self, construct_id: str, name: str) -> logs.LogGroup:
        return logs.LogGroup(self, construct_id, log_group_name=name,
                             retention=retention(self.stage.log_retention_days), removal_policy=RemovalPolicy.DESTROY)

    def _api_gateway_logging_role(self) -> apigateway.CfnAccount:
        """API Gateway writes REST and websocket logs (access and execution) with one role per
        account and region, set in the account's API Gateway settings."""
        role = iam.Role(
            self,
            "ApiGatewayLogsRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="API Gateway account setting: writes the APIs' access and execution logs to CloudWatch",
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(
                "service-role/AmazonAPIGatewayPushToCloudWatchLogs")],
        )
        # The setting is account-wide: other stages' APIs in this account use the same role, so
        # deleting this stack must not delete it from under them.
        role.apply_removal_policy(RemovalPolicy.RETAIN)
        suppress(role.node.default_child, "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                                          "AmazonAPIGatewayPushToCloudWatchLogs]",
                 "AWS's own policy for exactly this account setting (API Gateway writing CloudWatch logs); the "
                 "log group names are API Gateway's (API-Gateway-Execution-Logs_<api>/<stage>), so no narrower "
                 "policy of ours would stay right.")
        return apigateway.CfnAccount(self, "ApiGatewayAccount", cloud_watch_role_arn=role.role_arn)

    @property
    def rest_api_name(self) -> str:
        return f"{self.stage.stack_name}-api"

    @property
    def rest_api_id(self) -> str:
        return self.resource("RestAPI").ref

    @property
    def websocket_api_id(self) -> str | None:
        return self.resource("WebsocketAPI").ref if self.has_websockets else None


_RETENTION = {
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
}


def retention(days: int) -> logs.RetentionDays:
    if days not in _RETENTION:
        raise ValueError(f"log retention: one of {sorted(_RETENTION)} days")
    return _RETENTION[days]
