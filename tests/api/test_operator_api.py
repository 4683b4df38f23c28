"""The operator API through Chalice's test client on moto: tabs, counts, the dialog panel,
the actions, messages and uploads, with DynamoDB request budgets per call."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import boto3
import pytest

from tests.api.conftest import ADMIN, OPERATOR, SECOND_OPERATOR

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def lead_ids(response):
    return [item["lead_id"] for item in response.body["items"]]


# --- tabs and counts ----------------------------------------------------------------------

def test_tabs_page_newest_first_with_a_cursor(api, leads, aws):
    first = leads.make(waiting=True)
    second = leads.make(waiting=True)
    third = leads.make(waiting=True)
    bot_only = leads.make()

    aws.clear()
    page = api.get("/api/tabs/waiting?limit=2")
    assert page.status == 200
    assert aws.dynamodb() == ["Query"]  # one Query per page
    assert lead_ids(page) == [third, second]
    assert page.body["next_cursor"]
    rest = api.get(f"/api/tabs/waiting?limit=2&cursor={page.body['next_cursor']}")
    assert lead_ids(rest) == [first]
    assert rest.body["next_cursor"] is None

    every = api.get("/api/tabs/all")
    assert lead_ids(every) == [bot_only, third, second, first]
    summary = every.body["items"][1]
    assert summary["state"] == "waiting" and summary["operators"] == []
    assert summary["name"] == "Lead 5" and summary["unread"] == 1
    assert summary["last_message"]["text"] == "hello" and summary["last_message"]["from"] == "lead"
    assert summary["bot_id"] == leads.key.bot_id
    assert api.get("/api/tabs/mine").body == {"items": [], "next_cursor": None}


def test_mine_tab_and_counts(api, leads, aws):
    a = leads.make(waiting=True)
    b = leads.make(waiting=True)
    leads.make()
    assert api.get("/api/counts").body == {"waiting": 2, "mine": 0, "all": 3}

    assert api.post(f"/api/dialogs/{a}/start").status == 200
    assert api.post(f"/api/dialogs/{b}/start", as_=SECOND_OPERATOR).status == 200
    aws.clear()
    mine = api.get("/api/tabs/mine")
    assert aws.dynamodb() == ["Query"]
    assert lead_ids(mine) == [a]
    item = mine.body["items"][0]
    assert item["state"] == "operator" and item["operators"] == [OPERATOR]

    aws.clear()
    assert api.get("/api/counts").body == {"waiting": 0, "mine": 1, "all": 3}
    assert aws.dynamodb() == ["BatchGetItem"]
    assert api.get("/api/counts", as_=SECOND_OPERATOR).body == {"waiting": 0, "mine": 1, "all": 3}

    # Joining a dialog someone is in: both have it on Mine.
    api.post(f"/api/dialogs/{b}/start")
    assert sorted(lead_ids(api.get("/api/tabs/mine"))) == sorted([a, b])
    assert api.get("/api/counts").body["mine"] == 2
    # The last operator leaves: back to Waiting.
    api.post(f"/api/dialogs/{a}/leave")
    assert api.get("/api/counts").body == {"waiting": 1, "mine": 1, "all": 3}
    assert lead_ids(api.get("/api/tabs/waiting")) == [a]
    # Resolve: off everyone's Mine.
    api.post(f"/api/dialogs/{b}/resolve", as_=SECOND_OPERATOR)
    assert api.get("/api/counts").body == {"waiting": 1, "mine": 0, "all": 3}
    assert api.get("/api/counts", as_=SECOND_OPERATOR).body["mine"] == 0


def test_tab_errors(api, leads):
    assert api.get("/api/tabs/closed").status == 422
    assert api.get("/api/tabs/all?limit=0").status == 422
    assert api.get("/api/tabs/all?limit=abc").status == 422
    for cursor in ("%%%", "bm90IGpzb24", "eyJzIjogWzFdfQ", "eyJrIjp7fX0"):
        response = api.get(f"/api/tabs/all?cursor={cursor}")
        assert response.status == 422, cursor
        assert response.body["error"]["code"] == "validation_failed"
    # Another operator's Mine cursor does not read my partition with their key.
    leads.make(waiting=True)
    leads.make(waiting=True)
    for lead in api.get("/api/tabs/waiting").body["items"]:
        api.post(f"/api/dialogs/{lead['lead_id']}/start", as_=SECOND_OPERATOR)
    theirs = api.get("/api/tabs/mine?limit=1", as_=SECOND_OPERATOR).body["next_cursor"]
    assert theirs
    assert api.get(f"/api/tabs/mine?cursor={theirs}").status == 422


def test_sharded_tabs_merge_every_shard(leads):
    """With HANDOVER_TAB_SHARDS=3 the All tab is spread over three partitions; pages merge them."""
    from chalicelib.storage.dialogs import DialogStore
    from chalicelib.storage.models import LeadModel
    from chalicelib.storage.tab_pages import TabReader

    made = [leads.make() for _ in range(7)]
    store = DialogStore(3)
    for n, lead_id in enumerate(made):
        LeadModel(lead_id).update([LeadModel.all_key.set(store.all_key(lead_id)),
                                   LeadModel.last_activity_at.set(f"2026-01-01T00:00:0{n}.000Z")])
    assert len({LeadModel.get(lead_id).all_key for lead_id in made}) > 1
    reader = TabReader(3)
    seen, cursor, pages = [], None, 0
    while True:
        page = reader.page("all", OPERATOR, 3, cursor)
        seen += [item["lead_id"] for item in page.items]
        cursor, pages = page.next_cursor, pages + 1
        if cursor is None:
            break
    assert seen == list(reversed(made))
    assert pages in (3, 4)


# --- the dialog panel -------------------------------------------------------------------------

def test_open_dialog_shows_the_lead_and_the_newest_messages(api, leads, aws):
    lead_id = leads.make("tg:anna", name="Anna", messenger="telegram", channel="support", language="en",
                         status="new", tags=["vip"],
                         attributes={"sys_phone": "+15551234567", "sys_email": "anna@example.com", "plan": "pro"})
    for n in range(4):
        leads.say("tg:anna", f"message {n}")
    aws.clear()
    response = api.get(f"/api/dialogs/{lead_id}?limit=3")
    assert response.status == 200
    assert sorted(aws.dynamodb()) == ["GetItem", "Query"]  # open a dialog: at most 2
    lead = response.body["lead"]
    assert lead["id"] == lead_id and lead["bot"] == leads.key.bot_id and lead["lead_ref"] == "tg:anna"
    assert (lead["name"], lead["messenger"], lead["channel"], lead["language"], lead["status"]) == (
        "Anna", "telegram", "support", "en", "new")
    assert lead["phone"] == "+15551234567" and lead["email"] == "anna@example.com"  # R2
    assert lead["attributes"]["plan"] == "pro" and lead["tags"] == ["vip"]
    assert lead["dialog"] == {"state": "bot", "operators": []} and lead["unread"] == 5
    assert lead["created_at"] and lead["last_activity_at"]
    messages = response.body["messages"]
    assert [m["text"] for m in messages["items"]] == ["message 3", "message 2", "message 1"]
    assert messages["next_cursor"] == "3"

    aws.clear()
    older = api.get(f"/api/dialogs/{lead_id}/messages?before=3&limit=3")
    assert aws.dynamodb() == ["Query"]  # a message page: one Query
    assert [m["seq"] for m in older.body["items"]] == [2, 1]
    assert older.body["next_cursor"] is None
    after = api.get(f"/api/dialogs/{lead_id}/messages?after=2&limit=2")
    assert [m["seq"] for m in after.body["items"]] == [3, 4]
    assert after.body["next_cursor"] == "4"
    assert [m["seq"] for m in api.get(f"/api/dialogs/{lead_id}/messages?after=4").body["items"]] == [5]

    assert api.get(f"/api/dialogs/{lead_id}/messages?after=1&before=3").status == 422
    assert api.get("/api/dialogs/ld_aaaaaaaaaaaaaaaaaaaaaaaaaa").status == 404
    assert api.get("/api/dialogs/../etc").status in (403, 404)
    assert api.get("/api/dialogs/nonsense").body["error"]["code"] == "lead_not_found"


def test_edit_the_lead(api, leads, aws):
    lead_id = leads.make(attributes={"plan": "pro", "old": "x"})
    aws.clear()
    response = api.patch(f"/api/dialogs/{lead_id}/lead", {
        "name": "Anna K", "status": "hot", "tags": ["vip"], "phone": "+100", "email": "a@example.com",
        "variables": {"plan": "enterprise", "old": None, "city": "Riga"},
    })
    assert response.status == 200
    lead = response.body
    assert lead["name"] == "Anna K" and lead["status"] == "hot" and lead["tags"] == ["vip"]
    assert lead["phone"] == "+100" and lead["attributes"]["sys_phone"] == "+100"
    assert lead["email"] == "a@example.com" and lead["attributes"]["sys_email"] == "a@example.com"
    assert lead["attributes"]["plan"] == "enterprise" and lead["attributes"]["city"] == "Riga"
    assert "old" not in lead["attributes"]
    assert len(aws.dynamodb()) <= 2
    again = api.get(f"/api/dialogs/{lead_id}").body["lead"]
    assert again["attributes"] == lead["attributes"] and again["name"] == "Anna K"

    bad = api.patch(f"/api/dialogs/{lead_id}/lead", {"email": "not an email", "colour": "red"})
    assert bad.status == 422
    assert set(bad.body["error"]["details"]["fields"]) == {"email", "colour"}
    assert api.patch("/api/dialogs/ld_aaaaaaaaaaaaaaaaaaaaaaaaaa/lead", {"name": "x"}).status == 404


# --- the actions -------------------------------------------------------------------------------

def test_start_leave_resolve_with_budgets_and_scripts(api, leads, aws):
    lead_id = leads.make("tg:s", waiting=True, attributes={"plan": "gold"})
    aws.clear()
    started = api.post(f"/api/dialogs/{lead_id}/start")
    assert started.status == 200
    assert len(aws.dynamodb()) <= 3
    assert started.body["lead"]["dialog"] == {"state": "operator", "operators": [OPERATOR]}
    texts = [(m["from"], m.get("system_script"), m["text"])
             for m in api.get(f"/api/dialogs/{lead_id}").body["messages"]["items"]]
    assert ("bot", "operator_transfer", "An operator joined. Your plan: gold.") in texts
    assert any(sender == "system" and text == f"{OPERATOR} joined the dialog" for sender, _, text in texts)

    # A double click changes nothing and runs no script again.
    api.post(f"/api/dialogs/{lead_id}/start")
    items = api.get(f"/api/dialogs/{lead_id}").body["messages"]["items"]
    assert sum(1 for m in items if m.get("system_script") == "operator_transfer") == 1

    aws.clear()
    joined = api.post(f"/api/dialogs/{lead_id}/start", as_=SECOND_OPERATOR)
    assert len(aws.dynamodb()) <= 3
    assert joined.body["lead"]["dialog"]["operators"] == [OPERATOR, SECOND_OPERATOR]

    aws.clear()
    left = api.post(f"/api/dialogs/{lead_id}/leave", as_=SECOND_OPERATOR)
    assert len(aws.dynamodb()) <= 3
    assert left.body["lead"]["dialog"] == {"state": "operator", "operators": [OPERATOR]}

    aws.clear()
    resolved = api.post(f"/api/dialogs/{lead_id}/resolve")
    assert len(aws.dynamodb()) <= 3
    assert resolved.body["lead"]["dialog"] == {"state": "bot", "operators": []}
    items = api.get(f"/api/dialogs/{lead_id}").body["messages"]["items"]
    assert items[0]["system_script"] == "return" and items[0]["from"] == "bot"

    refused = api.post(f"/api/dialogs/{lead_id}/resolve")
    assert refused.status == 409
    assert refused.body["error"]["code"] == "invalid_transition"
    assert refused.body["error"]["details"]["state"] == "bot"
    # Leaving a dialog in state bot only drops it from view.
    assert api.post(f"/api/dialogs/{lead_id}/leave").status == 200
    assert api.post("/api/dialogs/ld_aaaaaaaaaaaaaaaaaaaaaaaaaa/start").status == 404


def test_leave_by_a_non_participant_is_409(api, leads):
    lead_id = leads.make(waiting=True)
    api.post(f"/api/dialogs/{lead_id}/start")
    response = api.post(f"/api/dialogs/{lead_id}/leave", as_=SECOND_OPERATOR)
    assert response.status == 409
    assert response.body["error"]["details"] == {"state": "operator", "operators": [OPERATOR]}


def test_operator_messages(api, leads, aws):
    lead_id = leads.make(waiting=True)
    body = {"client_id": "c-1", "text": "Hello, I am Alice"}
    refused = api.post(f"/api/dialogs/{lead_id}/messages", body)
    assert refused.status == 403 and refused.body["error"]["code"] == "not_participant"

    api.post(f"/api/dialogs/{lead_id}/start")
    aws.clear()
    sent = api.post(f"/api/dialogs/{lead_id}/messages", body)
    assert sent.status == 201
    assert len(aws.dynamodb()) <= 2  # an operator message: at most 2 before pushes
    message = sent.body
    assert message["from"] == "operator" and message["operator"] == OPERATOR
    assert message["text"] == "Hello, I am Alice" and message["delivery"] == "sent"

    repeated = api.post(f"/api/dialogs/{lead_id}/messages", body)
    assert repeated.status == 200 and repeated.body["seq"] == message["seq"]
    conflict = api.post(f"/api/dialogs/{lead_id}/messages", {"client_id": "c-1", "text": "other"})
    assert conflict.status == 409 and conflict.body["error"]["code"] == "idempotency_conflict"

    lead = api.get(f"/api/dialogs/{lead_id}").body["lead"]
    assert lead["unread"] == 0  # the operator answered

    for bad in ({"text": "no client id"}, {"client_id": "c-2"}, {"client_id": "c 3", "text": "x"},
                {"client_id": "c-4", "text": "x", "extra": 1}):
        assert api.post(f"/api/dialogs/{lead_id}/messages", bad).status == 422, bad


def test_mark_read(api, leads, aws):
    lead_id = leads.make(waiting=True)
    assert api.get("/api/tabs/waiting").body["items"][0]["unread"] == 1
    aws.clear()
    response = api.post(f"/api/dialogs/{lead_id}/read")
    assert sorted(aws.dynamodb()) == ["GetItem", "TransactWriteItems"]
    assert response.status == 200 and response.body["lead"]["unread"] == 0
    assert api.get("/api/tabs/waiting").body["items"][0]["unread"] == 0


# --- attachments -------------------------------------------------------------------------------

def _upload(api, filename, content_type, data):
    response = api.post("/api/uploads", {"filename": filename, "content_type": content_type, "size": len(data)})
    assert response.status == 201
    upload = response.body
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket="test-attachments", Key=upload["fields"]["key"], Body=data, ContentType=content_type)
    return upload["upload_id"]


def test_operator_attachments(api, leads):
    lead_id = leads.make(waiting=True)
    api.post(f"/api/dialogs/{lead_id}/start")
    picture = _upload(api, "photo.png", "image/png", PNG)
    document = _upload(api, "report.pdf", "application/pdf", b"%PDF-1.4\n" + b"x" * 100)
    sent = api.post(f"/api/dialogs/{lead_id}/messages", {
        "client_id": "att-1", "attachments": [{"upload_id": picture}, {"upload_id": document}]})
    assert sent.status == 201, sent.body
    first, second = sent.body["attachments"]
    assert first["name"] == "photo.png" and first["preview"] is True and first["size"] == len(PNG)
    assert second["name"] == "report.pdf" and second["preview"] is False
    for attachment in (first, second):
        assert "X-Amz-Signature=" in attachment["url"] and "X-Amz-Expires=" in attachment["url"]
    # The link pins what S3 serves: the checked picture inline as itself, anything else as bytes to save.
    picture_link = parse_qs(urlparse(first["url"]).query)
    assert picture_link["response-content-type"] == ["image/png"]
    assert picture_link["response-content-disposition"][0].startswith("inline;")
    document_link = parse_qs(urlparse(second["url"]).query)
    assert document_link["response-content-type"] == ["application/octet-stream"]
    assert document_link["response-content-disposition"][0].startswith("attachment;")
    shown = api.get(f"/api/dialogs/{lead_id}").body["messages"]["items"][0]
    assert [a["upload_id"] for a in shown["attachments"]] == [picture, document]
    assert all(a["url"] for a in shown["attachments"])

    # An upload is used once, and only by its owner.
    again = api.post(f"/api/dialogs/{lead_id}/messages", {"client_id": "att-2", "attachments": [{"upload_id": picture}]})
    assert again.status == 422
    api.post(f"/api/dialogs/{lead_id}/start", as_=SECOND_OPERATOR)
    theirs = _upload(api, "x.png", "image/png", PNG)
    stolen = api.post(f"/api/dialogs/{lead_id}/messages",
                      {"client_id": "att-3", "attachments": [{"upload_id": theirs}]}, as_=SECOND_OPERATOR)
    assert stolen.status == 422
    # Announced as a PNG but it is not one.
    fake = _upload(api, "fake.png", "image/png", b"GIF89a" + b"\x00" * 10)
    assert api.post(f"/api/dialogs/{lead_id}/messages",
                    {"client_id": "att-4", "attachments": [{"upload_id": fake}]}).status == 422
    assert api.post("/api/uploads", {"filename": "big.bin", "content_type": "application/octet-stream",
                                     "size": 30 * 1024 * 1024}).status == 413


# --- bots -------------------------------------------------------------------------------------

def test_bots_for_operators_and_admins(api, bot, aws):
    aws.clear()
    mine = api.get("/api/bots").body["items"]
    assert aws.dynamodb() == ["Query"]
    assert mine == [{"id": bot.id, "name": "Support bot", "enabled": True}]
    full = api.get("/api/bots", as_=ADMIN).body["items"][0]
    assert full["id"] == bot.id and full["scripts"]["return"] and full["api_key_hint"].startswith("…")
    assert "api_key_hash" not in full and "webhook_secret" not in full


def test_admin_manages_bots(api, client):
    created = api.post("/api/admin/bots", {"name": "Sales", "webhook_url": "https://example.com/hook",
                                           "scripts": {"return": ["Bye {{name}}"]}}, as_=ADMIN)
    assert created.status == 201
    bot_id = created.body["bot"]["id"]
    api_key, secret = created.body["api_key"], created.body["webhook_secret"]
    assert api_key.startswith(f"hbk.{bot_id}.") and secret.startswith("whsec_")
    assert created.body["bot"]["scripts"] == {"return": ["Bye {{name}}"], "operator_transfer": [], "unanswered": []}

    def bot_api_status(key):
        return client.http.get("/bot/v1/leads/x", headers={"Authorization": f"Bearer {key}"}).status_code

    assert bot_api_status(api_key) == 404  # the key works (no such lead)

    edited = api.patch(f"/api/admin/bots/{bot_id}", {"name": "Sales 2", "enabled": False,
                                                     "scripts": {"operator_transfer": ["Hi"]}}, as_=ADMIN)
    assert edited.status == 200
    assert edited.body["name"] == "Sales 2" and edited.body["enabled"] is False
    assert edited.body["allow_messages_with_operator"] is False  # the default: refused
    allowed = api.patch(f"/api/admin/bots/{bot_id}", {"allow_messages_with_operator": True}, as_=ADMIN)
    assert allowed.status == 200 and allowed.body["allow_messages_with_operator"] is True
    assert api.patch(f"/api/admin/bots/{bot_id}", {"allow_messages_with_operator": "yes"}, as_=ADMIN).status == 422
    assert edited.body["scripts"] == {"return": ["Bye {{name}}"], "operator_transfer": ["Hi"], "unanswered": []}
    assert bot_api_status(api_key) == 401  # a disabled bot's key does not work
    api.patch(f"/api/admin/bots/{bot_id}", {"enabled": True}, as_=ADMIN)

    rotated = api.post(f"/api/admin/bots/{bot_id}/rotate-key", as_=ADMIN)
    assert rotated.status == 200 and rotated.body["api_key"] != api_key
    assert bot_api_status(api_key) == 401 and bot_api_status(rotated.body["api_key"]) == 404
    new_secret = api.post(f"/api/admin/bots/{bot_id}/rotate-webhook-secret", as_=ADMIN)
    assert new_secret.status == 200 and new_secret.body["webhook_secret"] not in (secret, None)

    listed = api.get("/api/admin/bots", as_=ADMIN).body["items"]
    assert [b["name"] for b in listed] == ["Sales 2"]
    assert api.get(f"/api/admin/bots/{bot_id}", as_=ADMIN).body["name"] == "Sales 2"

    assert api.post("/api/admin/bots", {"name": ""}, as_=ADMIN).status == 422
    assert api.post("/api/admin/bots", {"name": "x", "webhook_url": "ftp://x"}, as_=ADMIN).status == 422
    assert api.patch("/api/admin/bots/bot_nosuchbot", {"name": "x"}, as_=ADMIN).status == 404
    assert api.post("/api/admin/bots", {"name": "Nope"}).status == 403


@pytest.mark.parametrize("path", ["/api/tabs/waiting", "/api/counts"])
def test_reads_never_scan(api, leads, aws, path):
    leads.make(waiting=True)
    aws.clear()
    assert api.get(path).status == 200
    assert "Scan" not in aws.dynamodb()
