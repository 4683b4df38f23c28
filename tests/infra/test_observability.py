"""chalicelib/observability.py: JSON metrics in Lambda, recorded ones elsewhere, and no
Powertools import until something is logged or counted (cold start)."""

from __future__ import annotations

import json
import subprocess
import sys

from chalicelib import observability


def test_outside_lambda_metrics_are_recorded_not_printed(monkeypatch, capsys):
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    observability.reset_recorded()
    observability.count(observability.REMINDERS_SENT, 3)
    observability.gauge(observability.WAITING_DIALOGS, 7)
    assert [(m.name, m.value) for m in observability.recorded()] == [("RemindersSent", 3.0), ("WaitingDialogs", 7.0)]
    assert observability.recorded("WaitingDialogs")[0].value == 7.0
    assert capsys.readouterr().out == ""
    observability.reset_recorded()
    assert observability.recorded() == []


def test_in_lambda_a_metric_is_one_emf_line_in_the_handover_namespace(monkeypatch, capsys):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "handover-dev-APIHandler")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "handover")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Handover")
    observability.count(observability.REMINDERS_SENT, 2)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == 1
    emf = json.loads(lines[0])
    directive = emf["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "Handover"
    assert directive["Metrics"] == [{"Name": "RemindersSent", "Unit": "Count"}]
    assert emf["service"] == "handover"
    assert emf["RemindersSent"] in (2, 2.0, [2.0])


def test_importing_the_module_does_not_import_powertools():
    code = (
        "import sys; import chalicelib.observability; "
        "print(any(m.startswith('aws_lambda_powertools') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_in_lambda_the_logger_writes_one_json_object_per_line(monkeypatch, capsys):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "handover-dev-APIHandler")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "handover")
    monkeypatch.setattr(observability, "_logger", None)
    try:
        observability.logger().info("dialog started", extra={"lead_id": "ld_1"})
    finally:
        monkeypatch.setattr(observability, "_logger", None)
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["message"] == "dialog started"
    assert line["level"] == "INFO" and line["service"] == "handover" and line["lead_id"] == "ld_1"


def test_in_lambda_a_per_operator_count_is_one_emf_line_with_a_total_and_a_per_operator_series(monkeypatch, capsys):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "handover-dev-APIHandler")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "handover")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Handover")
    observability.alert_acknowledged("alice")
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == 1
    emf = json.loads(lines[0])
    directive = emf["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "Handover"
    assert directive["Dimensions"] == [["service"], ["service", "operator"]]
    assert directive["Metrics"] == [{"Name": "UnacknowledgedAlerts", "Unit": "Count"}]
    assert (emf["service"], emf["operator"], emf["UnacknowledgedAlerts"]) == ("handover", "alice", -1)
