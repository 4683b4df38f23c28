"""The pure rules of notes (@mentions) and canned replies (placeholders), without AWS."""

from __future__ import annotations

from chalicelib.domain.canned import SHORTCUT_RE, lead_values, render
from chalicelib.domain.notes import MAX_MENTIONS, mentioned_names


def test_mentions_start_a_word_and_end_on_a_letter_or_digit():
    assert mentioned_names("@Bob see (@anna.k). cc @carl, mail dan@example.com") == ("bob", "anna.k", "carl")
    assert mentioned_names("@bob @BOB @bob") == ("bob",)
    assert mentioned_names("no one@here, @ alone, @-dash") == ()
    assert mentioned_names(None) == ()
    many = " ".join(f"@op{n}" for n in range(MAX_MENTIONS + 5))
    assert len(mentioned_names(many)) == MAX_MENTIONS


def test_placeholders_take_fields_then_attributes_then_defaults_and_keep_the_unknown_visible():
    values = lead_values({"name": "Anna", "phone": None, "lead_ref": "tg:1"},
                         {"city": "Berlin", "name": "ignored", "blank": "  ", "vip": True})
    assert values == {"name": "Anna", "lead_ref": "tg:1", "city": "Berlin", "vip": "true"}
    out = render("Hi {{name|there}} from {{ city }}; {{blank|n/a}}, {{plan}} {{plan}} {{phone}} ({{lead_ref}})", values)
    assert out.text == "Hi Anna from Berlin; n/a, {{plan}} {{plan}} {{phone}} (tg:1)"
    assert out.missing == ("plan", "phone")
    assert render("Hello {{name|there}}!", {}).text == "Hello there!"


def test_shortcuts():
    assert all(SHORTCUT_RE.match(s) for s in ("hi", "a", "refund_2", "0-day"))
    assert not any(SHORTCUT_RE.match(s) for s in ("", "Hi", "-x", "_x", "a b", "#", "a" * 33, "é", "a\n"))
