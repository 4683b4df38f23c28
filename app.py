"""Handover: the Chalice app. Thin on purpose: it creates the app, registers the API
Blueprints and declares what must live on the app itself (websocket handlers, the
DynamoDB-stream function and the schedules, which Chalice only wraps when they are declared
here). Each body is one call into `chalicelib/handlers.py`."""

import os

from chalice import Chalice, Rate
from chalice.app import CloudWatchEvent, DynamoDBEvent, Response, SQSEvent, WebsocketEvent

from chalicelib import handlers
from chalicelib.api.admin import admin_api
from chalicelib.api.admin_operators import operators_api
from chalicelib.api.auth_routes import auth_api
from chalicelib.api.bot_authorizer import authorize
from chalicelib.api.bot_v1 import bot_api
from chalicelib.api.canned import canned_api
from chalicelib.api.deliveries import deliveries_api
from chalicelib.api.http import refuse_deep_json
from chalicelib.api.operator import operator_api
from chalicelib.api.presence import presence_api
from chalicelib.api.search import search_api

app = Chalice(app_name="handover")
# `chalice package` refuses websocket handlers unless this flag is set.
app.experimental_feature_flags.update(["WEBSOCKETS"])
# Every function: request, lead and dialog ids on each JSON log line; the handover latency's start.
app.register_middleware(handlers.observe, "all")

app.register_blueprint(bot_api)
app.register_blueprint(auth_api)
app.register_blueprint(operator_api)
app.register_blueprint(admin_api)
app.register_blueprint(deliveries_api)
app.register_blueprint(operators_api)
app.register_blueprint(presence_api)
app.register_blueprint(canned_api)
app.register_blueprint(search_api)
# JSON nested too deep is a 400 before any route runs, so before authentication (api/http.py).
app.register_middleware(refuse_deep_json, "http")


# The bot API's authorizer in AWS: names the bot's API Gateway key, so the per-bot usage plan
# throttles each bot across containers (docs/security.md, "Per-bot limits"; wired by infra/bot_limits.py).
@app.lambda_function(name="BotKeyAuthorizer")
def bot_key_authorizer(event: dict, context: object) -> dict:
    return authorize(event)


# Live events (docs/live-events.md).
@app.on_ws_connect()
def ws_connect(event: WebsocketEvent) -> Response | None:
    return handlers.ws_connect(event)


@app.on_ws_message()
def ws_message(event: WebsocketEvent) -> None:
    handlers.ws_message(event)


@app.on_ws_disconnect()
def ws_disconnect(event: WebsocketEvent) -> None:
    handlers.ws_disconnect(event)


# Webhooks to bots (docs/webhooks.md). Chalice needs the deliveries table's stream ARN when
# the app is imported (`chalice package`); infra/ replaces the placeholder in the template.
@app.on_dynamodb_record(stream_arn=os.environ.get("HANDOVER_DELIVERIES_STREAM_ARN", handlers.STREAM_ARN_PLACEHOLDER),
                        batch_size=100, starting_position="TRIM_HORIZON")
def deliver_webhooks(event: DynamoDBEvent) -> None:
    handlers.deliver_webhooks(event)


@app.schedule(Rate(1, unit=Rate.MINUTES))
def retry_webhooks(event: CloudWatchEvent) -> None:
    handlers.retry_webhooks(event)


# Retries due within seconds (1 s, 5 s, 30 s after a failure): an SQS queue of delayed
# wake-ups, one per waiting lead (docs/webhooks.md, "Fast retries").
@app.on_sqs_message(queue=os.environ.get("HANDOVER_WEBHOOK_WAKEUPS_QUEUE", handlers.WAKEUPS_QUEUE_DEFAULT),
                    batch_size=10)
def retry_webhooks_soon(event: SQSEvent) -> None:
    handlers.retry_webhooks_soon(event)


# Per minute: reminders to operators with a pending notification (R14) and the waiting-room
# escalation (docs/notifications.md).
@app.schedule(Rate(1, unit=Rate.MINUTES))
def send_reminders(event: CloudWatchEvent) -> None:
    handlers.send_reminders(event)


# Per minute: open connections and waiting dialogs, as gauges for the ops dashboard (docs/runbook.md).
@app.schedule(Rate(1, unit=Rate.MINUTES))
def report_levels(event: CloudWatchEvent) -> None:
    handlers.report_levels(event)


# Per minute: close the websockets of disabled, deleted or signed-out operators (docs/security.md).
@app.schedule(Rate(1, unit=Rate.MINUTES))
def close_revoked_connections(event: CloudWatchEvent) -> None:
    handlers.close_revoked_connections(event)
