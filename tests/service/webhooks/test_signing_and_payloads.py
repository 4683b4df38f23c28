"""Signatures as a bot developer checks them (the `standardwebhooks` package), secret
rotation, attachments as fresh presigned links, and the app's own handlers as triggers."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from chalicelib.api.bodies import check_upload_request
from chalicelib.storage.deliveries import DeliveryModel
from tests.service.webhooks.flows import new_lead

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 200


def test_during_rotation_both_secrets_sign(hooks):
    old_secret = hooks.receiver.secret
    _, rotated = hooks.services.bots.rotate_webhook_secret(hooks.bot_id)
    new_secret = rotated.webhook_secret
    hooks.receiver.secret = new_secret
    lead = new_lead(hooks)
    hooks.services.dialogs.start(lead, "alice")
    hooks.feed()
    call = hooks.receiver.calls[0]
    assert call.verified
    assert len(call.headers["webhook-signature"].split(" ")) == 2
    # A bot still on the old secret verifies too; a wrong secret does not.
    Webhook(old_secret).verify(call.body, call.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 32).verify(call.body, call.headers)
    # A tampered body fails.
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret).verify(call.body.replace(b"alice", b"mallory"), call.headers)


def test_attachments_go_out_as_fresh_presigned_links(hooks):
    lead = new_lead(hooks)
    hooks.services.dialogs.start(lead, "alice")
    upload = hooks.services.uploads.create("operator:alice", check_upload_request(
        {"filename": "plan.png", "content_type": "image/png", "size": len(PNG)}))
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket="test-attachments", Key=upload["fields"]["key"], Body=PNG)
    hooks.services.dialogs.send_operator_message(lead, "alice", "c1", "see attached", (upload["upload_id"],))
    (first, second) = DeliveryModel.query(lead)
    assert "X-Amz-Signature" not in second.events[0].body, "no link is stored: links are made at each attempt"
    hooks.feed()
    message = hooks.receiver.delivered()[-1].payload["data"]["message"]
    (attachment,) = message["attachments"]
    assert attachment["name"] == "plan.png" and attachment["content_type"] == "image/png"
    assert attachment["size"] == len(PNG) and "key" not in attachment
    query = parse_qs(urlsplit(attachment["url"]).query)
    assert int(query["X-Amz-Expires"][0]) <= 900 and attachment["url_expires_in"] == int(query["X-Amz-Expires"][0])
    # A bot downloads the file: served as bytes to save, whatever type it claims.
    assert query["response-content-type"] == ["application/octet-stream"]
    assert query["response-content-disposition"][0].startswith("attachment;")
    body = boto3.client("s3", region_name="us-east-1").get_object(
        Bucket="test-attachments", Key=upload["fields"]["key"])["Body"].read()
    assert body == PNG


def invoke(name, payload, timeout_ms=120_000):
    """Call the app's handler as Lambda does (chalice's test client gives every function 3 s,
    in which the delivery function rightly starts no 10 s call)."""
    from chalice.local import LambdaContext

    from app import app

    return app.handler_map[name](payload, LambdaContext(name, memory_size=256, max_runtime_ms=timeout_ms))


def test_the_app_handlers_are_the_triggers(hooks, client):
    """deliver_webhooks gets the stream batch (as Lambda sends it), retry_webhooks the schedule."""
    from app import app

    sources = {source.name: source for source in app.event_sources}
    assert sources["deliver_webhooks"].starting_position == "TRIM_HORIZON"
    hooks.receiver.plan = [500]
    lead = new_lead(hooks)
    hooks.services.dialogs.start(lead, "alice")
    records = hooks.stream.records()
    assert [r["eventName"] for r in records] == ["INSERT"]
    client.lambda_.invoke("deliver_webhooks", {"Records": records})
    assert hooks.receiver.calls == [], "3 s left: no call is started"
    invoke("deliver_webhooks", {"Records": records})
    assert [c.answered for c in hooks.receiver.calls] == [500]
    hooks.advance(3600)
    invoke("retry_webhooks", client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
    assert [c.payload["type"] for c in hooks.receiver.delivered()] == ["dialog.operator_joined", "message.created"]
    # The delivery function's own writes (claims, deletes) also reach the stream: it ignores them.
    later = hooks.stream.records()
    assert later and all(r["eventName"] in ("MODIFY", "REMOVE") for r in later)
    invoke("deliver_webhooks", {"Records": later})
    assert len(hooks.receiver.calls) == 3


def test_what_the_bot_does_not_need_is_not_sent(hooks):
    """The lead's and the bot's own messages, system notes, a bot's own lead update and
    mark-read cause no webhook."""
    from tests.service.webhooks.flows import lead_says

    lead = new_lead(hooks)
    lead_says(hooks, "hi")
    new_lead(hooks, name="Anna K.")  # the bot updating its own lead
    hooks.services.dialogs.start(lead, "alice")
    lead_says(hooks, "hello alice", message_id="m2")
    hooks.services.dialogs.mark_read(lead, "alice")
    hooks.feed()
    assert [c.payload["type"] for c in hooks.receiver.calls] == ["dialog.operator_joined", "message.created"]
    payload = hooks.receiver.calls[1].payload
    assert payload["data"]["message"]["system_script"] == "operator_transfer"
    assert json.loads(hooks.receiver.calls[0].body)["data"]["previous_state"] == "bot"
