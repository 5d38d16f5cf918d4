"""Keyset pagination on a unique sort key (by default `_id`, which is time-ordered)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from app.store.collection import ASCENDING, DESCENDING, Collection, Document, Filter

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRequest:
    """`first`/`after` pages forwards, `last`/`before` backwards (Relay semantics)."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[tuple[str, T]]  # (id, item), id being the cursor key
    has_next: bool
    has_previous: bool


async def fetch_page(
    collection: Collection,
    conditions: Filter,
    request: PageRequest,
    decode: Callable[[Document], T],
    *,
    key_field: str = "_id",
) -> Page[T]:
    """One page ordered by `key_field`, a unique field whose values are the cursors."""
    key_range: Document = {}
    if request.after is not None:
        key_range["$gt"] = request.after
    if request.before is not None:
        key_range["$lt"] = request.before
    query: Document = dict(conditions)
    if key_range:
        if key_field in query:
            query = {"$and": [dict(conditions), {key_field: key_range}]}
        else:
            query[key_field] = key_range
    backwards = request.last is not None and request.first is None
    size = (request.last if backwards else request.first) or 0
    docs = await collection.find(
        query, sort=[(key_field, DESCENDING if backwards else ASCENDING)], limit=size + 1
    )
    more = len(docs) > size
    docs = docs[:size]
    items = [(d[key_field], decode(d)) for d in (reversed(docs) if backwards else docs)]
    if backwards:
        return Page(items, has_next=request.before is not None, has_previous=more)
    return Page(items, has_next=more, has_previous=request.after is not None)
