"""Handover: the Chalice app. Thin on purpose: it creates the app, registers the API
Blueprints and declares what must live on the app itself (websocket handlers and the
scheduled function, which Chalice only wraps when they are declared here)."""

from chalice import Chalice
from chalice.app import Response, WebsocketEvent

from chalicelib.api.admin import admin_api
from chalicelib.api.auth_routes import auth_api
from chalicelib.api.bot_v1 import bot_api
from chalicelib.api.operator import operator_api
from chalicelib.live import handlers as live

app = Chalice(app_name="handover")
# `chalice package` refuses websocket handlers unless this flag is set.
app.experimental_feature_flags.update(["WEBSOCKETS"])

app.register_blueprint(bot_api)
app.register_blueprint(auth_api)
app.register_blueprint(operator_api)
app.register_blueprint(admin_api)


# Live events (docs/live-events.md): declared here because Chalice wraps websocket
# handlers only on the app, not on Blueprints.
@app.on_ws_connect()
def ws_connect(event: WebsocketEvent) -> Response | None:
    return live.on_connect(event)


@app.on_ws_message()
def ws_message(event: WebsocketEvent) -> None:
    return live.on_message(event)


@app.on_ws_disconnect()
def ws_disconnect(event: WebsocketEvent) -> None:
    return live.on_disconnect(event)
