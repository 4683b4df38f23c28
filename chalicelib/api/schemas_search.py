"""The search route's query string and answer (docs/operator-api.md, "Search"); listed in
`openapi_operator.py` like every other operator route."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import msgspec
from msgspec import Meta

from chalicelib.api.schemas import NON_BLANK
from chalicelib.api.schemas_operator import Cursor, DialogSummary, PageLimit
from chalicelib.domain.search import MAX_QUERY
from chalicelib.storage.tab_pages import DEFAULT_PAGE

SearchText = Annotated[str, Meta(min_length=1, max_length=MAX_QUERY, pattern=NON_BLANK, description=(
    f"1-{MAX_QUERY} characters. Its kind is read from the text: ld_… a lead id; ref:… a lead_ref; #tag a tag; "
    "one word with @ an e-mail; digits with phone punctuation (5-15 digits) a phone; one word with a digit or "
    ": _ / | = a lead_ref; anything else a name prefix."))]


class SearchQueryString(msgspec.Struct):
    q: SearchText
    limit: PageLimit = DEFAULT_PAGE
    cursor: Cursor = ""


class SearchResults(msgspec.Struct):
    example: ClassVar[dict[str, Any]] = {"kind": "phone", "value": "79991234567",
                                         "items": [DialogSummary.example], "next_cursor": None}

    kind: Annotated[Literal["lead_id", "lead_ref", "phone", "email", "tag", "name"],
                    Meta(description="How the query was read.")]
    value: Annotated[str, Meta(description="The query as the index compares it (normalised).")]
    items: list[DialogSummary]
    next_cursor: Annotated[str, Meta(description="Opaque; null on the last page.")] | None
