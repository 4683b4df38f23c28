"""Every paged endpoint refuses a forged cursor with a 422, with moto behind the app;
tests/integration/test_forged_cursors.py does the same on DynamoDB Local."""

from __future__ import annotations

import urllib.parse

from tests.api.conftest import ADMIN
from tests.forged_cursors import FORGED, FORGED_SEQ, PAGED, is_validation_error


def test_forged_cursors_are_422_on_every_paged_endpoint(api, leads):
    leads.make(waiting=True)
    for path in PAGED:
        for cursor in FORGED:
            response = api.get(f"{path}?cursor={urllib.parse.quote(cursor)}", as_=ADMIN)
            assert is_validation_error(response.status, response.body, "cursor"), (path, cursor, response.body)
        assert api.get(path, as_=ADMIN).status == 200


def test_forged_message_cursors_are_422(api, leads):
    lead_id = leads.make()
    for name in ("before", "after"):
        for cursor in FORGED_SEQ:
            response = api.get(f"/api/dialogs/{lead_id}/messages?{name}={urllib.parse.quote(cursor)}")
            assert is_validation_error(response.status, response.body, name), (name, cursor, response.body)
