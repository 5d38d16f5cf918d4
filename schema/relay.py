"""Relay building blocks: the Node interface, connections, cursors and page arguments."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import strawberry

from app.domain.errors import InvalidInput
from app.settings import Settings
from app.store.paging import Page, PageRequest

T = TypeVar("T")
N = TypeVar("N")

_CURSOR_PREFIX = "cursor:"


@strawberry.interface(name="Node", description="An object with a globally unique id.")
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many objects match, across all pages.")
    async def total_count(self) -> int:
        return await self._count()


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode((_CURSOR_PREFIX + key).encode()).decode()


def decode_cursor(cursor: str, argument: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith(_CURSOR_PREFIX):
        raise InvalidInput.single(argument, "is not a cursor returned by this API")
    return text.removeprefix(_CURSOR_PREFIX)


def page_request(
    settings: Settings,
    *,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> PageRequest:
    """Checked Relay arguments; `first` defaults to the configured page size."""
    limit = settings.max_page_size
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= limit:
            raise InvalidInput.single(name, f"must be between 0 and {limit}")
    if first is not None and last is not None:
        raise InvalidInput.single("last", "give either first or last, not both")
    if first is None and last is None:
        first = settings.default_page_size
    return PageRequest(
        first=first,
        after=None if after is None else decode_cursor(after, "after"),
        last=last,
        before=None if before is None else decode_cursor(before, "before"),
    )


def connection(
    page: Page[N], wrap: Callable[[N], T], count: Callable[[], Awaitable[int]]
) -> Connection[T]:
    edges = [Edge(cursor=encode_cursor(key), node=wrap(item)) for key, item in page.items]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _count=count,
    )
