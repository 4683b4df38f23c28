"""Attachments through the bot API: presigned upload, the server's check of the real bytes,
and `preview` only for a checked PNG/JPEG/GIF under 2 MB (R12)."""

from __future__ import annotations

import json

import boto3
import pytest

from chalicelib.domain.ids import lead_id
from chalicelib.storage.models import MessageModel, UploadModel

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
GIF = b"GIF89a" + b"\x00" * 200
PDF = b"%PDF-1.7\n" + b"\x00" * 200


@pytest.fixture
def lead(client, bot):
    client.http.put("/bot/v1/leads/tg:1", headers=bot.auth, body="{}")
    return lead_id(bot.id, "tg:1")


def announce(client, bot, filename, content_type, size):
    return client.http.post("/bot/v1/uploads", headers=bot.auth,
                            body=json.dumps({"filename": filename, "content_type": content_type, "size": size}))


def upload(client, bot, filename, content_type, data, declared=None):
    response = announce(client, bot, filename, content_type, declared if declared is not None else len(data))
    assert response.status_code == 201, response.body
    body = json.loads(response.body)
    # moto does not enforce presigned POST policies, so the object is put directly;
    # the server's own check below is what stands between a lie and a preview.
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket="test-attachments", Key=body["fields"]["key"], Body=data)
    return body["upload_id"]


def send(client, bot, message_id, *upload_ids):
    return client.http.post("/bot/v1/leads/tg:1/messages", headers=bot.auth, body=json.dumps(
        {"id": message_id, "from": "lead", "attachments": [{"upload_id": u} for u in upload_ids]}))


def test_announce_answers_a_presigned_post_under_a_server_key(client, bot):
    response = announce(client, bot, "../../etc/passwd\x07.png", "image/png", 1234)
    assert response.status_code == 201
    body = json.loads(response.body)
    assert body["upload_id"].startswith("up_")
    assert body["fields"]["key"] == f"uploads/bot/{body['upload_id']}"
    assert body["fields"]["Content-Type"] == "image/png"
    assert "policy" in body["fields"] and body["expires_at"].endswith("Z")
    stored = UploadModel.get(body["upload_id"])
    assert stored.filename == "passwd.png" and stored.status == "pending"


@pytest.mark.parametrize("name,content_type,data,preview", [
    ("a.png", "image/png", PNG, True),
    ("b.jpg", "image/jpeg", JPEG, True),
    ("c.gif", "image/gif", GIF, True),
    ("d.pdf", "application/pdf", PDF, False),
    ("e.png", "application/octet-stream", PNG, False),  # a picture not announced as one: a link
])
def test_checked_files_are_attached_with_the_right_preview(client, bot, lead, name, content_type, data, preview):
    upload_id = upload(client, bot, name, content_type, data)
    response = send(client, bot, "m-1", upload_id)
    assert response.status_code == 201, response.body
    attachment = json.loads(response.body)["attachments"][0]
    assert attachment == {"upload_id": upload_id, "name": name, "content_type": content_type,
                          "size": len(data), "preview": preview}


def test_a_picture_of_2_mb_or_more_is_a_link(client, bot, lead):
    data = PNG + b"\x00" * (2 * 1024 * 1024)
    upload_id = upload(client, bot, "big.png", "image/png", data)
    attachment = json.loads(send(client, bot, "m-1", upload_id).body)["attachments"][0]
    assert attachment["preview"] is False and attachment["size"] == len(data)


@pytest.mark.parametrize("name,content_type,data,declared,reason", [
    ("evil.png", "image/png", b"<script>alert(1)</script>", None, "not a PNG"),
    ("size.png", "image/png", PNG, len(PNG) + 10, "were announced"),
])
def test_lying_uploads_are_refused_and_nothing_is_stored(client, bot, lead, name, content_type, data, declared, reason):
    upload_id = upload(client, bot, name, content_type, data, declared)
    response = send(client, bot, "m-1", upload_id)
    assert response.status_code == 422
    error = json.loads(response.body)["error"]
    assert error["code"] == "upload_rejected" and reason in error["message"]
    assert list(MessageModel.query(lead)) == []
    assert UploadModel.get(upload_id).status == "pending"


def test_an_upload_that_never_arrived_is_refused(client, bot, lead):
    upload_id = json.loads(announce(client, bot, "a.png", "image/png", 100).body)["upload_id"]
    response = send(client, bot, "m-1", upload_id)
    assert response.status_code == 422 and "nothing was uploaded" in response.body.decode()


def test_an_upload_is_used_once_and_only_by_its_owner(client, bot, other_bot, lead):
    upload_id = upload(client, bot, "a.png", "image/png", PNG)
    assert send(client, bot, "m-1", upload_id).status_code == 201
    again = send(client, bot, "m-2", upload_id)
    assert again.status_code == 422 and "already used" in again.body.decode()
    client.http.put("/bot/v1/leads/tg:1", headers=other_bot.auth, body="{}")
    foreign = client.http.post("/bot/v1/leads/tg:1/messages", headers=other_bot.auth, body=json.dumps(
        {"id": "m-9", "from": "lead", "attachments": [{"upload_id": upload_id}]}))
    assert foreign.status_code == 422 and "no such upload" in foreign.body.decode()


def test_over_20_mb_is_413(client, bot):
    response = announce(client, bot, "huge.bin", "application/octet-stream", 20 * 1024 * 1024 + 1)
    assert response.status_code == 413
    assert json.loads(response.body)["error"]["code"] == "upload_too_large"


@pytest.mark.parametrize("body,field", [
    ({"content_type": "image/png", "size": 1}, "filename"),
    ({"filename": "a", "content_type": "not a type", "size": 1}, "content_type"),
    ({"filename": "a", "content_type": "image/png", "size": 0}, "size"),
    ({"filename": "a", "content_type": "image/png", "size": "12"}, "size"),
    ({"filename": "a", "content_type": "image/png", "size": True}, "size"),
])
def test_invalid_announcements_are_422(client, bot, body, field):
    response = client.http.post("/bot/v1/uploads", headers=bot.auth, body=json.dumps(body))
    assert response.status_code == 422
    assert field in json.loads(response.body)["error"]["details"]["fields"]


def test_uploads_need_the_bot_key(client, bot):
    response = client.http.post("/bot/v1/uploads", headers={"Content-Type": "application/json"},
                                body=json.dumps({"filename": "a", "content_type": "image/png", "size": 1}))
    assert response.status_code == 401


def test_uploads_are_tagged_pending_until_a_message_uses_them(client, bot, lead):
    """Abandoned uploads expire by the bucket's lifecycle rule on the pending tag (infra)."""
    announced = json.loads(announce(client, bot, "a.png", "image/png", len(PNG)).body)
    assert "handover-upload" in announced["fields"]["tagging"] and "pending" in announced["fields"]["tagging"]
    s3 = boto3.client("s3", region_name="us-east-1")
    key = announced["fields"]["key"]
    s3.put_object(Bucket="test-attachments", Key=key, Body=PNG, Tagging="handover-upload=pending")
    assert send(client, bot, "m-1", announced["upload_id"]).status_code == 201
    tags = s3.get_object_tagging(Bucket="test-attachments", Key=key)["TagSet"]
    assert tags == [{"Key": "handover-upload", "Value": "used"}]
