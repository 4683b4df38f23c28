"""Search as a service: a query's kind is decided by the pure rules (`domain/search.py`), and a
page of results is one Query on the search table (`storage/search.py`)."""

from __future__ import annotations

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.search import SearchQuery, parse_query
from chalicelib.storage.search import SearchPage, SearchReader
from chalicelib.text import has_lone_surrogate

DEFAULT_PAGE = 30


class Search:
    def __init__(self, reader: SearchReader) -> None:
        self.reader = reader

    def page(self, text: str, limit: int = DEFAULT_PAGE, cursor: str | None = None) -> tuple[SearchQuery, SearchPage]:
        """The kind `text` was read as, and a page of dialog rows (a 422 for an empty or
        over-long query, or a cursor of another query)."""
        if has_lone_surrogate(text or ""):
            # No stored term holds one, and DynamoDB could not take it as a key (a 500 otherwise).
            raise ValidationFailed("a search must be valid Unicode", fields={"q": "not valid Unicode"})
        query = parse_query(text)
        return query, self.reader.page(query, limit, cursor)
