"""Handover: the Chalice app. Thin on purpose: it creates the app, registers the API
Blueprints and declares what must live on the app itself (websocket handlers and the
scheduled function, which Chalice only wraps when they are declared here)."""

from chalice import Chalice

from chalicelib.api.auth_routes import auth_api
from chalicelib.api.bot_v1 import bot_api

app = Chalice(app_name="handover")
# `chalice package` refuses websocket handlers unless this flag is set.
app.experimental_feature_flags.update(["WEBSOCKETS"])

app.register_blueprint(bot_api)
app.register_blueprint(auth_api)
