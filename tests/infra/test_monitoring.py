"""Issue 15, item 4 in the templates: X-Ray on every function, access logs on both APIs, the
dashboard ops read (by metric name), and someone subscribed to the alarms."""

from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import pytest

from chalicelib import observability
from infra.stages import STAGES

from .conftest import ALARM_EMAIL, REPO, render, synth_env


def _dashboard_widgets(synth) -> list[dict[str, Any]]:
    _, dashboard = synth.one("AWS::CloudWatch::Dashboard")
    body = dashboard["Properties"]["DashboardBody"]
    # The body is an Fn::Join of JSON text and tokens (API ids, queue names) that all sit
    # inside JSON strings: a placeholder for each token leaves valid JSON.
    if isinstance(body, dict) and "Fn::Join" in body:
        body = "".join(part if isinstance(part, str) else "TOKEN" for part in body["Fn::Join"][1])
    return json.loads(body)["widgets"]


def _metrics_of(widget: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(namespace, metric name, statistic) of each metric a graph widget shows."""
    found = []
    for metric in widget.get("properties", {}).get("metrics", []):
        if not isinstance(metric, list) or len(metric) < 2 or not all(isinstance(m, str) for m in metric[:2]):
            continue
        options = metric[-1] if isinstance(metric[-1], dict) else {}
        found.append((metric[0], metric[1], options.get("stat", "Average")))
    return found


def _widget(widgets: list[dict[str, Any]], title_start: str) -> dict[str, Any]:
    matching = [w for w in widgets if w.get("properties", {}).get("title", "").startswith(title_start)]
    assert len(matching) == 1, f"one widget titled {title_start!r}: {[w['properties'].get('title') for w in widgets]}"
    return matching[0]


# -- X-Ray ------------------------------------------------------------------------------------

def test_every_function_is_traced_and_may_write_its_segments(synth):
    assert synth.functions
    for name, function in synth.functions.items():
        assert function["Properties"]["Tracing"] == "Active", name
    # The REST stage too: a trace starts at API Gateway (the websocket API has no X-Ray).
    assert synth.resources["RestAPI"]["Properties"]["TracingEnabled"] is True


def test_aws_call_segments_are_a_stage_setting_on_in_dev_and_off_in_prod(synth, synth_prod):
    for stack, stage in ((synth, "dev"), (synth_prod, "prod")):
        for name, function in stack.functions.items():
            variables = function["Properties"]["Environment"]["Variables"]
            expected = "true" if STAGES[stage].trace_aws_calls else "false"
            assert variables[observability.TRACE_AWS_CALLS] == expected, (stage, name)
            assert variables["POWERTOOLS_LOG_LEVEL"] == STAGES[stage].log_level
            assert function["Properties"]["LoggingConfig"]["ApplicationLogLevel"] == STAGES[stage].log_level
    assert STAGES["dev"].trace_aws_calls and not STAGES["prod"].trace_aws_calls


# -- access logs ------------------------------------------------------------------------------

def test_both_apis_write_access_logs_with_the_request_id(synth):
    rest = synth.resources["RestAPI"]["Properties"]["AccessLogSetting"]
    websocket = synth.resources["WebsocketAPIStage"]["Properties"]["AccessLogSettings"]
    for setting in (rest, websocket):
        assert render(setting["DestinationArn"]).endswith(".Arn}")
        # The same id as the functions' `request_id` log key: one search finds both.
        assert json.loads(setting["Format"])["requestId"] == "$context.requestId"


# -- the dashboard ----------------------------------------------------------------------------

def test_the_dashboard_shows_the_handover_latency_p50_and_p99(synth):
    widget = _widget(_dashboard_widgets(synth), "Handover latency")
    assert ("Handover", observability.HANDOVER_LATENCY, "p50") in _metrics_of(widget)
    assert ("Handover", observability.HANDOVER_LATENCY, "p99") in _metrics_of(widget)


def test_the_dashboard_shows_waiting_dialogs_and_the_oldest_wait(synth):
    names = {name for _, name, _ in _metrics_of(_widget(_dashboard_widgets(synth), "Waiting dialogs"))}
    assert names == {observability.WAITING_DIALOGS, observability.OLDEST_WAIT}


def test_the_dashboard_shows_dead_letters_gone_connections_and_unacknowledged_alerts(synth):
    widgets = _dashboard_widgets(synth)
    dead = _metrics_of(_widget(widgets, "Dead letters"))
    assert ("Handover", "WebhookDeadLetters", "Sum") in dead
    assert any(namespace == "AWS/SQS" for namespace, _, _ in dead)  # the stream trigger's failure queue
    assert ("Handover", observability.PUSHES_GONE, "Sum") in _metrics_of(_widget(widgets, "Gone connections"))
    alerts_widget = _widget(widgets, "Unacknowledged alerts")
    alerts = {name for _, name, _ in _metrics_of(alerts_widget)}
    assert alerts == {observability.UNACKNOWLEDGED_ALERTS, observability.DIALOGS_WAITING_TOO_LONG}
    # +1 raised / -1 acknowledged: only the Sum means "not acknowledged".
    assert ("Handover", observability.UNACKNOWLEDGED_ALERTS, "Sum") in _metrics_of(alerts_widget)
    # Per operator, on the right axis: a SEARCH over the metric's `operator` dimension.
    searches = [m[0]["expression"] for m in alerts_widget["properties"]["metrics"]
                if isinstance(m, list) and isinstance(m[0], dict) and "expression" in m[0]]
    assert searches == ["SEARCH('{Handover,service,operator} MetricName=\"UnacknowledgedAlerts\"', 'Sum', 300)"]


def test_an_alarm_watches_alerts_not_acknowledged_over_two_windows(synth):
    alarms = {render(a["Properties"]["AlarmName"]): a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()}
    alarm = next(props for name, props in alarms.items() if name.endswith("-unacknowledged-alerts"))
    assert alarm["MetricName"] == observability.UNACKNOWLEDGED_ALERTS and alarm["Namespace"] == "Handover"
    assert alarm["Statistic"] == "Sum" and alarm["Period"] == 900
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "handover"}]  # the total series
    assert alarm["EvaluationPeriods"] == 2 and alarm["Threshold"] >= 1
    assert alarm["TreatMissingData"] == "notBreaching"


def test_what_ops_watch_comes_first_on_the_dashboard(synth):
    titles = [w["properties"].get("title", "") for w in _dashboard_widgets(synth) if w["type"] == "metric"]
    assert titles[0].startswith("Handover latency")
    assert all(w["width"] <= 24 for w in _dashboard_widgets(synth))


# -- who gets the alarms ----------------------------------------------------------------------

def test_the_alarm_topic_has_the_deploys_email_subscriber_and_an_output_to_its_console_page(synth, synth_prod):
    for stack in (synth, synth_prod):
        # The alarms' topic (the other one is the escalation ladder's supervisors' topic).
        (topic_id,) = [name for name in stack.of_type("AWS::SNS::Topic") if name.startswith("MonitoringAlarms")]
        subscriptions = list(stack.of_type("AWS::SNS::Subscription").values())
        assert [(s["Properties"]["Protocol"], s["Properties"]["Endpoint"], s["Properties"]["TopicArn"])
                for s in subscriptions] == [("email", ALARM_EMAIL, {"Ref": topic_id})]
        output = render(stack.template["Outputs"]["AlarmSubscriptions"]["Value"])
        assert "console.aws.amazon.com/sns/" in output and output.endswith("#/topic/{" + topic_id + "}")


def _synth_fails(tmp_path, **settings: str) -> str:
    env = synth_env(tmp_path / "cdk.out")
    env.pop("ALARM_EMAIL")
    env.update(settings)
    result = subprocess.run([sys.executable, str(REPO / "infra" / "app.py")], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    return result.stderr


@pytest.mark.parametrize("stages", ["prod", "dev,prod"])
def test_prod_without_someone_for_the_alarms_is_refused_with_what_to_do(tmp_path, stages):
    # Refused before anything is built: no Chalice package, no template.
    message = _synth_fails(tmp_path, STAGE=stages)
    assert "ALARM_EMAIL=ops@example.com" in message and "ALARM_EMAIL=console" in message
    assert "Who gets the alarms" in message
    assert not (tmp_path / "cdk.out" / "handover-prod.template.json").exists()


def test_an_alarm_email_that_is_not_an_address_is_refused(tmp_path):
    assert "an e-mail address" in _synth_fails(tmp_path, STAGE="prod", ALARM_EMAIL="ops-team")


@pytest.mark.parametrize(("alarm_email", "subscribed"), [("console", []), ("oncall@example.com", ["oncall@example.com"]),
                                                        (None, [])])
def test_alarm_email_console_leaves_the_subscription_to_the_sns_console(alarm_email, subscribed):
    """In-process, on the Monitoring construct alone (no Chalice package): `console` and a
    stage without an address create no subscription; an address is subscribed by e-mail."""
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from infra.monitoring import Monitoring

    app = cdk.App()
    stack = cdk.Stack(app, "t", env=cdk.Environment(region="eu-west-1"))
    functions = SimpleNamespace(functions={}, failure_queues={}, has_websockets=False, rest_api_name="t-api",
                                websocket_api_id=None)
    Monitoring(stack, "Monitoring", stage=STAGES["prod"], functions=functions, tables=SimpleNamespace(tables={}),
               alarm_email=alarm_email)
    found = Template.from_stack(stack).find_resources("AWS::SNS::Subscription")
    assert [r["Properties"]["Endpoint"] for r in found.values()] == subscribed
