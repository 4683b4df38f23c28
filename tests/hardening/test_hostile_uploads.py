"""Uploads that lie, beyond tests/api/test_bot_uploads.py: every one is refused, or kept as a
plain link (an `attachment` download, never `inline`) — never a preview.

moto does not enforce the presigned POST's policy (size range, type), so the objects are put
directly: what is tested is the server's own check of the real bytes (chalicelib/domain/files.py),
which is what stands between a lie and a preview in AWS too.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import pytest

from chalicelib.storage.models import MessageModel, UploadModel
from tests.api.test_bot_uploads import PNG, announce, lead, send, upload  # noqa: F401 (lead is a fixture)

MB = 1024 * 1024


def _attachment(client, bot, message_id: str, upload_id: str) -> dict:
    response = send(client, bot, message_id, upload_id)
    assert response.status_code == 201, response.body
    return json.loads(response.body)["attachments"][0]


def test_a_png_header_on_a_30_mb_file_announced_as_small_is_refused(client, bot, lead):  # noqa: F811
    body = PNG + b"\x00" * (30 * MB)
    upload_id = upload(client, bot, "huge.png", "image/png", body, declared=1024)
    refused = send(client, bot, "m-1", upload_id)
    assert refused.status_code == 422 and json.loads(refused.body)["error"]["code"] == "upload_rejected"
    assert list(MessageModel.query(lead)) == []
    assert UploadModel.get(upload_id).status == "pending"


def test_a_30_mb_file_cannot_even_be_announced(client, bot):
    response = announce(client, bot, "huge.png", "image/png", 30 * MB)
    assert response.status_code == 413
    assert json.loads(response.body)["error"]["code"] == "upload_too_large"


@pytest.mark.parametrize("name,content_type,data", [
    ("evil.png", "text/html", b"<html><script>alert(1)</script></html>"),
    ("evil.png", "application/octet-stream", b"<script>alert(1)</script>"),
    ("evil.svg", "image/svg+xml", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
    ("evil.gif", "application/javascript", b"GIF89a/*\x00*/=alert(1)//"),
    ("photo.jpg", "image/jpeg", b"\xff\xd8\xff" + b"<script>alert(1)</script>"),  # a polyglot
])
def test_a_script_under_a_picture_name_is_a_link_never_a_preview(client, bot, lead, name, content_type, data):  # noqa: F811
    upload_id = upload(client, bot, name, content_type, data)
    response = send(client, bot, "m-1", upload_id)
    if response.status_code == 422:  # refused: fine too
        return
    attachment = json.loads(response.body)["attachments"][0]
    if content_type == "image/jpeg":
        # The bytes start like a JPEG and it is announced as one: a small picture the browser
        # decodes as an image (an <img> never runs script), and it is served inline as such.
        assert attachment["preview"] is True
        return
    assert attachment["preview"] is False


def test_a_non_preview_file_downloads_as_an_attachment(api, leads, bot, client):
    from tests.api.test_bot_uploads import upload as put_upload

    ref = "tg:dl"
    dialog = leads.make(ref, waiting=True)
    upload_id = put_upload(client, bot, "evil.png", "text/html", b"<script>alert(1)</script>")
    sent = client.http.post(f"/bot/v1/leads/{ref}/messages", headers=bot.auth,
                            body=json.dumps({"id": "m-dl", "from": "lead", "attachments": [{"upload_id": upload_id}]}))
    assert sent.status_code == 201, sent.body
    panel = api.get(f"/api/dialogs/{dialog}")
    attachment = next(a for m in panel.body["messages"]["items"] for a in m["attachments"])
    query = parse_qs(urlparse(attachment["url"]).query)
    assert query["response-content-disposition"][0].startswith("attachment;")
    # Not the text/html it was announced as: S3 serves it as bytes to save.
    assert query["response-content-type"] == ["application/octet-stream"]


@pytest.mark.parametrize("name,shown", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\system32\\evil.exe", "evil.exe"),
    ("report\u0000.pdf\r\nX-Injected: 1", "report.pdfX-Injected: 1"),
    ("\u202egnp.exe", "gnp.exe"),  # right-to-left override: a control character, dropped
    ("....", "file"),
    ("/", "file"),
])
def test_a_hostile_file_name_is_kept_as_a_plain_name(client, bot, lead, name, shown):  # noqa: F811
    upload_id = upload(client, bot, name, "application/pdf", b"%PDF-1.7\n")
    attachment = _attachment(client, bot, "m-1", upload_id)
    assert attachment["name"] == shown
    assert "/" not in attachment["name"] and "\\" not in attachment["name"]
    assert all(ord(ch) >= 32 for ch in attachment["name"])
    assert attachment["preview"] is False
