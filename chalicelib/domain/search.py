"""Search, as plain rules: what kind of thing a query names, how each kind is normalised, and
which index terms a lead has (docs/operator-api.md "Search", docs/data-model.md "search").

A lead's terms are written beside the lead in the same transaction as its create or edit
(`storage/dialog_write.py`), and a query is turned into exactly one of them (or one name
prefix), so every kind of search is one Query on a key. The same functions normalise both
sides, which is what makes an exact match exact.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable

import msgspec

from chalicelib.domain.errors import ValidationFailed

MAX_QUERY = 100
# A lead's terms are written in its create/edit transaction, which DynamoDB caps at 100 items:
# an edit that replaces every term deletes the old ones and puts the new ones (2 x 27 at most),
# which leaves room for the lead, its Mine-tab copies and the webhook outbox.
MAX_TAG_TERMS = 20
MAX_NAME_WORDS = 4
# A sort key holds at most 1,024 bytes; a lead id and a separator follow the name.
MAX_NAME_TERM = 100
PHONE_DIGITS = (5, 15)

LEAD_ID_RE = re.compile(r"ld_[a-z2-7]{26}")
_PHONE_RE = re.compile(r"\+?[\d\s().\-]+")
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+")
# A lead_ref an operator types: one token holding a digit or a character no name has.
_REF_HINT = re.compile(r"[\d:_/|=]")
_SPACES = re.compile(r"\s+")


class SearchKind(enum.Enum):
    LEAD_ID = "lead_id"
    LEAD_REF = "lead_ref"
    PHONE = "phone"
    EMAIL = "email"
    TAG = "tag"
    NAME = "name"


class SearchQuery(msgspec.Struct, frozen=True):
    """A query as the index sees it: the kind and its normalised value."""

    kind: SearchKind
    value: str

    @property
    def term(self) -> str:
        """The logical index term: exact kinds match it whole, a name by prefix."""
        return f"{self.kind.value}#{self.value}"


# --- normalisation ----------------------------------------------------------------------------

def fold(text: str) -> str:
    """Case- and accent-insensitive form: NFKD, combining marks dropped, casefolded, spaces
    collapsed ("Ёлка  Zoë" -> "елка zoe"). NFKD again after casefold: "ß" folds to "ss", and
    some folded letters decompose further."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = unicodedata.normalize("NFKD", stripped.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return _SPACES.sub(" ", folded).strip()


def phone_digits(text: str) -> str | None:
    """E.164-ish: the digits only ("+7 (999) 123-45-67" -> "79991234567"), a leading
    international "00" dropped. None when it is not 5-15 digits. A national "8 999 ..." stays
    as typed: Handover does not guess countries."""
    digits = "".join(c for c in text if c.isdigit() and c.isascii())
    if digits.startswith("00"):
        digits = digits[2:]
    low, high = PHONE_DIGITS
    return digits if low <= len(digits) <= high else None


def email_key(text: str) -> str | None:
    value = text.strip().lower()
    return value if _EMAIL_RE.fullmatch(value) else None


def tag_key(text: str) -> str | None:
    """Tags match whole, but not by case: "#VIP" finds a lead tagged "vip"."""
    value = text.strip().lstrip("#").strip().casefold()
    return value or None


# --- a query ------------------------------------------------------------------------------------

def parse_query(text: str) -> SearchQuery:
    """Which kind of search `text` is (docs/operator-api.md "Search", in this order):
    `ld_…` a lead id; `ref:…` a lead_ref; `#…` a tag; one token with `@` an e-mail; digits with
    phone punctuation (5-15 digits) a phone; one token holding a digit or `: _ / | =` a
    lead_ref; anything else a name prefix."""
    raw = (text or "").strip()
    if not raw:
        raise ValidationFailed("type something to search for", fields={"q": "empty"})
    if len(raw) > MAX_QUERY:
        raise ValidationFailed(f"a search is at most {MAX_QUERY} characters", fields={"q": "too long"})

    if LEAD_ID_RE.fullmatch(raw):
        return SearchQuery(SearchKind.LEAD_ID, raw)
    if raw.lower().startswith("ref:") and raw[4:].strip():
        return SearchQuery(SearchKind.LEAD_REF, raw[4:].strip())
    if raw.startswith("#"):
        tag = tag_key(raw)
        if tag is None:
            raise ValidationFailed("a tag search needs a tag after #", fields={"q": "empty tag"})
        return SearchQuery(SearchKind.TAG, tag)
    single = not _SPACES.search(raw)
    if single and "@" in raw:
        email = email_key(raw)
        if email is not None:
            return SearchQuery(SearchKind.EMAIL, email)
    if _PHONE_RE.fullmatch(raw):
        phone = phone_digits(raw)
        if phone is not None:
            return SearchQuery(SearchKind.PHONE, phone)
    if single and _REF_HINT.search(raw):
        return SearchQuery(SearchKind.LEAD_REF, raw)
    name = fold(raw)[:MAX_NAME_TERM]
    if not name:
        raise ValidationFailed("type letters to search a name", fields={"q": "no letters"})
    return SearchQuery(SearchKind.NAME, name)


# --- a lead's terms -------------------------------------------------------------------------------

def name_terms(name: str | None) -> set[str]:
    """The folded name from each of its first words on: "Anna Maria Petrova" is found by
    "anna…", "maria…" and "petrova…", and "anna ma" matches the whole name's prefix."""
    words = fold(name or "").split(" ")
    words = [w for w in words if w]
    return {" ".join(words[i:])[:MAX_NAME_TERM] for i in range(min(len(words), MAX_NAME_WORDS))}


def lead_terms(lead_ref: str, name: str | None, phone: object, email: object, tags: Iterable[str]) -> frozenset[str]:
    """Every logical index term of a lead (`kind#value`), from its fields as stored."""
    terms = {f"{SearchKind.LEAD_REF.value}#{lead_ref}"}
    terms |= {f"{SearchKind.NAME.value}#{term}" for term in name_terms(name)}
    if isinstance(phone, str) and (digits := phone_digits(phone)):
        terms.add(f"{SearchKind.PHONE.value}#{digits}")
    if isinstance(email, str) and (address := email_key(email)):
        terms.add(f"{SearchKind.EMAIL.value}#{address}")
    folded_tags: list[str] = []
    for tag in tags:
        key = tag_key(tag)
        if key and key not in folded_tags:
            folded_tags.append(key)
    terms |= {f"{SearchKind.TAG.value}#{tag}" for tag in folded_tags[:MAX_TAG_TERMS]}
    return frozenset(terms)
