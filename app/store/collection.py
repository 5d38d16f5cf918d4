"""The subset of the MongoDB collection API the store uses, for both backends.

Keeping it this small is deliberate: every query here must behave the same on a real
MongoDB, the embedded in-process store and wire-protocol look-alikes. Filters are always
built by store code from typed values, never passed through from users.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

Document = dict[str, Any]
Filter = Mapping[str, Any]
SortSpec = Sequence[tuple[str, int]]

ASCENDING = 1
DESCENDING = -1


class DuplicateKey(Exception):
    """A unique index refused a write."""


class Collection(Protocol):
    """Async access to one collection."""

    async def find_one(self, filter: Filter) -> Document | None: ...

    async def find(
        self,
        filter: Filter,
        *,
        sort: SortSpec = (),
        limit: int = 0,
        skip: int = 0,
        exclude: Sequence[str] = (),
    ) -> list[Document]:
        """Matching documents; `exclude` leaves out top-level fields (large ones not needed)."""
        ...

    async def count(self, filter: Filter) -> int: ...

    async def insert_one(self, document: Document) -> None: ...

    async def insert_new(self, documents: list[Document]) -> int:
        """Insert many in one go; those whose `_id` exists already are skipped. How many new."""
        ...

    async def replace_one(
        self, filter: Filter, document: Document, *, upsert: bool = False
    ) -> bool:
        """Replace the one matching document; False when none matched.

        With `upsert`, insert `document` when none matches (and return True). The
        document must then carry its own `_id`: not every server copies it from the filter.
        """
        ...

    async def update_one(self, filter: Filter, update: Mapping[str, Any]) -> bool: ...

    async def find_one_and_update(
        self, filter: Filter, update: Mapping[str, Any], *, upsert: bool = False
    ) -> Document | None:
        """Apply `update` and return the document as it is afterwards."""
        ...

    async def delete_one(self, filter: Filter) -> bool: ...

    async def delete_many(self, filter: Filter) -> int: ...

    async def create_index(
        self,
        keys: SortSpec,
        *,
        unique: bool = False,
        name: str | None = None,
        sparse: bool = False,
    ) -> None:
        """`sparse`: documents without the key are left out (a unique key only some have)."""
        ...


class Database(Protocol):
    """A named database of collections."""

    mode: str

    def collection(self, name: str) -> Collection: ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...
