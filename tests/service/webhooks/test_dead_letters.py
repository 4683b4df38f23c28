"""410 disables the bot's webhook; dead letters are listed and replayed by admins (API
and ops command); the operator sees failed, then delivered."""

from __future__ import annotations

import json

import pytest

from chalicelib.storage.deliveries import DeadLetterModel
from chalicelib.storage.models import BotModel, MessageModel
from ops import deliveries as ops_deliveries
from tests.api.conftest import ADMIN, OPERATOR, Api
from tests.service.webhooks.flows import new_lead, operator_says


@pytest.fixture
def admin(cognito, hooks, client):
    return Api(client, cognito)


def gone_then_queued(hooks):
    """A 410 on the first event; two more events queued behind it."""
    hooks.receiver.plan = [410]
    lead = new_lead(hooks)
    hooks.services.dialogs.start(lead, "alice")
    message = operator_says(hooks, lead, "Hello")
    hooks.feed()
    return lead, message


def test_410_disables_the_webhook_and_dead_letters_the_rest(hooks, capsys):
    lead, message = gone_then_queued(hooks)
    assert len(hooks.receiver.calls) == 1, "no call after the 410"
    bot = BotModel.get(hooks.bot_id)
    assert bot.webhook_disabled_at and "410" in bot.webhook_disabled_reason
    reasons = sorted(letter.reason for letter in DeadLetterModel.by_time.query("dead_letters"))
    assert reasons == ["gone", "webhook_disabled", "webhook_disabled"]
    assert MessageModel.get(lead, int(message.seq)).delivery == "failed"
    assert capsys.readouterr().out.count('"WebhookDeadLetters":1') == 3


def test_admins_list_and_replay_dead_letters(admin, hooks):
    lead, message = gone_then_queued(hooks)
    assert admin.get("/api/admin/webhooks/dead-letters", as_=OPERATOR).status == 403
    listed = admin.get("/api/admin/webhooks/dead-letters", as_=ADMIN)
    assert listed.status == 200
    items = listed.body["items"]
    assert sorted(item["reason"] for item in items) == ["gone", "webhook_disabled", "webhook_disabled"]
    assert [item["dead_at"] for item in items] == sorted((item["dead_at"] for item in items), reverse=True)
    assert {item["type"] for item in items} == {"dialog.operator_joined", "message.created"}
    reply = next(i for i in items if (i["payload"]["data"].get("message") or {}).get("text") == "Hello")
    assert reply["lead_id"] == lead and reply["bot_id"] == hooks.bot_id

    # Replaying while the webhook is still disabled would only fail again: refused.
    refused = admin.post(f"/api/admin/webhooks/dead-letters/{reply['id']}/replay", as_=ADMIN)
    assert refused.status == 409 and refused.body["error"]["code"] == "webhook_disabled"
    # The bot is visible as disabled to admins.
    bots = admin.get("/api/bots", as_=ADMIN).body["items"]
    assert next(b for b in bots if b["id"] == hooks.bot_id)["webhook_disabled_at"]

    # The admin sets the URL again (which re-enables it) and replays everything.
    patched = admin.patch(f"/api/admin/bots/{hooks.bot_id}", {"webhook_url": hooks.receiver.url}, as_=ADMIN)
    assert patched.status == 200 and patched.body.get("webhook_disabled_at") is None
    replayed = admin.post("/api/admin/webhooks/replay", {}, as_=ADMIN)
    assert replayed.status == 202 and len(replayed.body["replayed"]) == 3
    assert MessageModel.get(lead, int(message.seq)).delivery == "sent"
    assert admin.get("/api/admin/webhooks/dead-letters", as_=ADMIN).body["items"] == []
    hooks.feed()

    delivered = hooks.receiver.delivered()
    assert [c.payload["type"] for c in delivered] == ["dialog.operator_joined", "message.created", "message.created"]
    assert {c.webhook_id for c in delivered} == {item["id"] for item in items}, "a replay keeps the event id"
    assert all(c.verified for c in delivered)
    assert MessageModel.get(lead, int(message.seq)).delivery == "delivered"


def test_admin_api_errors(admin, hooks):
    assert admin.get("/api/admin/webhooks/dead-letters", as_=None).status == 401
    missing = admin.post("/api/admin/webhooks/dead-letters/evt_nope/replay", as_=ADMIN)
    assert missing.status == 404 and missing.body["error"]["code"] == "dead_letter_not_found"
    assert admin.get("/api/admin/webhooks/dead-letters?limit=0", as_=ADMIN).status == 422
    assert admin.get("/api/admin/webhooks/dead-letters?cursor=%25%25", as_=ADMIN).status == 422
    assert admin.post("/api/admin/webhooks/replay", [1], as_=ADMIN).status == 422


def test_a_throttled_replay_is_a_503_that_keeps_the_dead_letter(admin, hooks, monkeypatch):
    import botocore.client
    from botocore.exceptions import ClientError

    gone_then_queued(hooks)
    admin.patch(f"/api/admin/bots/{hooks.bot_id}", {"webhook_url": hooks.receiver.url}, as_=ADMIN)
    (letter, *_), _ = hooks.services.webhooks.dead_letters.list()
    original = botocore.client.BaseClient._make_api_call
    throttled = []

    def call(client, operation, params):
        if operation == "TransactWriteItems" and not throttled:
            throttled.append(operation)
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "injected"},
                               "ResponseMetadata": {"HTTPStatusCode": 400}}, operation)
        return original(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)
    answer = admin.post(f"/api/admin/webhooks/dead-letters/{letter.id}/replay", as_=ADMIN)
    # Not "404 replayed or removed meanwhile": nothing happened, and the admin may retry.
    assert throttled and answer.status == 503, answer.body
    assert DeadLetterModel.get(letter.id).id == letter.id
    again = admin.post(f"/api/admin/webhooks/dead-letters/{letter.id}/replay", as_=ADMIN)
    assert again.status == 202 and again.body == {"replayed": [letter.id]}


def test_dead_letter_pages(hooks):
    hooks.receiver.plan = [410]
    for n in range(3):
        lead = new_lead(hooks, f"tg:{n}")
        hooks.services.dialogs.start(lead, "alice")
    hooks.feed()
    letters = hooks.services.webhooks.dead_letters
    first, cursor = letters.list(limit=4)
    second, end = letters.list(limit=4, cursor=cursor)
    assert len(first) == 4 and len(second) == 2 and end is None
    assert len({letter.id for letter in first + second}) == 6
    assert letters.list(bot_id="bot_other")[0] == []


def run_ops(capsys, *argv):
    code = ops_deliveries.main(["--table-prefix", "test-", *argv])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out else None), err


def test_ops_command_lists_and_replays(hooks, capsys):
    lead, message = gone_then_queued(hooks)
    capsys.readouterr()
    code, listed, _ = run_ops(capsys, "list")
    assert code == 0 and len(listed["items"]) == 3
    code, shown, _ = run_ops(capsys, "show", listed["items"][0]["id"])
    assert shown["id"] == listed["items"][0]["id"]
    code, _, err = run_ops(capsys, "replay", listed["items"][0]["id"])
    assert code == 2 and "webhook_disabled" in err
    hooks.services.bots.update(hooks.bot_id, {"webhook_url": hooks.receiver.url})
    code, replayed, _ = run_ops(capsys, "replay", "--all", "--bot", hooks.bot_id)
    assert code == 0 and len(replayed["replayed"]) == 3
    code, queue, _ = run_ops(capsys, "queue", lead)
    assert [e["type"] for item in queue["items"] for e in item["events"]] == [
        "dialog.operator_joined", "message.created", "message.created"]
    hooks.feed()
    assert len(hooks.receiver.delivered()) == 3
    assert run_ops(capsys, "list")[1]["items"] == []


def test_a_disabled_bot_is_not_replayed_to(hooks):
    from chalicelib.domain.errors import Conflict

    gone_then_queued(hooks)
    hooks.services.bots.update(hooks.bot_id, {"webhook_url": hooks.receiver.url, "enabled": False})
    letters = hooks.services.webhooks.dead_letters
    (letter, *_) = letters.list()[0]
    with pytest.raises(Conflict) as refused:
        letters.replay(letter.id)
    assert refused.value.code == "bot_disabled"
    assert DeadLetterModel.get(letter.id).id == letter.id
