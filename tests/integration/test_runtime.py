"""The whole contact center on the local runtime (the real app.py): demo data, the lead
simulator loop through the demo bot, GoneException handling, schedules, restarts and a
clean stop with no java left behind."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest
import requests
from websockets.asyncio.client import connect

from local_runtime.testing import running_runtime
from tests.integration.helpers import eventually, run, sign_in

TIMEOUT = 10


def bot_headers(runtime) -> dict[str, str]:
    return {"Authorization": f"Bearer {runtime.bot['api_key']}"}


def lead_of(runtime, lead_ref: str) -> dict:
    response = requests.get(f"{runtime.url}/bot/v1/leads/{lead_ref}", headers=bot_headers(runtime), timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()


def dynamodb(runtime):
    backends = runtime.backends
    return boto3.session.Session().client("dynamodb", endpoint_url=backends["dynamodb_endpoint"],
                                          region_name=backends["region"], aws_access_key_id="local",
                                          aws_secret_access_key="local")


def test_credentials_file_has_exactly_the_documented_shape(handover_runtime):
    body = json.loads((handover_runtime.data_dir / "local-credentials.json").read_text())
    assert set(body) == {"url", "ws_url", "operators", "bots"}
    assert body["url"] == handover_runtime.url and body["ws_url"] == handover_runtime.ws_url
    assert {o["username"]: o["admin"] for o in body["operators"]} == {"admin": True, "operator": False,
                                                                       "operator2": False}
    assert all(set(o) == {"username", "password", "admin"} for o in body["operators"])
    assert [set(b) for b in body["bots"]] == [{"name", "api_key", "webhook_secret"}]
    # Every seeded login works, and the admin is an admin.
    for operator in body["operators"]:
        me = requests.get(f"{handover_runtime.url}/api/me", headers=sign_in(handover_runtime, operator["username"]),
                          timeout=TIMEOUT).json()
        # Beside who: the waiting clocks' threshold and the server's time (docs/operator-api.md).
        assert set(me) == {"username", "admin", "waiting_too_long_seconds", "now"}
        assert (me["username"], me["admin"]) == (operator["username"], operator["admin"])


def test_demo_leads_cover_all_three_states_with_attachments(handover_runtime):
    states = {ref: lead_of(handover_runtime, ref)["dialog"] for ref in ("demo-anna", "demo-boris", "demo-chen")}
    assert states["demo-anna"]["state"] == "bot"
    assert states["demo-boris"]["state"] == "waiting"
    assert states["demo-chen"] == {"state": "operator", "operators": ["operator"]}

    headers = sign_in(handover_runtime)
    files = {}
    for ref in ("demo-boris", "demo-chen"):
        lead_id = lead_of(handover_runtime, ref)["id"]
        dialog = requests.get(f"{handover_runtime.url}/api/dialogs/{lead_id}", headers=headers, timeout=TIMEOUT).json()
        for message in dialog["messages"]["items"]:
            for attachment in message["attachments"]:
                files[attachment["name"]] = attachment
    assert files["damaged-box.png"]["preview"] is True          # a PNG under 2 MB (R12)
    assert files["warehouse-scan.png"]["preview"] is False      # a PNG over 2 MB
    assert files["warehouse-scan.png"]["size"] > 2 * 1024 * 1024
    assert files["invoice-1042.pdf"]["preview"] is False
    # The presigned download link serves the real bytes from moto's S3.
    pdf = requests.get(files["invoice-1042.pdf"]["url"], timeout=TIMEOUT)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_the_lead_simulator_loop_through_the_demo_bot(handover_runtime):
    rt = handover_runtime
    ref = f"sim-{uuid.uuid4().hex[:8]}"

    def lead_says(text: str) -> dict:
        response = requests.post(f"{rt.url}/demo-bot/leads/{ref}/messages", json={"text": text, "name": "Sim Lead"},
                                 timeout=30)
        response.raise_for_status()
        return response.json()

    first = lead_says("hello there")
    assert [i["from"] for i in first["items"]] == ["lead", "bot"] and first["state"] == "bot"
    handed = lead_says("I want an operator")
    assert handed["state"] == "waiting"
    assert lead_of(rt, ref)["dialog"]["state"] == "waiting"

    # An operator takes the dialog and answers in the contact center...
    headers = sign_in(rt, "operator2")
    lead_id = lead_of(rt, ref)["id"]
    requests.post(f"{rt.url}/api/dialogs/{lead_id}/start", headers=headers, timeout=TIMEOUT).raise_for_status()
    requests.post(f"{rt.url}/api/dialogs/{lead_id}/messages", headers=headers, timeout=TIMEOUT,
                  json={"client_id": "c1", "text": "Hi, I am a person."}).raise_for_status()

    # ...and the reply reaches the lead through the demo bot's (signature-checked) webhook.
    def transcript() -> list[dict]:
        return requests.get(f"{rt.url}/demo-bot/leads/{ref}", timeout=TIMEOUT).json()["items"]

    items = eventually(lambda: (got := transcript()) and any(i["from"] == "operator" for i in got) and got, timeout=45)
    reply = next(i for i in items if i["from"] == "operator")
    assert reply == {**reply, "text": "Hi, I am a person.", "operator": "operator2"}
    assert "bad signature" not in rt.log_text()


def test_a_bots_handoff_is_pushed_live_and_a_vanished_connection_is_dropped_on_gone_exception(handover_runtime):
    rt = handover_runtime
    headers = sign_in(rt, "operator2")
    table = f"{rt.backends['table_prefix']}connections"

    def open_ids() -> set[str]:
        return {c["connection_id"] for c in requests.get(f"{rt.url}/_local/connections", timeout=TIMEOUT).json()["items"]}

    def record(connection_id: str) -> dict | None:
        return dynamodb(rt).get_item(TableName=table, Key={"connection_id": {"S": connection_id}},
                                     ConsistentRead=True).get("Item")

    async def open_connection():
        before = open_ids()
        ticket = requests.post(f"{rt.url}/api/ws-ticket", headers=headers, timeout=TIMEOUT).json()
        ws = await connect(f"{ticket['ws_url']}?ticket={ticket['ticket']}", open_timeout=TIMEOUT)
        return ws, (open_ids() - before).pop()

    async def frame_about(ws, lead_id: str) -> dict:
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
            if frame.get("type") == "dialog.added" and frame.get("dialog", {}).get("lead_id") == lead_id:
                return frame

    async def scenario() -> tuple[str, dict]:
        live, _ = await open_connection()
        stale, stale_id = await open_connection()
        requests.post(f"{rt.url}/_local/connections/{stale_id}/vanish", timeout=TIMEOUT).raise_for_status()
        await stale.close()
        assert record(stale_id) is not None, "no $disconnect ran, so the app still has the record"
        await live.send(json.dumps({"action": "view", "dialog_id": None, "tab": "waiting"}))
        # The bot hands a new lead over: the Waiting tab changes for every operator's connection.
        ref = f"gone-{uuid.uuid4().hex[:8]}"
        lead = requests.put(f"{rt.url}/bot/v1/leads/{ref}", json={"name": "Gone test"}, headers=bot_headers(rt),
                            timeout=TIMEOUT)
        lead.raise_for_status()
        requests.post(f"{rt.url}/bot/v1/leads/{ref}/handoff", json={"reason": "test"}, headers=bot_headers(rt),
                      timeout=TIMEOUT).raise_for_status()
        frame = await frame_about(live, lead.json()["id"])
        await live.close()
        return stale_id, frame

    stale_id, frame = run(scenario())
    assert frame["tab"] == "waiting" and frame["dialog"]["name"] == "Gone test"
    # The push to the vanished connection met GoneException, and the app dropped the record.
    eventually(lambda: record(stale_id) is None, timeout=15)
    assert re.search(rf"MGMT +POST @connections/{re.escape(stale_id)} 410", rt.log_text())


def test_scheduled_functions_run_on_the_overridden_rate(handover_runtime):
    # The fixture sets HANDOVER_SCHEDULE_SECONDS=2 (instead of one minute).
    def runs() -> dict[str, int]:
        counts: dict[str, int] = {}
        for name in re.findall(r"SCHEDULE (\S+) ok", handover_runtime.log_text()):
            counts[name] = counts.get(name, 0) + 1
        return counts

    from chalice.app import ScheduledEventConfig

    from app import app

    scheduled = {source.name for source in app.event_sources if isinstance(source, ScheduledEventConfig)}
    assert scheduled, "app.py declares no @app.schedule function"
    before = runs()

    def every_function_ran_twice_more() -> bool:
        now = runs()
        return all(now.get(name, 0) >= before.get(name, 0) + 2 for name in scheduled)

    eventually(every_function_ran_twice_more, timeout=20)


def _java_pids(data_dir: Path) -> list[int]:
    out = subprocess.run(["pgrep", "-f", f"DynamoDBLocal.jar.*{data_dir}"], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


def test_data_survives_a_restart_and_stop_leaves_no_java(tmp_path):
    data_dir = tmp_path / "data"
    with running_runtime(data_dir) as rt:
        key = rt.bot["api_key"]
        ref = f"keep-{uuid.uuid4().hex[:8]}"
        requests.put(f"{rt.url}/bot/v1/leads/{ref}", json={"name": "Persistent"}, headers=bot_headers(rt),
                     timeout=TIMEOUT).raise_for_status()
        requests.post(f"{rt.url}/bot/v1/leads/{ref}/messages", headers=bot_headers(rt), timeout=TIMEOUT,
                      json={"id": "m1", "from": "lead", "text": "remember me"}).raise_for_status()
        assert _java_pids(data_dir)

        rt.restart()
        assert rt.bot["api_key"] == key, "the demo bot keeps its key across restarts"
        lead = lead_of(rt, ref)
        assert lead["name"] == "Persistent"
        # Cognito is new, but operators are their usernames: Chen's dialog is still operator's.
        mine = requests.get(f"{rt.url}/api/tabs/mine", headers=sign_in(rt), timeout=TIMEOUT).json()
        assert lead_of(rt, "demo-chen")["id"] in {d["lead_id"] for d in mine["items"]}
        # A repeated bot message id is still recognised: the message itself survived.
        again = requests.post(f"{rt.url}/bot/v1/leads/{ref}/messages", headers=bot_headers(rt), timeout=TIMEOUT,
                              json={"id": "m1", "from": "lead", "text": "remember me"})
        assert again.status_code == 200
        # Demo data is not seeded twice.
        assert rt.log_text().count("demo data: 5 leads seeded") == 1
        code = rt.stop()
    assert code == 0
    assert _java_pids(data_dir) == []


@pytest.mark.skipif(not os.path.exists("/proc/self"), reason="needs Linux")
def test_a_killed_runtime_takes_dynamodb_local_with_it(tmp_path):
    data_dir = tmp_path / "data"
    with running_runtime(data_dir, demo=False) as rt:
        java = _java_pids(data_dir)
        assert java
        rt.process.send_signal(signal.SIGKILL)
        rt.process.wait(10)
        eventually(lambda: _java_pids(data_dir) == [], timeout=10)


def test_bad_input_is_one_log_line_and_no_stack_trace(handover_runtime):
    rt = handover_runtime
    offset = rt.log_path.stat().st_size
    bad = [
        ("POST", "/bot/v1/leads/x/messages", b"{not json", bot_headers(rt)),
        ("POST", "/bot/v1/leads/x/messages", b'{"id": "", "from": "nobody"}', bot_headers(rt)),
        ("GET", "/api/tabs/nope", None, sign_in(rt)),
        ("GET", "/bot/v1/leads/x", None, {"Authorization": "Bearer not-a-key"}),
    ]
    for method, path, body, headers in bad:
        answer = requests.request(method, rt.url + path, data=body, timeout=TIMEOUT,
                                  headers={**headers, "Content-Type": "application/json"})
        assert 400 <= answer.status_code < 500, (path, answer.status_code, answer.text)
        assert set(answer.json()) == {"error"}
    new = rt.log_text(offset)
    for method, path, _, _ in bad:
        assert re.search(rf"REST +{method} {re.escape(path)} 4\d\d \d+ms", new), (method, path, new)
    assert "Traceback" not in new


def test_the_demo_bot_follows_a_webhook_secret_rotated_twice_by_an_admin(tmp_path):
    with running_runtime(tmp_path / "data") as rt:
        admin = sign_in(rt, "admin")
        bot_id = requests.get(f"{rt.url}/api/bots", headers=admin, timeout=TIMEOUT).json()["items"][0]["id"]
        for _ in range(2):  # after two rotations the secret the bot started with signs nothing
            requests.post(f"{rt.url}/api/admin/bots/{bot_id}/rotate-webhook-secret", headers=admin,
                          timeout=TIMEOUT).raise_for_status()
        ref = f"rot-{uuid.uuid4().hex[:8]}"
        requests.post(f"{rt.url}/demo-bot/leads/{ref}/messages", json={"text": "operator", "name": "Rota"},
                      timeout=30).raise_for_status()
        operator = sign_in(rt)
        lead_id = lead_of(rt, ref)["id"]
        requests.post(f"{rt.url}/api/dialogs/{lead_id}/start", headers=operator, timeout=TIMEOUT).raise_for_status()
        requests.post(f"{rt.url}/api/dialogs/{lead_id}/messages", headers=operator, timeout=TIMEOUT,
                      json={"client_id": "r1", "text": "still signed"}).raise_for_status()
        eventually(lambda: any(i.get("text") == "still signed" for i in requests.get(
            f"{rt.url}/demo-bot/leads/{ref}", timeout=TIMEOUT).json()["items"]), timeout=45)
        assert "bad signature" not in rt.log_text()


def test_a_second_runtime_on_the_same_data_directory_is_refused(handover_runtime):
    second = subprocess.run(
        [sys.executable, "-m", "local_runtime", "--port", "0", "--data-dir", str(handover_runtime.data_dir)],
        capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert second.returncode == 1
    assert "another local runtime is using" in second.stderr
    assert requests.get(f"{handover_runtime.url}/config.json", timeout=TIMEOUT).ok  # the first one is unharmed
