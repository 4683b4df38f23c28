"""The cold-start baseline: the smallest Chalice app that imports boto3 (bench/cold_start.py)."""

import boto3  # noqa: F401 (what every Lambda of this kind imports)
from chalice import Chalice

app = Chalice(app_name="bare")


@app.route("/")
def index() -> dict:
    return {"hello": "world"}
