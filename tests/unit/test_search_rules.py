"""The search rules, pure: what kind a query is, and how each side is normalised."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.search import SearchKind, fold, lead_terms, name_terms, parse_query, phone_digits


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("ld_abcdefghijklmnopqrstuvwxyz", SearchKind.LEAD_ID, "ld_abcdefghijklmnopqrstuvwxyz"),
    ("ref:12345", SearchKind.LEAD_REF, "12345"),
    ("tg:12345", SearchKind.LEAD_REF, "tg:12345"),
    ("crm_42", SearchKind.LEAD_REF, "crm_42"),
    ("+7 (999) 123-45-67", SearchKind.PHONE, "79991234567"),
    ("0079991234567", SearchKind.PHONE, "79991234567"),
    ("89991234567", SearchKind.PHONE, "89991234567"),
    ("  Anna@Example.COM ", SearchKind.EMAIL, "anna@example.com"),
    ("#VIP", SearchKind.TAG, "vip"),
    ("Zoë", SearchKind.NAME, "zoe"),
    ("ÉLODIE   Dupont", SearchKind.NAME, "elodie dupont"),
    ("Ёлка", SearchKind.NAME, "елка"),
    ("Straße", SearchKind.NAME, "strasse"),
    ("Jean-Pierre", SearchKind.NAME, "jean-pierre"),
    ("1234", SearchKind.LEAD_REF, "1234"),  # too short for a phone: a ref
])
def test_the_kind_of_a_query(text, kind, value):
    query = parse_query(text)
    assert (query.kind, query.value) == (kind, value)


@pytest.mark.parametrize("text", ["", "   ", "x" * 101, "#", "# "])
def test_empty_or_too_long_queries_are_refused(text):
    with pytest.raises(ValidationFailed) as refused:
        parse_query(text)
    assert "q" in refused.value.details["fields"]


def test_folding_is_case_and_accent_insensitive():
    assert fold("ÀÉÎÕÜ àéîõü") == "aeiou aeiou"
    assert fold("Ǆemal") == fold("džemal") == "dzemal"
    assert phone_digits("+1 555 0100") == "15550100"
    assert phone_digits("12") is None


def test_a_name_is_found_from_each_of_its_first_words():
    assert name_terms("Anna Maria  Petrova") == {"anna maria petrova", "maria petrova", "petrova"}
    assert name_terms("a b c d e f") == {"a b c d e f", "b c d e f", "c d e f", "d e f"}
    assert name_terms(None) == set()


def test_a_leads_terms():
    terms = lead_terms("tg:1", "Zoë", "+7 999 123-45-67", "Zoe@Example.com", ["VIP", "vip", "new"])
    assert terms == {"lead_ref#tg:1", "name#zoe", "phone#79991234567", "email#zoe@example.com", "tag#vip",
                     "tag#new"}
    many = lead_terms("r", None, None, None, [f"t{n}" for n in range(50)])
    assert len([t for t in many if t.startswith("tag#")]) == 20
