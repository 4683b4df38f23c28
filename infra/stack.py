"""The whole of Handover in one stack per stage: `handover-<stage>`."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Aws, CfnOutput, Stack, Tags
from constructs import Construct

from infra.auth import Operators, password_policy_setting
from infra.backup import TableBackups
from infra.functions import API_STAGE, HandoverFunctions, retention
from infra.monitoring import Monitoring
from infra.site import CustomDomain, OperatorSite, execute_api_host, s3_public_endpoint
from infra.stages import Stage
from infra.storage import AccessLogsBucket, AttachmentsBucket, attachments_bucket_name
from infra.tables import HandoverTables, table_definitions

# Settings of chalicelib/config.py that the functions do not get: the local runtime and the
# tests set them, and in AWS their defaults are right. Every other HANDOVER_* setting is set
# below (tests/infra/test_stack.py checks that each one is one or the other).
LOCAL_ONLY_SETTINGS = frozenset({
    "HANDOVER_REGION",  # Lambda sets AWS_REGION
    "HANDOVER_DYNAMODB_ENDPOINT",
    "HANDOVER_S3_ENDPOINT",
    "HANDOVER_COGNITO_ENDPOINT",
    "HANDOVER_SQS_ENDPOINT",  # moto's SQS; in AWS the wake-up queue is named by its URL
    "HANDOVER_WEBHOOK_WAKEUPS_QUEUE",  # its name, for the local runtime (infra/ sets the trigger's ARN)
    "HANDOVER_COGNITO_ISSUER",  # derived from the pool id and region
    "HANDOVER_COGNITO_JWKS_URL",  # derived from the issuer
    "HANDOVER_SCHEDULE_SECONDS",  # 60 s: the schedules' rate(1 minute)
    "HANDOVER_REMINDER_AFTER_SECONDS",  # one schedule period (R14: "for a minute")
    "HANDOVER_SNS_ENDPOINT",  # moto's SNS; in AWS the supervisor topic is named by its ARN
    "HANDOVER_SUPERVISOR_TOPIC",  # its name, for the local runtime (infra/ sets its ARN)
    # The ladder's last rung (docs/notifications.md) is off by default and has no Stage field yet.
    "HANDOVER_RETURN_TO_BOT_SECONDS",
    "HANDOVER_TOKEN_CHECK_SECONDS",  # 60 s: revocation within a minute (docs/security.md)
    "HANDOVER_REAUTH_SECONDS",  # 30 s: websocket clients re-confirm their token (docs/security.md)
})


class HandoverStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, stage: Stage, build_dir: Path,
                 alarm_email: str | None = None, domain: CustomDomain | None = None, **kwargs: object) -> None:
        super().__init__(scope, construct_id, description=f"Handover contact center ({stage.name})", **kwargs)
        # S3 server access logs are granted to logging.s3.amazonaws.com by a bucket policy, not
        # by the legacy LogDeliveryWrite ACL (cfn-lint W3045; AWS's current advice). A feature
        # flag, set here rather than in a cdk.json, because `make synth` runs infra/app.py directly.
        self.node.set_context("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", True)
        self.stage = stage
        Tags.of(self).add("app", "handover")
        Tags.of(self).add("stage", stage.name)

        self.tables = HandoverTables(self, "Tables", table_prefix=stage.table_prefix, definitions=table_definitions())
        self.backups = TableBackups(self, "Backups", stage=stage, tables=self.tables)
        self.operators = Operators(self, "Operators", stage=stage)
        self.access_logs = AccessLogsBucket(self, "AccessLogs", stage=stage)
        self.site = OperatorSite(self, "Site", stage=stage, access_logs=self.access_logs.bucket, domain=domain)
        bucket_name = attachments_bucket_name(stage)

        self.function_environment = {
            "HANDOVER_ENVIRONMENT": "aws",
            "HANDOVER_STAGE": stage.name,
            "HANDOVER_TABLE_PREFIX": stage.table_prefix,
            "HANDOVER_TAB_SHARDS": str(stage.tab_shards),
            "HANDOVER_ASSIGNMENT": stage.assignment,
            "HANDOVER_OPERATOR_CAPACITY": str(stage.operator_capacity),
            "HANDOVER_RATE_LIMIT_BOT": stage.rate_limit_bot,
            "HANDOVER_RATE_LIMIT_OPERATOR": stage.rate_limit_operator,
            # The bots' usage plan, found by name (infra/bot_limits.py; its id would be a cycle).
            "HANDOVER_BOT_USAGE_PLAN": stage.bot_usage_plan_name,
            "HANDOVER_ATTACHMENTS_BUCKET": bucket_name,
            "HANDOVER_S3_PUBLIC_ENDPOINT": s3_public_endpoint(),
            "HANDOVER_COGNITO_USER_POOL_ID": self.operators.user_pool.user_pool_id,
            "HANDOVER_COGNITO_CLIENT_ID": self.operators.client.user_pool_client_id,
            "HANDOVER_PASSWORD_POLICY": password_policy_setting(),
            "POWERTOOLS_SERVICE_NAME": "handover",
            "POWERTOOLS_METRICS_NAMESPACE": "Handover",
            "POWERTOOLS_LOG_LEVEL": stage.log_level,
            "HANDOVER_TRACE_AWS_CALLS": "true" if stage.trace_aws_calls else "false",
            # The escalation ladder's rungs (docs/notifications.md).
            "HANDOVER_WAITING_TOO_LONG_SECONDS": str(stage.waiting_too_long_seconds),
            "HANDOVER_ESCALATE_TO_SUPERVISOR_SECONDS": str(stage.escalate_to_supervisor_seconds or "off"),
        }
        self.functions = HandoverFunctions(
            self, "Functions", stage=stage, tables=self.tables, environment=self.function_environment,
            attachments_bucket_name=bucket_name, build_dir=build_dir,
        )
        self.ws_url = None
        if self.functions.websocket_api_id:
            host = execute_api_host(self.functions.websocket_api_id)
            self.ws_url = f"wss://{host}/{API_STAGE}"
            self.function_environment["HANDOVER_WS_URL"] = self.ws_url
            self.function_environment["HANDOVER_WS_MANAGEMENT_ENDPOINT"] = f"https://{host}/{API_STAGE}"
            self.functions.set_environment("HANDOVER_WS_URL", self.function_environment["HANDOVER_WS_URL"])
            self.functions.set_environment("HANDOVER_WS_MANAGEMENT_ENDPOINT",
                                           self.function_environment["HANDOVER_WS_MANAGEMENT_ENDPOINT"])

        self.site.distribute(rest_api_id=self.functions.rest_api_id, websocket_api_id=self.functions.websocket_api_id,
                             attachments_bucket=bucket_name)
        self.attachments = AttachmentsBucket(self, "Attachments", stage=stage, ui_origin=self.site.url,
                                             access_logs=self.access_logs.bucket)
        self.site_config = {
            "api_url": self.site.url,
            "ws_url": self.ws_url or "",
            "region": Aws.REGION,
            "cognito_user_pool_id": self.operators.user_pool.user_pool_id,
            "cognito_client_id": self.operators.client.user_pool_client_id,
            "stage": stage.name,
        }
        self.site.publish(self.site_config, retention(stage.log_retention_days))
        self.monitoring = Monitoring(self, "Monitoring", stage=stage, functions=self.functions, tables=self.tables,
                                     alarm_email=alarm_email)

        bot_api_url = f"https://{execute_api_host(self.functions.rest_api_id)}/{API_STAGE}"
        outputs = {
            "OperatorUiUrl": (self.site.url, "The operator UI (and the operator API under /api)"),
            "DistributionDomainName": (self.site.distribution.distribution_domain_name,
                                       "CloudFront's own name: the CNAME/alias target of a custom domain"),
            "BotApiUrl": (bot_api_url, "Base URL for bots: <BotApiUrl>/bot/v1/..."),
            "WebsocketUrl": (self.ws_url or "-", "Websocket URL (the UI gets it from config.json)"),
            "UserPoolId": (self.operators.user_pool.user_pool_id, "Cognito user pool of the operators"),
            "UserPoolClientId": (self.operators.client.user_pool_client_id, "Cognito app client of the UI"),
            "AttachmentsBucket": (bucket_name, "S3 bucket of attachments"),
            "TablePrefix": (stage.table_prefix, "HANDOVER_TABLE_PREFIX"),
            "AlarmTopicArn": (self.monitoring.topic.topic_arn, "SNS topic the alarms notify"),
            "AlarmSubscriptions": (
                f"https://{Aws.REGION}.console.aws.amazon.com/sns/v3/home?region={Aws.REGION}#/topic/"
                f"{self.monitoring.topic.topic_arn}",
                "Who gets the alarms: the topic's subscriptions in the SNS console (docs/runbook.md, Who gets the alarms)"),
            "DashboardName": (self.monitoring.dashboard.dashboard_name, "CloudWatch dashboard"),
            "BackupVaultName": (self.backups.vault.backup_vault_name, "AWS Backup vault of the tables' recovery points"),
            "AccessLogsBucket": (self.access_logs.bucket.bucket_name, "S3 and CloudFront access logs"),
        }
        for name, (value, description) in outputs.items():
            CfnOutput(self, name, value=value, description=description)
