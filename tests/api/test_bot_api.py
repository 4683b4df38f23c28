"""Bot API v1 through Chalice's test client on moto: behaviour, errors and DynamoDB budgets."""

from __future__ import annotations

import json

import pytest

from chalicelib.domain.ids import lead_id
from chalicelib.storage.models import LeadModel, MessageModel, MessageRefModel


def put_lead(client, bot, ref="tg:1", body=None):
    return client.http.put(f"/bot/v1/leads/{ref}", headers=bot.auth, body=json.dumps(body or {}))


def post_message(client, bot, ref="tg:1", **body):
    body.setdefault("from", "lead")
    return client.http.post(f"/bot/v1/leads/{ref}/messages", headers=bot.auth, body=json.dumps(body))


def error_of(response):
    body = json.loads(response.body)
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"])
    return body["error"]


def stored_messages(bot, ref="tg:1"):
    return list(MessageModel.query(lead_id(bot.id, ref)))


# --- leads ---------------------------------------------------------------------------------

def test_put_creates_then_updates_the_lead(client, bot):
    created = put_lead(client, bot, body={
        "name": "Anna", "channel": "support", "messenger": "telegram", "language": "en", "status": "new",
        "avatar_url": "https://example.com/a.png", "tags": ["vip", "vip", "new"],
        "attributes": {"sys_phone": "+15551234567", "sys_email": "anna@example.com", "plan": "pro", "age": 31},
    })
    assert created.status_code == 201
    lead = json.loads(created.body)
    assert lead["lead_ref"] == "tg:1" and lead["bot"] == bot.id
    assert lead["id"] == lead_id(bot.id, "tg:1")
    assert lead["tags"] == ["vip", "new"]
    assert lead["phone"] == "+15551234567" and lead["email"] == "anna@example.com"  # R2
    assert lead["attributes"]["age"] == 31
    assert lead["dialog"] == {"state": "bot", "operators": []}
    assert lead["created_at"].endswith("Z") and lead["last_activity_at"] == lead["created_at"]

    updated = put_lead(client, bot, body={"status": "hot", "attributes": {"plan": None, "city": "Riga"}})
    assert updated.status_code == 200
    lead = json.loads(updated.body)
    assert lead["status"] == "hot" and lead["name"] == "Anna"  # absent fields stay
    assert "plan" not in lead["attributes"] and lead["attributes"]["city"] == "Riga"
    assert lead["attributes"]["sys_phone"] == "+15551234567"

    fetched = client.http.get("/bot/v1/leads/tg:1", headers=bot.auth)
    assert fetched.status_code == 200 and json.loads(fetched.body) == lead


def test_get_unknown_lead_is_404(client, bot):
    response = client.http.get("/bot/v1/leads/nobody", headers=bot.auth)
    assert response.status_code == 404
    assert error_of(response)["code"] == "lead_not_found"


def test_a_bot_never_sees_another_bots_lead(client, bot, other_bot):
    assert put_lead(client, bot, "shared-ref", {"name": "Mine"}).status_code == 201
    response = client.http.get("/bot/v1/leads/shared-ref", headers=other_bot.auth)
    assert response.status_code == 404
    # The same lead_ref names a different lead for the other bot.
    theirs = put_lead(client, other_bot, "shared-ref", {"name": "Theirs"})
    assert theirs.status_code == 201
    assert json.loads(theirs.body)["id"] != lead_id(bot.id, "shared-ref")
    mine = json.loads(client.http.get("/bot/v1/leads/shared-ref", headers=bot.auth).body)
    assert mine["name"] == "Mine"


# --- auth ----------------------------------------------------------------------------------

@pytest.mark.parametrize("header", [None, "Basic abc", "Bearer ", "Bearer not-a-key", "Bearer hbk.bot_x.short"])
def test_missing_or_malformed_key_is_401(client, bot, header):
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["Authorization"] = header
    response = client.http.put("/bot/v1/leads/tg:1", headers=headers, body="{}")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert LeadModel.count(lead_id(bot.id, "tg:1")) == 0


def test_wrong_secret_unknown_bot_and_disabled_bot_are_401(client, bot, services):
    good = bot.api_key
    prefix, bot_id, secret = good.split(".")
    wrong_secret = f"{prefix}.{bot_id}.{'x' * len(secret)}"
    unknown_bot = f"{prefix}.bot_nobody.{secret}"
    for key in (wrong_secret, unknown_bot):
        response = client.http.get("/bot/v1/leads/tg:1", headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 401, key
    services.bots.update(bot.id, {"enabled": False})
    assert put_lead(client, bot).status_code == 401
    services.bots.update(bot.id, {"enabled": True})
    assert put_lead(client, bot).status_code == 201


def test_a_rotated_key_stops_working_at_once(client, bot, services):
    assert put_lead(client, bot).status_code == 201
    _, secrets = services.bots.rotate_key(bot.id)
    assert client.http.get("/bot/v1/leads/tg:1", headers=bot.auth).status_code == 401
    fresh = {"Authorization": f"Bearer {secrets.api_key}"}
    assert client.http.get("/bot/v1/leads/tg:1", headers=fresh).status_code == 200


# --- messages ------------------------------------------------------------------------------

def test_post_message_stores_it_with_the_next_seq(client, bot):
    put_lead(client, bot)
    first = post_message(client, bot, id="m-1", text="Hello")
    assert first.status_code == 201
    body = json.loads(first.body)
    assert body["seq"] == 1 and body["from"] == "lead" and body["text"] == "Hello" and body["id"] == "m-1"
    assert body["attachments"] == [] and body["dialog"] == {"state": "bot", "operators": []}
    second = post_message(client, bot, id="m-2", text="Bot says hi", **{"from": "bot"},
                          sent_at="2026-11-25T10:00:00+02:00")
    assert json.loads(second.body)["seq"] == 2
    assert json.loads(second.body)["sent_at"] == "2026-11-25T08:00:00.000Z"
    lead = json.loads(client.http.get("/bot/v1/leads/tg:1", headers=bot.auth).body)
    assert lead["last_activity_at"] == body["created_at"] or lead["last_activity_at"] > body["created_at"]
    stored = LeadModel.get(lead_id(bot.id, "tg:1"))
    assert stored.seq == 2 and stored.unread == 1  # only the lead's message is unread
    assert stored.last_message.text == "Bot says hi"


def test_posting_the_same_id_again_stores_nothing_new(client, bot):
    put_lead(client, bot)
    first = post_message(client, bot, id="m-1", text="Hello")
    again = post_message(client, bot, id="m-1", text="Hello")
    assert again.status_code == 200
    assert json.loads(again.body)["seq"] == json.loads(first.body)["seq"]
    assert len(stored_messages(bot)) == 1
    assert LeadModel.get(lead_id(bot.id, "tg:1")).seq == 1


def test_the_same_id_with_another_body_is_409(client, bot):
    put_lead(client, bot)
    post_message(client, bot, id="m-1", text="Hello")
    response = post_message(client, bot, id="m-1", text="Something else")
    assert response.status_code == 409
    assert error_of(response)["code"] == "idempotency_conflict"
    assert [m.text for m in stored_messages(bot)] == ["Hello"]


def test_message_to_an_unknown_lead_is_404(client, bot):
    response = post_message(client, bot, "ghost", id="m-1", text="hi")
    assert response.status_code == 404 and error_of(response)["code"] == "lead_not_found"
    assert MessageRefModel.count(lead_id(bot.id, "ghost")) == 0


# --- handoff -------------------------------------------------------------------------------

def test_handoff_moves_bot_to_waiting_and_is_idempotent(client, bot):
    put_lead(client, bot)
    url = "/bot/v1/leads/tg:1/handoff"
    first = client.http.post(url, headers=bot.auth, body=json.dumps({"reason": "asked for a human"}))
    assert first.status_code == 200
    assert json.loads(first.body) == {"dialog": {"state": "waiting", "operators": []}}
    again = client.http.post(url, headers=bot.auth)
    assert again.status_code == 200 and json.loads(again.body)["dialog"]["state"] == "waiting"
    stored = LeadModel.get(lead_id(bot.id, "tg:1"))
    assert stored.waiting_key is not None and stored.waiting_since is not None
    notes = [m for m in stored_messages(bot) if m.sender == "system"]
    assert [m.event for m in notes] == ["dialog.waiting"]  # the second handoff wrote nothing
    assert "asked for a human" in notes[0].text


def test_handoff_of_a_dialog_with_an_operator_changes_nothing(client, bot, services):
    put_lead(client, bot)
    services.dialogs.start(lead_id(bot.id, "tg:1"), "alice")
    response = client.http.post("/bot/v1/leads/tg:1/handoff", headers=bot.auth, body="{}")
    assert json.loads(response.body)["dialog"] == {"state": "operator", "operators": ["alice"]}


# --- the bot does not talk over the operator -----------------------------------------------

def test_the_bots_own_message_is_409_while_an_operator_is_in_the_dialog(client, bot, services):
    put_lead(client, bot)
    services.dialogs.start(lead_id(bot.id, "tg:1"), "alice")
    before = len(stored_messages(bot))
    refused = post_message(client, bot, id="b-1", text="Let me help!", **{"from": "bot"})
    assert refused.status_code == 409
    error = error_of(refused)
    assert error["code"] == "dialog_with_operator" and error["details"]["state"] == "operator"
    assert len(stored_messages(bot)) == before  # nothing stored, no seq used
    # The lead's messages still go to the operator.
    assert post_message(client, bot, id="l-1", text="Hello?").status_code == 201
    # A retry of the refused id is refused again, not stored: ids are remembered only on success.
    assert post_message(client, bot, id="b-1", text="Let me help!", **{"from": "bot"}).status_code == 409


def test_the_bot_speaks_again_when_the_dialog_returns_and_while_it_waits(client, bot, services):
    put_lead(client, bot)
    client.http.post("/bot/v1/leads/tg:1/handoff", headers=bot.auth, body="{}")
    # Waiting: no operator to talk over; the bot may keep the lead company.
    assert post_message(client, bot, id="b-1", text="Still looking for someone", **{"from": "bot"}).status_code == 201
    services.dialogs.start(lead_id(bot.id, "tg:1"), "alice")
    assert post_message(client, bot, id="b-2", text="Me too", **{"from": "bot"}).status_code == 409
    services.dialogs.resolve(lead_id(bot.id, "tg:1"), "alice")
    assert post_message(client, bot, id="b-2", text="Me too", **{"from": "bot"}).status_code == 201


def test_an_admin_may_allow_the_bots_messages_with_an_operator(client, bot, services):
    put_lead(client, bot)
    services.dialogs.start(lead_id(bot.id, "tg:1"), "alice")
    services.bots.update(bot.id, {"bot_messages_with_operator": True})
    assert services.bots.get(bot.id).bot_messages_with_operator is True
    assert post_message(client, bot, id="b-1", text="Copilot note", **{"from": "bot"}).status_code == 201


def test_an_operator_joining_between_the_read_and_the_write_refuses_the_bots_message(client, bot, services,
                                                                                   monkeypatch):
    """The check is made on the state read; the write is conditioned on that read, so a join
    that lands in between makes the write fail, the service read again, and refuse."""
    from chalicelib.storage.dialogs import DialogStore

    put_lead(client, bot)
    real_load = DialogStore.load
    joined = []

    def load_then_join(self, **kwargs):
        loaded = real_load(self, **kwargs)
        if not joined:
            joined.append(True)
            services.dialogs.start(lead_id(bot.id, "tg:1"), "alice")
        return loaded

    monkeypatch.setattr(DialogStore, "load", load_then_join)
    before = len(stored_messages(bot))
    response = post_message(client, bot, id="b-1", text="Racing", **{"from": "bot"})
    assert response.status_code == 409 and error_of(response)["code"] == "dialog_with_operator"
    # Stored after the read: only what the join wrote (its note and the transfer script).
    added = stored_messages(bot)[before:]
    assert added and "Racing" not in [m.text for m in added]
    assert [m.sender for m in added] == ["system", "bot"] and added[1].text.startswith("An operator joined")


# --- bad input: a clear error and nothing stored --------------------------------------------

BAD_LEAD_BODIES = [
    ({"name": 5}, "name"),
    ({"tags": "vip"}, "tags"),
    ({"tags": ["x" * 65]}, "tags[0]"),
    ({"tags": [f"t{i}" for i in range(51)]}, "tags"),
    ({"attributes": []}, "attributes"),
    ({"attributes": {"k": {"nested": 1}}}, "attributes.k"),
    ({"attributes": {"k": "v" * 2001}}, "attributes.k"),
    ({"attributes": {"k" * 65: 1}}, "attributes." + "k" * 64),
    ({"attributes": {f"k{i}": i for i in range(201)}}, "attributes"),
    ({"avatar_url": "javascript:alert(1)"}, "avatar_url"),
    ({"unexpected": 1}, "unexpected"),
]


@pytest.mark.parametrize("body,field", BAD_LEAD_BODIES)
def test_invalid_lead_fields_are_422_naming_the_field(client, bot, body, field):
    response = put_lead(client, bot, body=body)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_failed"
    assert field in error["details"]["fields"]
    assert client.http.get("/bot/v1/leads/tg:1", headers=bot.auth).status_code == 404


def test_attribute_limit_counts_the_merged_result(client, bot):
    put_lead(client, bot, body={"attributes": {f"a{i}": i for i in range(150)}})
    response = put_lead(client, bot, body={"attributes": {f"b{i}": i for i in range(60)}})
    assert response.status_code == 422
    assert len(LeadModel.get(lead_id(bot.id, "tg:1")).attributes.as_dict()) == 150


def test_a_lead_past_the_item_limit_is_422_lead_too_large_and_stores_nothing(client, bot):
    # 200 attributes of 2,000 characters are within the field limits, but not within
    # DynamoDB's 400 KB item: the second PUT was a 500 (ValidationException).
    first = {f"a{i:03d}": "x" * 2000 for i in range(100)}
    assert put_lead(client, bot, body={"attributes": first}).status_code == 201
    response = put_lead(client, bot, body={"attributes": {f"b{i:03d}": "y" * 2000 for i in range(100)}})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "lead_too_large"
    assert error["details"]["limit_bytes"] == 300 * 1024 and "300 KB" in error["message"]
    stored = json.loads(client.http.get("/bot/v1/leads/tg:1", headers=bot.auth).body)
    assert stored["attributes"] == first


def test_attribute_keys_that_look_like_document_paths_update_like_any_other(client, bot):
    # Keys may hold any printable character; "[", "]" and "." once reached PynamoDB's
    # document-path parser on update and answered 500.
    keys = {"a[0]": "list-like", "x]y": "bracket", "[": "lone", "p.q": "dotted", "#n": "hash", ":v": "colon"}
    assert put_lead(client, bot, body={"attributes": {"plan": "pro"}}).status_code == 201
    updated = put_lead(client, bot, body={"attributes": {**keys, "plan": None}})
    assert updated.status_code == 200
    assert json.loads(updated.body)["attributes"] == keys
    assert LeadModel.get(lead_id(bot.id, "tg:1")).attributes.as_dict() == keys
    removed = put_lead(client, bot, body={"attributes": {"a[0]": None, "p.q": None}})
    assert json.loads(removed.body)["attributes"] == {"x]y": "bracket", "[": "lone", "#n": "hash", ":v": "colon"}


@pytest.mark.parametrize("ref", ["bad ref", "x" * 129, "slash%2Fref", "emoji-😀"])
def test_invalid_lead_ref_is_422(client, bot, ref):
    response = client.http.put(f"/bot/v1/leads/{ref}", headers=bot.auth, body="{}")
    # Chalice routes every one of these to the handler (API Gateway may 404 some first), so
    # the check itself must answer: accepting a 404 here let the test pass without it.
    assert response.status_code == 422
    assert "lead_ref" in error_of(response)["details"]["fields"]


def test_malformed_json_is_400_and_stores_nothing(client, bot):
    response = client.http.put("/bot/v1/leads/tg:1", headers=bot.auth, body='{"name": "Anna"')
    assert response.status_code == 400 and error_of(response)["code"] == "malformed_json"
    put_lead(client, bot)
    response = client.http.post("/bot/v1/leads/tg:1/messages", headers=bot.auth, body="{id:")
    assert response.status_code == 400
    assert stored_messages(bot) == []


def test_a_body_that_is_not_json_is_415(client, bot):
    headers = {**bot.auth, "Content-Type": "text/plain"}
    response = client.http.put("/bot/v1/leads/tg:1", headers=headers, body='{"name": "Anna"}')
    assert response.status_code == 415 and error_of(response)["code"] == "unsupported_media_type"
    assert client.http.get("/bot/v1/leads/tg:1", headers=bot.auth).status_code == 404


def test_a_body_over_256_kb_is_413(client, bot):
    put_lead(client, bot)
    big = json.dumps({"id": "m-1", "from": "lead", "text": "x" * (300 * 1024)})
    response = client.http.post("/bot/v1/leads/tg:1/messages", headers=bot.auth, body=big)
    assert response.status_code == 413 and error_of(response)["code"] == "body_too_large"
    assert stored_messages(bot) == []


BAD_MESSAGES = [
    ({"from": "lead", "text": "no id"}, "id"),
    ({"id": "has space", "from": "lead", "text": "x"}, "id"),
    ({"id": "m", "from": "operator", "text": "x"}, "from"),
    ({"id": "m", "from": "lead"}, "text"),
    ({"id": "m", "from": "lead", "text": "   "}, "text"),
    ({"id": "m", "from": "lead", "text": "x" * 10_001}, "text"),
    ({"id": "m", "from": "lead", "text": 7}, "text"),
    ({"id": "m", "from": "lead", "attachments": [{"upload_id": "nope"}]}, "attachments[0].upload_id"),
    ({"id": "m", "from": "lead", "attachments": [{"upload_id": f"up_{'a' * 24}"}] * 11}, "attachments"),
    ({"id": "m", "from": "lead", "text": "x", "sent_at": "yesterday"}, "sent_at"),
    ({"id": "m", "from": "lead", "text": "x", "sent_at": "2026-11-25T10:00:00"}, "sent_at"),
]


@pytest.mark.parametrize("body,field", BAD_MESSAGES)
def test_invalid_messages_are_422_and_store_nothing(client, bot, body, field):
    put_lead(client, bot)
    response = client.http.post("/bot/v1/leads/tg:1/messages", headers=bot.auth, body=json.dumps(body))
    assert response.status_code == 422
    assert field in error_of(response)["details"]["fields"]
    assert stored_messages(bot) == []
    assert LeadModel.get(lead_id(bot.id, "tg:1")).seq == 0


def test_a_handoff_reason_that_is_not_text_is_422(client, bot):
    put_lead(client, bot)
    response = client.http.post("/bot/v1/leads/tg:1/handoff", headers=bot.auth, body=json.dumps({"reason": 5}))
    assert response.status_code == 422
    assert LeadModel.get(lead_id(bot.id, "tg:1")).dialog_state == "bot"


# --- DynamoDB request budgets (issue 2) ----------------------------------------------------

def test_request_budgets(client, bot, aws):
    aws.clear()
    put_lead(client, bot, body={"name": "Anna"})
    assert len(aws.dynamodb()) <= 2, aws.dynamodb()
    aws.clear()
    put_lead(client, bot, body={"status": "hot"})
    assert len(aws.dynamodb()) <= 2, aws.dynamodb()
    aws.clear()
    # The same lead again (a bot that PUTs it with every message): read, nothing written.
    again = put_lead(client, bot, body={"name": "Anna", "status": "hot", "tags": [], "attributes": {"gone": None}})
    assert again.status_code == 200 and aws.dynamodb() == ["BatchGetItem"]
    assert LeadModel.get(lead_id(bot.id, "tg:1")).lead_version == 1  # created, then one edit (status)
    aws.clear()
    post_message(client, bot, id="m-1", text="hi")
    assert len(aws.dynamodb()) <= 2, aws.dynamodb()
    aws.clear()
    post_message(client, bot, id="m-1", text="hi")
    assert len(aws.dynamodb()) <= 3, aws.dynamodb()
    aws.clear()
    client.http.post("/bot/v1/leads/tg:1/handoff", headers=bot.auth, body="{}")
    assert len(aws.dynamodb()) <= 2, aws.dynamodb()
    aws.clear()
    client.http.get("/bot/v1/leads/tg:1", headers=bot.auth)
    assert aws.dynamodb() == ["BatchGetItem"]
