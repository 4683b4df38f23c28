"""Private notes with @mentions and canned replies through the operator API (moto)."""

from __future__ import annotations

import pytest

from tests.api.conftest import ADMIN, OPERATOR, SECOND_OPERATOR

# --- notes -----------------------------------------------------------------------------------


def test_a_note_joins_the_timeline_by_seq_without_touching_the_dialog_row(api, leads):
    lead = leads.make(waiting=True, text="where is my parcel?")
    panel = api.get(f"/api/dialogs/{lead}").body
    before, last = panel["lead"], panel["messages"]["items"][0]["seq"]
    row = api.get("/api/tabs/waiting").body["items"][0]

    added = api.post(f"/api/dialogs/{lead}/notes", {"client_id": "n-1", "text": "VIP, be quick"})
    assert added.status == 201
    note = added.body
    assert note["from"] == "note" and note["operator"] == OPERATOR and note["text"] == "VIP, be quick"
    assert note["seq"] == last + 1 and "mentions" not in note

    # Gap-free: the panel's resync after the last seq it saw brings the note.
    after = api.get(f"/api/dialogs/{lead}/messages?after={last}").body["items"]
    assert [(m["seq"], m["from"]) for m in after] == [(last + 1, "note")]
    # No tab row changes: not the last message, not the activity, not the unread count.
    assert api.get("/api/tabs/waiting").body["items"][0] == row
    assert api.get(f"/api/dialogs/{lead}").body["lead"] == before

    # A retry with the same client_id stores nothing new; another text under it is a 409.
    again = api.post(f"/api/dialogs/{lead}/notes", {"client_id": "n-1", "text": "VIP, be quick"})
    assert again.status == 200 and again.body["seq"] == last + 1
    clash = api.post(f"/api/dialogs/{lead}/notes", {"client_id": "n-1", "text": "something else"})
    assert clash.status == 409 and clash.body["error"]["code"] == "idempotency_conflict"


def test_any_operator_may_note_any_dialog_and_mentions_resolve_to_usernames(api, leads):
    lead = leads.make()  # with the bot: nobody is in it
    added = api.post(f"/api/dialogs/{lead}/notes",
                     {"client_id": "n-2", "text": "@BOB look, @nobody here, @alice (me), mail bob@example.com"})
    assert added.status == 201
    # Case-insensitive, canonical username; unknown names and the author are not mentions.
    assert added.body["mentions"] == [SECOND_OPERATOR]


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"client_id": "n", "text": "   "}, 422, "text"),
    ({"client_id": "n", "text": "x" * 10_001}, 422, "text"),
    ({"client_id": "n"}, 422, "text"),
    ({"client_id": "has space", "text": "hi"}, 422, "client_id"),
    ({"client_id": "n", "text": "hi", "attachments": []}, 422, "attachments"),
])
def test_bad_notes_are_refused_clearly(api, leads, body, status, field):
    lead = leads.make()
    answer = api.post(f"/api/dialogs/{lead}/notes", body)
    assert answer.status == status
    assert field in answer.body["error"]["details"]["fields"]


def test_a_note_on_no_dialog_is_a_404_and_needs_a_token(api):
    missing = api.post("/api/dialogs/ld_aaaaaaaaaaaaaaaaaaaaaaaaaa/notes", {"client_id": "n", "text": "hi"})
    assert missing.status == 404 and missing.body["error"]["code"] == "lead_not_found"
    assert api.post("/api/dialogs/ld_aaaaaaaaaaaaaaaaaaaaaaaaaa/notes", {"client_id": "n", "text": "hi"},
                    as_=None).status == 401


# --- canned replies ----------------------------------------------------------------------------


def test_team_replies_are_for_admins_to_manage_and_everyone_to_use(api, leads):
    lead = leads.make(name="Anna", attributes={"city": "Berlin"})
    reply = {"shortcut": "hello", "text": "Hello {{name|there}} from {{city}}, your plan: {{plan}}"}
    assert api.post("/api/admin/canned-replies", reply).status == 403
    created = api.post("/api/admin/canned-replies", reply, as_=ADMIN)
    assert created.status == 201
    assert created.body["scope"] == "team" and created.body["updated_by"] == ADMIN
    assert api.patch("/api/admin/canned-replies/hello", {"text": "x"}).status == 403
    assert api.call("DELETE", "/api/admin/canned-replies/hello").status == 403

    listed = api.get(f"/api/canned-replies?lead_id={lead}").body["items"]
    assert listed == [{**created.body, "rendered": "Hello Anna from Berlin, your plan: {{plan}}",
                       "missing": ["plan"]}]
    # Without a lead: the texts as written.
    assert "rendered" not in api.get("/api/canned-replies").body["items"][0]


def test_personal_replies_are_each_operators_own(api, leads, aws):
    assert api.post("/api/canned-replies", {"shortcut": "bye", "text": "Bye {{name|friend}}!"}).status == 201
    assert api.post("/api/canned-replies", {"shortcut": "bye", "text": "Ciao"}, as_=SECOND_OPERATOR).status == 201
    duplicate = api.post("/api/canned-replies", {"shortcut": "bye", "text": "again"})
    assert duplicate.status == 409 and duplicate.body["error"]["code"] == "shortcut_taken"

    aws.clear()
    mine = api.get("/api/canned-replies").body["items"]
    assert aws.dynamodb() == ["Query", "Query"]  # the team's page and mine: one Query each
    assert [(r["scope"], r["shortcut"], r["text"]) for r in mine] == [("personal", "bye", "Bye {{name|friend}}!")]

    # Rename and edit; bob's reply of the same shortcut is untouched.
    edited = api.patch("/api/canned-replies/bye", {"shortcut": "later", "text": "See you {{name|friend}}"})
    assert edited.status == 200 and edited.body["shortcut"] == "later"
    assert [r["shortcut"] for r in api.get("/api/canned-replies").body["items"]] == ["later"]
    assert [r["text"] for r in api.get("/api/canned-replies", as_=SECOND_OPERATOR).body["items"]] == ["Ciao"]
    # Bob cannot reach alice's: his own list has no "later".
    assert api.call("DELETE", "/api/canned-replies/later", as_=SECOND_OPERATOR).status == 404
    assert api.call("DELETE", "/api/canned-replies/later").status == 204
    assert api.get("/api/canned-replies").body["items"] == []
    gone = api.patch("/api/canned-replies/later", {"text": "x"})
    assert gone.status == 404 and gone.body["error"]["code"] == "canned_reply_not_found"


def test_renaming_onto_a_taken_shortcut_is_a_409_and_changes_nothing(api):
    api.post("/api/canned-replies", {"shortcut": "a", "text": "A"})
    api.post("/api/canned-replies", {"shortcut": "b", "text": "B"})
    clash = api.patch("/api/canned-replies/a", {"shortcut": "b"})
    assert clash.status == 409
    assert [(r["shortcut"], r["text"]) for r in api.get("/api/canned-replies").body["items"]] == [("a", "A"),
                                                                                                  ("b", "B")]


@pytest.mark.parametrize(("body", "field"), [
    ({"shortcut": "Hello", "text": "x"}, "shortcut"),
    ({"shortcut": "-x", "text": "x"}, "shortcut"),
    ({"shortcut": "a" * 33, "text": "x"}, "shortcut"),
    ({"shortcut": "ok", "text": " "}, "text"),
    ({"shortcut": "ok", "text": "x" * 2001}, "text"),
    ({"shortcut": "ok", "text": "x", "extra": 1}, "extra"),
])
def test_bad_canned_replies_are_a_422(api, body, field):
    answer = api.post("/api/canned-replies", body)
    assert answer.status == 422
    assert field in answer.body["error"]["details"]["fields"]


def test_an_owner_holds_at_most_100_replies(api, monkeypatch):
    from chalicelib.storage import canned

    monkeypatch.setattr(canned, "MAX_CANNED_PER_OWNER", 3)
    for number in range(3):
        assert api.post("/api/canned-replies", {"shortcut": f"r{number}", "text": "x"}).status == 201
    full = api.post("/api/canned-replies", {"shortcut": "r3", "text": "x"})
    assert full.status == 422 and "shortcut" in full.body["error"]["details"]["fields"]
    # A delete frees a place; other owners have their own count.
    assert api.call("DELETE", "/api/canned-replies/r0").status == 204
    assert api.post("/api/canned-replies", {"shortcut": "r3", "text": "x"}).status == 201
    assert api.post("/api/canned-replies", {"shortcut": "r0", "text": "x"}, as_=SECOND_OPERATOR).status == 201


def test_rendering_for_an_unknown_dialog_is_a_404(api):
    answer = api.get("/api/canned-replies?lead_id=ld_aaaaaaaaaaaaaaaaaaaaaaaaaa")
    assert answer.status == 404
    assert api.get("/api/canned-replies?lead_id=nope").status == 422
