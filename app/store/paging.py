"""Keyset pagination on `_id` (ids are time-ordered), forwards and backwards."""

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
) -> Page[T]:
    id_range: Document = {}
    if request.after is not None:
        id_range["$gt"] = request.after
    if request.before is not None:
        id_range["$lt"] = request.before
    query: Document = dict(conditions)
    if id_range:
        query = (
            {"$and": [dict(conditions), {"_id": id_range}]}
            if "_id" in query
            else {
                **query,
                "_id": id_range,
            }
        )
    backwards = request.last is not None and request.first is None
    size = (request.last if backwards else request.first) or 0
    docs = await collection.find(
        query, sort=[("_id", DESCENDING if backwards else ASCENDING)], limit=size + 1
    )
    more = len(docs) > size
    docs = docs[:size]
    if backwards:
        docs.reverse()
        return Page(
            [(d["_id"], decode(d)) for d in docs],
            has_next=request.before is not None,
            has_previous=more,
        )
    return Page(
        [(d["_id"], decode(d)) for d in docs],
        has_next=more,
        has_previous=request.after is not None,
    )
