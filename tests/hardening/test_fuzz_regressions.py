"""What Schemathesis found (tests/hardening/test_schemathesis.py), each kept as a test on moto.

1. A percent-encoded lead_ref (`tg%3A1`, what many HTTP clients send for `tg:1`) was refused
   with 422: API Gateway passes path parameters undecoded.
2. A JSON `null` or `false` body on PUT lead / handoff was taken for "no body" (200) although
   the documents say the body is an object.
3. `?after=` / `?limit=` (empty) were taken for absent, although the document says integer.
4. The documents said less than the server: content types, blank file names and tags, a bot's
   name required on create only, upload ids, the dead letters' page size, 404/422 answers.
"""

from __future__ import annotations

import json
import re

import pytest

from chalicelib.api.openapi_bot import bot_openapi
from chalicelib.api.openapi_operator import operator_openapi
from chalicelib.api.schemas import NON_BLANK
from chalicelib.domain.files import CONTENT_TYPE_RE
from chalicelib.webhooks.dead_letters import MAX_PAGE as DEAD_LETTER_PAGE
from tests.api.conftest import ADMIN


def _body(response):
    return json.loads(response.body)


# --- 1. lead_ref in the path --------------------------------------------------------------

def test_a_percent_encoded_lead_ref_names_the_same_lead(client, bot):
    created = client.http.put("/bot/v1/leads/tg%3A77", headers=bot.auth, body=json.dumps({"name": "Anna"}))
    assert created.status_code == 201, created.body
    assert _body(created)["lead_ref"] == "tg:77"
    plain = client.http.get("/bot/v1/leads/tg:77", headers=bot.auth)
    assert plain.status_code == 200 and _body(plain)["id"] == _body(created)["id"]
    message = client.http.post("/bot/v1/leads/tg%3a77/messages", headers=bot.auth,
                               body=json.dumps({"id": "m1", "from": "lead", "text": "hi"}))
    assert message.status_code == 201, message.body
    handoff = client.http.post("/bot/v1/leads/tg%3A77/handoff", headers=bot.auth, body="")
    assert handoff.status_code == 200 and _body(handoff)["dialog"]["state"] == "waiting"


@pytest.mark.parametrize("ref", ["tg%2F1", "tg%251", "%FF%FE", "a%00b", "%20"])
def test_an_encoded_character_outside_the_lead_ref_alphabet_is_still_refused(client, bot, ref):
    answer = client.http.get(f"/bot/v1/leads/{ref}", headers=bot.auth)
    assert answer.status_code == 422 and _body(answer)["error"]["code"] == "validation_failed"


# --- 2. optional bodies that are not objects -------------------------------------------------

@pytest.mark.parametrize("raw", ["null", "false", "0", "[]", "\"x\""])
@pytest.mark.parametrize("route", ["PUT /bot/v1/leads/tg:5", "POST /bot/v1/leads/tg:5/handoff"])
def test_an_optional_body_that_is_not_an_object_is_a_422(client, bot, route, raw):
    client.http.put("/bot/v1/leads/tg:5", headers=bot.auth, body="{}")
    method, path = route.split(" ")
    answer = getattr(client.http, method.lower())(path, headers=bot.auth, body=raw)
    assert answer.status_code == 422, (route, raw, answer.body)
    assert set(_body(answer)) == {"error"}
    lead = _body(client.http.get("/bot/v1/leads/tg:5", headers=bot.auth))
    assert lead["dialog"]["state"] == "bot"  # the refused handoff changed nothing


def test_no_body_is_still_fine_where_the_body_is_optional(client, bot):
    assert client.http.put("/bot/v1/leads/tg:6", headers=bot.auth, body="").status_code == 201
    assert client.http.post("/bot/v1/leads/tg:6/handoff", headers=bot.auth, body="").status_code == 200


# --- 3. empty integer parameters -------------------------------------------------------------

@pytest.mark.parametrize("query", ["after=", "before=", "limit=", "limit=&after=1"])
def test_an_empty_integer_parameter_is_a_422(api, leads, query):
    lead = leads.make(waiting=True)
    answer = api.get(f"/api/dialogs/{lead}/messages?{query}")
    assert answer.status == 422 and answer.body["error"]["code"] == "validation_failed"
    assert api.get(f"/api/dialogs/{lead}?limit=").status == 422
    assert api.get(f"/api/dialogs/{lead}/messages?after=0").status == 200


def test_an_empty_dead_letter_page_size_is_a_422(api):
    answer = api.get("/api/admin/webhooks/dead-letters?limit=", as_=ADMIN)
    assert answer.status == 422 and answer.body["error"]["code"] == "validation_failed"
    assert api.get("/api/admin/webhooks/dead-letters?limit=5", as_=ADMIN).status == 200


# --- 4. the documents say what the server does -----------------------------------------------

def _schemas(doc):
    return doc["components"]["schemas"]


@pytest.mark.parametrize("value", ["image/png", "IMAGE/PNG", "application/vnd.ms-excel", "a/b", "",
                                   "image", "image/", "/png", "text/plain; charset=utf-8", "0/0qB7oo"])
def test_the_documented_content_type_pattern_is_the_servers(value):
    for doc in (bot_openapi(), operator_openapi()):
        pattern = _schemas(doc)["UploadInput"]["properties"]["content_type"]["pattern"]
        assert bool(re.search(pattern, value)) == bool(CONTENT_TYPE_RE.match(value.lower())), value


def test_the_operator_document_matches_the_server_where_schemathesis_saw_it_differ():
    doc = operator_openapi()
    schemas, paths = _schemas(doc), doc["paths"]
    assert schemas["BotCreateInput"]["required"] == ["name"] and "required" not in schemas["BotInput"]
    assert paths["/api/admin/bots"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"] \
        .endswith("/BotCreateInput")
    assert paths["/api/admin/bots/{bot_id}"]["patch"]["requestBody"]["content"]["application/json"]["schema"][
        "$ref"].endswith("/BotInput")
    attachment = schemas["MessageInput"]["properties"]["attachments"]["items"]["$ref"].rsplit("/", 1)[1]
    upload_id = schemas[attachment]["properties"]["upload_id"]
    assert re.search(upload_id["pattern"], "up_" + "a" * 24) and not re.search(upload_id["pattern"], "nope")
    # Blank tags are refused: the pattern spells out str.isspace()'s characters (see test_contract.py).
    tag = schemas["LeadEdit"]["properties"]["tags"]["items"]["pattern"]
    assert tag == NON_BLANK and not re.search(tag, " \t\u00a0") and re.search(tag, " x ")
    dead_letters = paths["/api/admin/webhooks/dead-letters"]["get"]
    limit = next(p for p in dead_letters["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == DEAD_LETTER_PAGE and "422" in dead_letters["responses"]
    assert "422" in paths["/api/dialogs/{lead_id}"]["get"]["responses"]
    assert "404" in paths["/api/dialogs/{lead_id}/messages"]["get"]["responses"]


def test_a_blank_file_name_or_tag_is_refused_as_documented(client, bot):
    blank_name = client.http.post("/bot/v1/uploads", headers=bot.auth,
                                  body=json.dumps({"filename": "   ", "content_type": "text/plain", "size": 3}))
    assert blank_name.status_code == 422
    assert not re.search(_schemas(bot_openapi())["UploadInput"]["properties"]["filename"]["pattern"], "   ")
    blank_tag = client.http.put("/bot/v1/leads/tg:9", headers=bot.auth, body=json.dumps({"tags": ["  "]}))
    assert blank_tag.status_code == 422


def test_an_empty_avatar_url_clears_it_as_documented(client, bot):
    pattern = _schemas(bot_openapi())["LeadInput"]["properties"]["avatar_url"]["pattern"]
    assert re.search(pattern, "") and re.search(pattern, "https://x.example/a.png") and not re.search(pattern, "x")
    client.http.put("/bot/v1/leads/tg:8", headers=bot.auth, body=json.dumps({"avatar_url": "https://x.example/a"}))
    cleared = client.http.put("/bot/v1/leads/tg:8", headers=bot.auth, body=json.dumps({"avatar_url": ""}))
    assert cleared.status_code == 200 and not _body(cleared).get("avatar_url")


# --- 5. found by `make fuzz` at depth ----------------------------------------------------------

@pytest.mark.parametrize("number", [1.1087579800466996e-162, 1e126, -1e130, 10**40 + 1, -(10**39) - 1])
def test_a_number_dynamodb_cannot_store_is_a_422_not_a_500(client, bot, api, leads, number):
    answer = client.http.put("/bot/v1/leads/tg:n", headers=bot.auth, body=json.dumps({"attributes": {"x": number}}))
    assert answer.status_code == 422, answer.body
    assert "attributes.x" in _body(answer)["error"]["details"]["fields"]
    lead = leads.make("tg:m")
    assert api.patch(f"/api/dialogs/{lead}/lead", {"variables": {"x": number}}).status == 422


@pytest.mark.parametrize("raw", ["\r", " ", "\n\t "])
def test_a_whitespace_body_is_malformed_json(client, bot, raw):
    client.http.put("/bot/v1/leads/tg:w", headers=bot.auth, body="")
    for method, path in (("put", "/bot/v1/leads/tg:w"), ("post", "/bot/v1/leads/tg:w/handoff")):
        answer = getattr(client.http, method)(path, headers=bot.auth, body=raw)
        assert answer.status_code == 400 and _body(answer)["error"]["code"] == "malformed_json", (path, raw)


def test_the_storable_number_limits_are_dynamodbs(real_dynamodb):
    """On DynamoDB Local: what the check lets through is stored, and what it refuses DynamoDB
    itself refuses (so the check is neither too tight nor needless)."""
    from botocore.exceptions import ClientError

    from chalicelib.api.bodies import check_lead_changes
    from chalicelib.domain.credentials import parse_api_key
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.storage.models import LeadModel
    from tests.conftest import make_bot

    services = real_dynamodb
    key = parse_api_key(make_bot(services).api_key)
    edge = {"big": 9.99e125, "small": 1e-130, "digits": int("9" * 38), "zero": 0, "negative": -1.5e-100}
    lead, _ = services.dialogs.upsert_lead(key, "tg:edge", check_lead_changes({"attributes": edge}))
    stored = LeadModel.get(lead.id).attributes.as_dict()
    assert {k: float(v) for k, v in stored.items() if k in edge} == {k: float(v) for k, v in edge.items()}
    import boto3

    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=services.settings.dynamodb_endpoint)
    for number in ("1e126", "1e-131", "1" * 39):
        with pytest.raises(ClientError):
            client.put_item(TableName=LeadModel.Meta.table_name, Item={"id": {"S": "probe"}, "n": {"N": number}})
        with pytest.raises(ValidationFailed):
            check_lead_changes({"attributes": {"n": float(number) if "e" in number else int(number)}})
