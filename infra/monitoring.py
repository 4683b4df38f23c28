"""Alarms (to one SNS topic) and the CloudWatch dashboard ops read.

Alarms: REST API 5xx; every function's errors and throttles; webhook dead letters and the
stream trigger's failure queue; DynamoDB throttling of every table. The dashboard shows
traffic, latency, errors, open websocket connections, waiting dialogs and reminders sent.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from chalicelib import observability
from infra.functions import API_STAGE, HandoverFunctions
from infra.nag import suppress
from infra.stages import Stage
from infra.tables import HandoverTables

FIVE_MINUTES = Duration.minutes(5)
# The delivery function's dead-letter metric (chalicelib/webhooks/metrics.py): no dimension.
WEBHOOK_DEAD_LETTERS = "WebhookDeadLetters"
SERVICE_DIMENSION = {"service": "handover"}


def _handover_metric(name: str, statistic: str = "Sum", dimensions: dict[str, str] | None = None) -> cw.Metric:
    return cw.Metric(namespace=observability.NAMESPACE_DEFAULT, metric_name=name, statistic=statistic,
                     dimensions_map=dimensions if dimensions is not None else SERVICE_DIMENSION, period=FIVE_MINUTES)


class Monitoring(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: Stage, functions: HandoverFunctions,
                 tables: HandoverTables, alarm_email: str | None) -> None:
        super().__init__(scope, construct_id)
        self.stage = stage
        self.functions = functions
        self.tables = tables
        # No TLS-only topic policy: it would also apply to CloudWatch's own publishing, and an
        # alarm that cannot notify is worse than none. The topic carries alarm names only.
        self.topic = sns.Topic(self, "Alarms", topic_name=f"{stage.stack_name}-alarms",
                               display_name=f"Handover {stage.name} alarms")
        suppress(self.topic.node.default_child, "SNS3",
                 "CloudWatch alarms are the only publisher (an AWS service, over AWS's own HTTPS); a deny on "
                 "aws:SecureTransport would also be evaluated for that delivery, and an alarm that silently fails to "
                 "notify is worse than none. The messages carry alarm names and states only.")
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        self.alarms: list[cw.Alarm] = []
        self._api_alarms()
        self._function_alarms()
        self._delivery_alarms()
        self._table_alarms()
        self.dashboard = self._dashboard()

    # -- metrics -----------------------------------------------------------------------

    def rest_metric(self, name: str, statistic: str = "Sum") -> cw.Metric:
        return cw.Metric(namespace="AWS/ApiGateway", metric_name=name, statistic=statistic, period=FIVE_MINUTES,
                         dimensions_map={"ApiName": self.functions.rest_api_name, "Stage": API_STAGE})

    def websocket_metric(self, name: str, statistic: str = "Sum") -> cw.Metric:
        return cw.Metric(namespace="AWS/ApiGateway", metric_name=name, statistic=statistic, period=FIVE_MINUTES,
                         dimensions_map={"ApiId": self.functions.websocket_api_id or "", "Stage": API_STAGE})

    def lambda_metric(self, logical_id: str, name: str, statistic: str = "Sum") -> cw.Metric:
        from infra.functions import function_name

        return cw.Metric(namespace="AWS/Lambda", metric_name=name, statistic=statistic, period=FIVE_MINUTES,
                         dimensions_map={"FunctionName": function_name(self.stage, logical_id)})

    # -- alarms ------------------------------------------------------------------------

    def _alarm(self, construct_id: str, *, metric: cw.IMetric, threshold: float, description: str,
               evaluation_periods: int = 1) -> cw.Alarm:
        alarm = cw.Alarm(
            self,
            construct_id,
            alarm_name=f"{self.stage.stack_name}-{construct_id}",
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=evaluation_periods,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(self.topic))
        alarm.add_ok_action(cw_actions.SnsAction(self.topic))
        self.alarms.append(alarm)
        return alarm

    def _api_alarms(self) -> None:
        self._alarm("api-5xx", metric=self.rest_metric("5XXError"), threshold=self.stage.api_5xx_threshold,
                    description="The REST API answered 5xx (bots or operators hit a server error). "
                                "Runbook: docs/runbook.md#alarms")
        if self.functions.has_websockets:
            self._alarm("websocket-errors", metric=self.websocket_metric("IntegrationError"),
                        threshold=self.stage.api_5xx_threshold,
                        description="Websocket route integrations failed. Runbook: docs/runbook.md#alarms")

    def _function_alarms(self) -> None:
        for logical_id in sorted(self.functions.functions):
            self._alarm(f"{logical_id}-errors", metric=self.lambda_metric(logical_id, "Errors"),
                        threshold=self.stage.function_error_threshold,
                        description=f"{logical_id} raised errors. Runbook: docs/runbook.md#alarms")
            self._alarm(f"{logical_id}-throttles", metric=self.lambda_metric(logical_id, "Throttles"), threshold=1,
                        description=f"{logical_id} was throttled (account concurrency). Runbook: docs/runbook.md#alarms")

    def _delivery_alarms(self) -> None:
        self._alarm("webhook-dead-letters", metric=_handover_metric(WEBHOOK_DEAD_LETTERS, dimensions={}), threshold=1,
                    description="A webhook event to a bot was given up after its retries. "
                                "Runbook: docs/runbook.md#replay-dead-letters")
        for logical_id, queue in sorted(self.functions.failure_queues.items()):
            self._alarm(f"{logical_id}-failed-batches",
                        metric=queue.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES, statistic="Maximum"),
                        threshold=1,
                        description=f"{logical_id} gave up stream batches after its retries. "
                                    "Runbook: docs/runbook.md#replay-dead-letters")

    def _table_alarms(self) -> None:
        for kind, table in sorted(self.tables.tables.items()):
            throttles = cw.MathExpression(
                # DynamoDB publishes a throttle metric only when something was throttled; without
                # FILL a write throttle with no read throttle would sum to "no data".
                expression="FILL(reads, 0) + FILL(writes, 0)",
                using_metrics={
                    "reads": table.metric("ReadThrottleEvents", statistic="Sum", period=FIVE_MINUTES),
                    "writes": table.metric("WriteThrottleEvents", statistic="Sum", period=FIVE_MINUTES),
                },
                label=f"{kind} throttled requests",
                period=FIVE_MINUTES,
            )
            self._alarm(f"table-{kind.replace('_', '-')}-throttled", metric=throttles, threshold=1,
                        description=f"DynamoDB throttled the {kind} table (a hot key, or the on-demand "
                                    "ramp-up limit). Runbook: docs/runbook.md#alarms")

    # -- the dashboard -----------------------------------------------------------------

    def _dashboard(self) -> cw.Dashboard:
        dashboard = cw.Dashboard(self, "Dashboard", dashboard_name=f"{self.stage.stack_name}",
                                 default_interval=Duration.hours(3))
        functions = sorted(self.functions.functions)
        traffic = [self.rest_metric("Count")]
        if self.functions.has_websockets:
            traffic += [self.websocket_metric("ConnectCount"), self.websocket_metric("MessageCount")]
        dashboard.add_widgets(
            cw.TextWidget(markdown=f"# Handover {self.stage.name}\nAlarms and what to do: `docs/runbook.md`.",
                          width=24, height=2),
        )
        dashboard.add_widgets(
            cw.GraphWidget(title="Traffic: REST requests, websocket connects and messages", left=traffic, width=8),
            cw.GraphWidget(title="REST latency (ms)", left=[
                self.rest_metric("Latency", "p50"), self.rest_metric("Latency", "p90"), self.rest_metric("Latency", "p99"),
            ], width=8),
            cw.GraphWidget(title="REST errors", left=[self.rest_metric("4XXError"), self.rest_metric("5XXError")], width=8),
        )
        dashboard.add_widgets(
            cw.GraphWidget(title="Open websocket connections",
                           left=[_handover_metric(observability.OPEN_CONNECTIONS, "Maximum")], width=8),
            cw.GraphWidget(title="Waiting dialogs",
                           left=[_handover_metric(observability.WAITING_DIALOGS, "Maximum")], width=8),
            cw.GraphWidget(title="Reminders sent / dialogs waiting too long", left=[
                _handover_metric(observability.REMINDERS_SENT), _handover_metric(observability.DIALOGS_WAITING_TOO_LONG),
            ], width=8),
        )
        dashboard.add_widgets(
            cw.GraphWidget(title="Function errors", left=[self.lambda_metric(f, "Errors") for f in functions], width=8),
            cw.GraphWidget(title="Function duration p99 (ms)",
                           left=[self.lambda_metric(f, "Duration", "p99") for f in functions], width=8),
            cw.GraphWidget(title="Function throttles", left=[self.lambda_metric(f, "Throttles") for f in functions], width=8),
        )
        dashboard.add_widgets(
            cw.GraphWidget(title="Webhook dead letters", left=[_handover_metric(WEBHOOK_DEAD_LETTERS, dimensions={})], width=8),
            cw.GraphWidget(title="DynamoDB consumed capacity", left=[
                t.metric_consumed_read_capacity_units(period=FIVE_MINUTES) for t in self.tables.tables.values()
            ], right=[
                t.metric_consumed_write_capacity_units(period=FIVE_MINUTES) for t in self.tables.tables.values()
            ], width=8),
            cw.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=8, height=8),
        )
        return dashboard
