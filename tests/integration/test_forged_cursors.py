"""Every paged endpoint refuses a forged cursor with a 422, on the local runtime (DynamoDB
Local behind the real gateway); tests/api/test_forged_cursors.py does the same with moto."""

from __future__ import annotations

import urllib.parse
import uuid

import requests

from tests.forged_cursors import FORGED, FORGED_SEQ, PAGED, is_validation_error
from tests.integration.helpers import sign_in


def test_forged_cursors_are_422_on_every_paged_endpoint(handover_runtime):
    runtime = handover_runtime
    admin = sign_in(runtime, "admin")
    for path in PAGED:
        for cursor in FORGED:
            response = requests.get(f"{runtime.url}{path}", params={"cursor": cursor}, headers=admin, timeout=10)
            assert is_validation_error(response.status_code, response.json(), "cursor"), (path, cursor, response.text)
        # The endpoint itself still answers.
        assert requests.get(f"{runtime.url}{path}", headers=admin, timeout=10).status_code == 200


def test_forged_message_cursors_are_422(handover_runtime):
    runtime = handover_runtime
    operator = sign_in(runtime)
    bot = {"Authorization": f"Bearer {runtime.bot['api_key']}"}
    ref = f"cursor-{uuid.uuid4().hex[:8]}"
    lead = requests.put(f"{runtime.url}/bot/v1/leads/{ref}", json={"name": "Cursor"}, headers=bot, timeout=10)
    lead_id = lead.json()["id"]
    base = f"{runtime.url}/api/dialogs/{lead_id}/messages"
    for name in ("before", "after"):
        for cursor in FORGED_SEQ:
            response = requests.get(f"{base}?{name}={urllib.parse.quote(cursor)}", headers=operator, timeout=10)
            assert is_validation_error(response.status_code, response.json(), name), (name, cursor, response.text)
    assert requests.get(base, headers=operator, timeout=10).status_code == 200
