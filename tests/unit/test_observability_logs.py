"""Logs and the handover latency (chalicelib/observability.py, handlers.observe): in Lambda
every `handover.*` logger writes one JSON line with the invocation's ids and its level, at the
level the environment asks; elsewhere the lines stay plain text. A bot's request carries the
moment it arrived to the first live push, which records HandoverLatency once."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from types import SimpleNamespace
from typing import Any

import pytest
from chalice.app import Chalice, Request

from chalicelib import handlers, observability


@pytest.fixture
def clean_logging(monkeypatch):
    for name in ("AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_LOG_LEVEL", "POWERTOOLS_LOG_LEVEL", "LOG_LEVEL",
                 observability.TRACE_AWS_CALLS):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "handover")
    observability.reset_logging()
    observability.reset_recorded()
    yield
    observability.reset_logging()
    observability.reset_recorded()


@pytest.fixture
def in_lambda(monkeypatch, clean_logging):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "handover-dev-APIHandler")


def _context(request_id: str = "fn-req-1") -> Any:
    return SimpleNamespace(aws_request_id=request_id, function_name="handover-dev-APIHandler",
                           get_remaining_time_in_millis=lambda: 20_000)


def _request(resource: str, params: dict[str, str], *, arrived_ms: int | None = None,
             request_id: str = "apigw-req-1") -> Request:
    request_context: dict[str, Any] = {"resourcePath": resource, "httpMethod": "POST", "requestId": request_id}
    if arrived_ms is not None:
        request_context["requestTimeEpoch"] = arrived_ms
    return Request({"multiValueQueryStringParameters": None, "headers": {}, "pathParameters": params,
                    "requestContext": request_context, "body": None, "stageVariables": None}, _context())


def _json_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_in_lambda_a_handover_log_line_is_json_with_the_request_lead_and_dialog_ids(in_lambda, capsys):
    request = _request("/api/dialogs/{lead_id}/start", {"lead_id": "ld_42"})

    def route(event: Request) -> str:
        logging.getLogger("handover.webhooks").info("dialog %s started", "ld_42")
        return "done"

    assert handlers.observe(request, route) == "done"
    line, = _json_lines(capsys.readouterr().out)
    assert line["level"] == "INFO" and line["message"] == "dialog ld_42 started"
    assert line["service"] == "handover" and line["name"] == "handover.webhooks"
    assert line["request_id"] == "apigw-req-1"  # API Gateway's: the access log's requestId
    assert line["function_request_id"] == "fn-req-1"
    assert line["lead_id"] == "ld_42" and line["dialog_id"] == "ld_42"
    assert line["route"] == "/api/dialogs/{lead_id}/start"

    # After the invocation its ids are gone from the lines.
    logging.getLogger("handover.live").warning("between invocations")
    after, = _json_lines(capsys.readouterr().out)
    assert after["level"] == "WARNING"
    assert "request_id" not in after and "lead_id" not in after


def test_ids_bound_during_the_invocation_reach_later_lines_and_the_first_invocation_is_the_cold_start(
        in_lambda, capsys, monkeypatch):
    monkeypatch.setattr(observability, "_cold", True)  # as in a fresh container
    def route(event: Request) -> None:
        logging.getLogger("handover.api").info("before the lead is known")
        observability.bind(lead_id="ld_7", dialog_id="ld_7")
        logging.getLogger("handover.live").error("after")

    handlers.observe(_request("/bot/v1/leads/{lead_ref}/handoff", {"lead_ref": "tg:1"}), route)
    handlers.observe(_request("/bot/v1/leads/{lead_ref}/handoff", {"lead_ref": "tg:1"}, request_id="r2"), route)
    first, second, third, fourth = _json_lines(capsys.readouterr().out)
    assert first["lead_ref"] == "tg:1" and "lead_id" not in first
    assert second["level"] == "ERROR" and second["lead_id"] == "ld_7" and second["dialog_id"] == "ld_7"
    assert "lead_id" not in third and third["request_id"] == "r2"
    assert first["cold_start"] is True and third.get("cold_start", False) is False
    assert fourth["lead_id"] == "ld_7"


def test_a_websocket_invocation_logs_its_connection_and_request_id(in_lambda, capsys):
    event = SimpleNamespace(context=_context("fn-ws"), to_dict=lambda: {
        "requestContext": {"connectionId": "conn-1", "requestId": "ws-req-1", "routeKey": "$default"}})
    handlers.observe(event, lambda e: logging.getLogger("handover.live").info("frame"))
    line, = _json_lines(capsys.readouterr().out)
    assert (line["connection_id"], line["request_id"], line["function_request_id"]) == ("conn-1", "ws-req-1", "fn-ws")


def test_a_schedule_has_lambdas_request_id(in_lambda, capsys):
    event = SimpleNamespace(context=_context("fn-tick"), to_dict=lambda: {"source": "aws.events"})
    handlers.observe(event, lambda e: logging.getLogger("handover.notifications").info("tick"))
    line, = _json_lines(capsys.readouterr().out)
    assert line["request_id"] == "fn-tick" and "connection_id" not in line


@pytest.mark.parametrize("variable", ["POWERTOOLS_LOG_LEVEL", "LOG_LEVEL"])
def test_in_lambda_the_level_comes_from_the_environment(in_lambda, monkeypatch, capsys, variable):
    monkeypatch.setenv(variable, "WARNING")
    log = logging.getLogger("handover.webhooks")
    handlers.observe(_request("/api/me", {}), lambda e: (log.info("quiet"), log.warning("loud")))
    assert [line["message"] for line in _json_lines(capsys.readouterr().out)] == ["loud"]


def test_lambdas_application_log_level_wins(in_lambda, monkeypatch, capsys):
    # What ops set in the console (Lambda > Configuration > Logging): Powertools follows it.
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "ERROR")
    log = logging.getLogger("handover.api")
    with pytest.warns(UserWarning):  # Powertools says that the two levels differ
        monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "INFO")
        handlers.observe(_request("/api/me", {}), lambda e: (log.warning("dropped"), log.error("kept")))
    assert [line["message"] for line in _json_lines(capsys.readouterr().out)] == ["kept"]


def test_chalices_own_plain_text_handler_does_not_print_a_second_line(in_lambda, capsys):
    # Chalice(app_name="handover") gives the `handover` logger a stdout handler at ERROR.
    Chalice(app_name="handover")
    handlers.observe(_request("/api/me", {}), lambda e: logging.getLogger("handover.api").error("once"))
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 1 and json.loads(out)["message"] == "once"


def test_outside_lambda_logs_stay_plain_text_at_warning_unless_log_level_says(clean_logging, monkeypatch, caplog):
    log = logging.getLogger("handover.webhooks")
    with caplog.at_level(logging.DEBUG, logger="root"):
        handlers.observe(_request("/api/me", {}), lambda e: (log.info("hidden"), log.warning("shown")))
    assert [r.getMessage() for r in caplog.records if r.name.startswith("handover")] == ["shown"]
    assert "shown" in caplog.text and "{" not in caplog.text  # not JSON

    observability.reset_logging()
    caplog.clear()
    monkeypatch.setenv("LOG_LEVEL", "INFO")
    with caplog.at_level(logging.DEBUG, logger="root"):
        handlers.observe(_request("/api/me", {}), lambda e: log.info("now shown"))
    assert [r.getMessage() for r in caplog.records if r.name.startswith("handover")] == ["now shown"]


def test_aws_calls_are_traced_only_where_the_stage_asks(in_lambda, monkeypatch):
    import aws_lambda_powertools

    started: list[dict[str, Any]] = []
    monkeypatch.setattr(aws_lambda_powertools, "Tracer", lambda **kwargs: started.append(kwargs))
    monkeypatch.setattr(observability, "_tracing_started", False)
    observability.configure()
    assert started == []
    observability.reset_logging()
    monkeypatch.setenv(observability.TRACE_AWS_CALLS, "true")
    observability.configure()
    assert started == [{"service": "handover", "patch_modules": ("botocore",)}]
    monkeypatch.setattr(observability, "_tracing_started", False)


def test_an_invocation_that_logs_nothing_imports_no_powertools_and_the_first_line_loads_it_with_the_ids():
    # Powertools' Logger costs a cold start tens of ms (bench/cold_start.py, first invocation).
    code = (
        "import json, logging, os, sys\n"
        "os.environ['AWS_LAMBDA_FUNCTION_NAME'] = 'f'\n"
        "from chalicelib import observability\n"
        "loaded = lambda: any(m.startswith('aws_lambda_powertools') for m in sys.modules)\n"
        "with observability.invocation({'request_id': 'r1'}):\n"
        "    logging.getLogger('handover.api').debug('below the level')\n"
        "print(json.dumps({'after_quiet_invocation': loaded()}))\n"
        "with observability.invocation({'request_id': 'r2'}):\n"
        "    observability.bind(lead_id='ld_1')\n"
        "    logging.getLogger('handover.api').info('the first line')\n"
        "    logging.getLogger('handover.live').info('the second line')\n"
        "print(json.dumps({'after_a_line': loaded()}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    lines = _json_lines(out)
    assert lines[0] == {"after_quiet_invocation": False}
    first, second = lines[1], lines[2]
    assert (first["message"], first["request_id"], first["lead_id"]) == ("the first line", "r2", "ld_1")
    assert (second["message"], second["request_id"], second["lead_id"]) == ("the second line", "r2", "ld_1")
    assert lines[3] == {"after_a_line": True}
    assert len(lines) == 4  # each record once


def test_the_first_invocation_without_tracing_does_not_import_the_xray_sdk():
    # The X-Ray SDK costs a cold start several hundred ms (it builds botocore clients at import).
    code = (
        "import os, sys\n"
        "os.environ['AWS_LAMBDA_FUNCTION_NAME'] = 'f'\n"
        "from chalicelib import observability\n"
        "with observability.invocation({'request_id': 'r'}):\n"
        "    observability.logger().info('x')\n"
        "print(any(m.startswith('aws_xray_sdk') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False"


# -- the handover latency -------------------------------------------------------------------------

def test_a_bot_request_records_its_handover_latency_once_at_the_first_push(clean_logging):
    arrived = int(time.time() * 1000) - 250  # API Gateway received it 250 ms ago

    def route(event: Request) -> None:
        observability.handover_pushed()
        observability.handover_pushed()  # a second change of the same request

    handlers.observe(_request("/bot/v1/leads/{lead_ref}/handoff", {"lead_ref": "tg:1"}, arrived_ms=arrived), route)
    latency, = observability.recorded(observability.HANDOVER_LATENCY)
    assert latency.unit == "Milliseconds"
    assert 250 <= latency.value < 250 + 5_000


def test_operator_requests_and_pushes_outside_a_request_record_no_handover_latency(clean_logging):
    handlers.observe(_request("/api/dialogs/{lead_id}/messages", {"lead_id": "ld_1"}, arrived_ms=1),
                     lambda e: observability.handover_pushed())
    observability.handover_pushed()
    assert observability.recorded(observability.HANDOVER_LATENCY) == []


def test_in_lambda_the_handover_latency_is_an_emf_line_in_milliseconds(in_lambda, capsys):
    arrived = int(time.time() * 1000) - 40
    handlers.observe(_request("/bot/v1/leads/{lead_ref}/messages", {"lead_ref": "tg:1"}, arrived_ms=arrived),
                     lambda e: observability.handover_pushed())
    emf, = [line for line in _json_lines(capsys.readouterr().out) if "_aws" in line]
    directive = emf["_aws"]["CloudWatchMetrics"][0]
    assert directive["Metrics"] == [{"Name": "HandoverLatency", "Unit": "Milliseconds"}]
    value = emf["HandoverLatency"]
    assert 40 <= (value[0] if isinstance(value, list) else value) < 5_040


def test_the_app_registers_the_middleware_for_every_kind_of_function():
    import app

    assert (handlers.observe, "all") in app.app.middleware_handlers
