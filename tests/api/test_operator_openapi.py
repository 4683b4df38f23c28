"""The operator API's OpenAPI document matches the app's routes, its examples match its
schemas, and real answers of the API validate against the documented schemas."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from app import app
from chalicelib.api.openapi_operator import operator_openapi
from tests.api.conftest import ADMIN, OPERATOR, PASSWORD
from tests.api.openapi_checks import conforms, examples, validator

METHODS = ("get", "put", "post", "patch", "delete")


def test_the_document_is_valid_openapi_3_1():
    validate(operator_openapi())


def test_every_api_route_is_documented_and_nothing_else():
    routes = {(path, method.lower()) for path, entries in app.routes.items() if path.startswith("/api/")
              for method in entries}
    documented = {(path, method) for path, item in operator_openapi()["paths"].items()
                  for method in item if method in METHODS}
    assert routes == documented


def _validator(schema):
    return validator(operator_openapi(), schema)


EXAMPLES = list(examples(operator_openapi()))


def test_there_are_examples_to_check():
    assert len(EXAMPLES) >= 30


@pytest.mark.parametrize("where,schema,example", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_examples_validate_against_their_schemas(where, schema, example):
    _validator(schema).validate(example)


def test_real_answers_match_the_document(api, leads):
    lead_id = leads.make(waiting=True, attributes={"sys_phone": "+1555", "age": 31}, tags=["vip"])
    checks = []

    def check(path, method, response):
        assert response.status < 300, (path, response.body)
        conforms(operator_openapi(), path, method, response.status, response.body)
        checks.append(path)

    login = api.post("/api/auth/login", {"username": OPERATOR, "password": PASSWORD}, as_=None)
    check("/api/auth/login", "post", login)
    refresh = login.body["refresh_token"]
    check("/api/me", "get", api.get("/api/me"))
    check("/api/ws-ticket", "post", api.post("/api/ws-ticket"))
    check("/api/tabs/{tab}", "get", api.get("/api/tabs/waiting"))
    check("/api/counts", "get", api.get("/api/counts"))
    check("/api/dialogs/{lead_id}/start", "post", api.post(f"/api/dialogs/{lead_id}/start"))
    check("/api/tabs/{tab}", "get", api.get("/api/tabs/mine"))
    check("/api/dialogs/{lead_id}/messages", "post",
          api.post(f"/api/dialogs/{lead_id}/messages", {"client_id": "c1", "text": "hi"}))
    check("/api/dialogs/{lead_id}", "get", api.get(f"/api/dialogs/{lead_id}"))
    check("/api/dialogs/{lead_id}/messages", "get", api.get(f"/api/dialogs/{lead_id}/messages?before=3"))
    check("/api/dialogs/{lead_id}/lead", "patch", api.patch(f"/api/dialogs/{lead_id}/lead", {"email": "a@b.c"}))
    check("/api/uploads", "post", api.post("/api/uploads", {"filename": "a.png", "content_type": "image/png",
                                                             "size": 10}))
    check("/api/bots", "get", api.get("/api/bots"))
    check("/api/bots", "get", api.get("/api/bots", as_=ADMIN))
    created = api.post("/api/admin/bots", {"name": "New"}, as_=ADMIN)
    check("/api/admin/bots", "post", created)
    bot_path = f"/api/admin/bots/{created.body['bot']['id']}"
    check("/api/admin/bots/{bot_id}", "patch", api.patch(bot_path, {"enabled": False}, as_=ADMIN))
    check("/api/admin/bots/{bot_id}/rotate-key", "post", api.post(bot_path + "/rotate-key", as_=ADMIN))
    check("/api/dialogs/{lead_id}/resolve", "post", api.post(f"/api/dialogs/{lead_id}/resolve"))
    check("/api/admin/bots", "get", api.get("/api/admin/bots", as_=ADMIN))
    check("/api/admin/bots/{bot_id}", "get", api.get(bot_path, as_=ADMIN))
    check("/api/admin/bots/{bot_id}/rotate-webhook-secret", "post",
          api.post(bot_path + "/rotate-webhook-secret", as_=ADMIN))
    check("/api/admin/webhooks/dead-letters", "get", api.get("/api/admin/webhooks/dead-letters", as_=ADMIN))
    check("/api/admin/webhooks/replay", "post", api.post("/api/admin/webhooks/replay", {}, as_=ADMIN))
    check("/api/auth/refresh", "post", api.post("/api/auth/refresh", {"refresh_token": refresh}, as_=None))
    assert len(checks) == 24


def test_an_undocumented_field_in_an_answer_is_caught():
    """The check above would see a view that says more than the document."""
    from tests.api.openapi_checks import undocumented

    lead = {**_lead_example(), "secret": 1}
    doc = operator_openapi()
    schema = doc["paths"]["/api/dialogs/{lead_id}/lead"]["patch"]["responses"]["200"]["content"][
        "application/json"]["schema"]
    assert undocumented(doc, schema, lead) == [".secret"]
    assert undocumented(doc, schema, {**_lead_example(), "dialog": {"state": "bot", "operators": [], "x": 1}}) == [
        ".dialog.x"]


def _lead_example():
    return operator_openapi()["components"]["schemas"]["Lead"]["example"]


def test_served_at_its_route(api):
    response = api.get("/api/openapi.json", as_=None)
    assert response.status == 200 and response.body["openapi"] == "3.1.0"
