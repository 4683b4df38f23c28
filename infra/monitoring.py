"""Alarms (to one SNS topic) and the CloudWatch dashboard ops read.

Alarms: REST API 5xx; every function's errors and throttles; webhook dead letters and the
stream trigger's failure queue; alerts operators did not acknowledge; DynamoDB throttling of
every table. They notify one SNS topic,
whose subscriber is the deploy's ALARM_EMAIL, or, with ALARM_EMAIL=console, whoever ops
subscribe in the SNS console (the `AlarmSubscriptions` output links there); infra/app.py
refuses a prod stack with neither.

The dashboard's first rows are what ops watch (docs/runbook.md, The dashboard): the handover
latency (a bot's POST -> the frame on the operators' screens) p50/p99, waiting dialogs and the
oldest wait, unacknowledged alerts, dead letters, gone connections; then traffic, latency and
errors of the APIs, the functions and the tables.
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
ONE_MINUTE = Duration.minutes(1)
# ALARM_EMAIL=console: no subscription from the stack; ops subscribe in the SNS console.
CONSOLE_SUBSCRIBERS = "console"
# The delivery function's dead-letter metric (chalicelib/webhooks/metrics.py): no dimension.
WEBHOOK_DEAD_LETTERS = "WebhookDeadLetters"
SERVICE_DIMENSION = {"service": "handover"}
# Alerts not acknowledged (chalicelib/observability.py): this many in each of two windows in a row.
ALERT_WINDOW = Duration.minutes(15)
UNACKNOWLEDGED_ALERTS_THRESHOLD = 3


def _handover_metric(name: str, statistic: str = "Sum", dimensions: dict[str, str] | None = None,
                     label: str | None = None, period: Duration = FIVE_MINUTES) -> cw.Metric:
    return cw.Metric(namespace=observability.NAMESPACE_DEFAULT, metric_name=name, statistic=statistic,
                     dimensions_map=dimensions if dimensions is not None else SERVICE_DIMENSION, period=period,
                     label=label)


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
        if alarm_email and alarm_email != CONSOLE_SUBSCRIBERS:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        self.alarms: list[cw.Alarm] = []
        self._api_alarms()
        self._function_alarms()
        self._delivery_alarms()
        self._alert_alarms()
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

    def _alert_alarms(self) -> None:
        # +1 per alert raised, -1 per acknowledgement: the Sum is what was not acknowledged. Two
        # windows in a row, because an alert raised just before a window ends and acknowledged
        # just after puts +1 in one window and -1 in the next.
        self._alarm("unacknowledged-alerts",
                    metric=_handover_metric(observability.UNACKNOWLEDGED_ALERTS, period=ALERT_WINDOW),
                    threshold=UNACKNOWLEDGED_ALERTS_THRESHOLD, evaluation_periods=2,
                    description="Alerts (new dialogs, lead messages) reached operators' pages and were neither "
                                "played, notified nor seen. Runbook: docs/runbook.md#unacknowledged-alerts")

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
        watched = self._handover_widgets()
        for first in range(0, len(watched), 3):  # rows of three: 3 x 8 is the dashboard's 24 columns
            dashboard.add_widgets(*watched[first:first + 3])
        dashboard.add_widgets(
            cw.GraphWidget(title="Traffic: REST requests, websocket connects and messages", left=traffic, width=8),
            cw.GraphWidget(title="REST latency (ms)", left=[
                self.rest_metric("Latency", "p50"), self.rest_metric("Latency", "p90"), self.rest_metric("Latency", "p99"),
            ], width=8),
            cw.GraphWidget(title="REST errors", left=[self.rest_metric("4XXError"), self.rest_metric("5XXError")], width=8),
        )
        dashboard.add_widgets(
            cw.GraphWidget(title="Function errors", left=[self.lambda_metric(f, "Errors") for f in functions], width=8),
            cw.GraphWidget(title="Function duration p99 (ms)",
                           left=[self.lambda_metric(f, "Duration", "p99") for f in functions], width=8),
            cw.GraphWidget(title="Function throttles", left=[self.lambda_metric(f, "Throttles") for f in functions], width=8),
        )
        dashboard.add_widgets(
            cw.GraphWidget(title="DynamoDB consumed capacity", left=[
                t.metric_consumed_read_capacity_units(period=FIVE_MINUTES) for t in self.tables.tables.values()
            ], right=[
                t.metric_consumed_write_capacity_units(period=FIVE_MINUTES) for t in self.tables.tables.values()
            ], width=8),
            cw.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=8, height=8),
        )
        return dashboard

    def _handover_widgets(self) -> list[cw.IWidget]:
        """What ops watch first, from the app's own metrics (chalicelib/observability.py)."""
        failed_batches = [
            queue.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES, statistic="Maximum",
                                                                label=f"{logical_id} failed stream batches")
            for logical_id, queue in sorted(self.functions.failure_queues.items())
        ]
        return [
            cw.GraphWidget(
                title="Handover latency: bot POST -> frame pushed (ms)",
                left=[_handover_metric(observability.HANDOVER_LATENCY, "p50", label="p50", period=ONE_MINUTE),
                      _handover_metric(observability.HANDOVER_LATENCY, "p99", label="p99", period=ONE_MINUTE)],
                width=8),
            cw.GraphWidget(
                title="Waiting dialogs (left) and the oldest wait in s (right)",
                left=[_handover_metric(observability.WAITING_DIALOGS, "Maximum", label="waiting dialogs",
                                       period=ONE_MINUTE)],
                right=[_handover_metric(observability.OLDEST_WAIT, "Maximum", label="oldest wait (s)",
                                        period=ONE_MINUTE)],
                width=8),
            cw.GraphWidget(
                # The Sum of +1 per alert raised and -1 per acknowledgement; right: per operator.
                title="Unacknowledged alerts; dialogs waiting too long",
                left=[_handover_metric(observability.UNACKNOWLEDGED_ALERTS, label="unacknowledged alerts"),
                      _handover_metric(observability.DIALOGS_WAITING_TOO_LONG, label="dialogs waiting too long")],
                right=[cw.MathExpression(
                    expression=(f"SEARCH('{{{observability.NAMESPACE_DEFAULT},service,"
                                f"{observability.OPERATOR_DIMENSION}}} MetricName=\"{observability.UNACKNOWLEDGED_ALERTS}\"'"
                                ", 'Sum', 300)"),
                    label="", period=FIVE_MINUTES)],
                right_y_axis=cw.YAxisProps(label="per operator", show_units=False),
                width=8),
            cw.GraphWidget(
                title="Dead letters: webhook events given up; failed stream batches",
                left=[_handover_metric(WEBHOOK_DEAD_LETTERS, dimensions={}, label="webhook dead letters"),
                      *failed_batches],
                width=8),
            cw.GraphWidget(
                title="Gone connections (pushes answered 410); open connections (right)",
                left=[_handover_metric(observability.PUSHES_GONE, label="gone connections")],
                right=[_handover_metric(observability.OPEN_CONNECTIONS, "Maximum", label="open connections",
                                        period=ONE_MINUTE)],
                width=8),
            cw.GraphWidget(title="Reminders sent", left=[_handover_metric(observability.REMINDERS_SENT)], width=8),
        ]
