"""What the local runtime's S3 (moto, as S3 in AWS) serves for an attachment link: the pinned
content type, not the one the uploader announced — a checked picture inline as itself,
anything else as application/octet-stream to save (chalicelib/adapters/attachments.py)."""

from __future__ import annotations

import uuid

import requests

from tests.integration.helpers import sign_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _send_file(runtime, bot: dict[str, str], ref: str, filename: str, content_type: str, data: bytes) -> None:
    announced = requests.post(f"{runtime.url}/bot/v1/uploads", headers=bot, timeout=10,
                              json={"filename": filename, "content_type": content_type, "size": len(data)})
    assert announced.status_code == 201, announced.text
    upload = announced.json()
    stored = requests.post(upload["url"], data=upload["fields"], files={"file": (filename, data, content_type)},
                           timeout=30)
    assert stored.status_code < 300, stored.text
    sent = requests.post(f"{runtime.url}/bot/v1/leads/{ref}/messages", headers=bot, timeout=10,
                         json={"id": uuid.uuid4().hex, "from": "lead", "attachments": [{"upload_id": upload["upload_id"]}]})
    assert sent.status_code == 201, sent.text


def test_attachment_links_serve_the_pinned_content_type(handover_runtime):
    runtime = handover_runtime
    bot = {"Authorization": f"Bearer {runtime.bot['api_key']}"}
    ref = f"files-{uuid.uuid4().hex[:8]}"
    lead = requests.put(f"{runtime.url}/bot/v1/leads/{ref}", headers=bot, json={"name": "Files"}, timeout=10)
    lead.raise_for_status()
    _send_file(runtime, bot, ref, "page.html", "text/html", b"<script>alert(document.domain)</script>")
    _send_file(runtime, bot, ref, "photo.png", "image/png", PNG)

    dialog = requests.get(f"{runtime.url}/api/dialogs/{lead.json()['id']}", headers=sign_in(runtime), timeout=10)
    attachments = {a["name"]: a for m in dialog.json()["messages"]["items"] for a in m["attachments"]}

    page = requests.get(attachments["page.html"]["url"], timeout=10)
    assert page.status_code == 200 and page.content.startswith(b"<script>")
    assert page.headers["Content-Type"] == "application/octet-stream"
    assert page.headers["Content-Disposition"].startswith("attachment;")

    photo = requests.get(attachments["photo.png"]["url"], timeout=10)
    assert photo.status_code == 200 and photo.content == PNG
    assert photo.headers["Content-Type"] == "image/png"
    assert photo.headers["Content-Disposition"].startswith("inline;")
