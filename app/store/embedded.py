"""The embedded store: mongomock behind the same async interface as the real driver.

Data lives as long as the process. Each call runs to completion without yielding to the
event loop, and holds its client's lock: mongomock is not thread-safe (a replacement
clears the stored document, then fills it), and tests run a server and workers in threads
of one process on one client. So a compare-and-set (`replace_one` with a revision in the
filter) is atomic here just as it is on a MongoDB server, and no read sees half a write.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import mongomock
from pymongo import ReturnDocument

from app.store.collection import Collection, Document, DuplicateKey, Filter, SortSpec

# One lock per mongomock client, shared by every database and collection made on it.
_LOCKS: weakref.WeakKeyDictionary[Any, threading.Lock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


def lock_of(client: Any) -> threading.Lock:
    """The lock every call on `client` holds (a benchmark reading it directly takes it too)."""
    with _LOCKS_GUARD:
        found = _LOCKS.get(client)
        if found is None:
            found = _LOCKS[client] = threading.Lock()
        return found


class EmbeddedCollection:
    def __init__(self, collection: Any, lock: threading.Lock) -> None:
        self._c = collection
        self._lock = lock

    async def find_one(self, filter: Filter) -> Document | None:
        with self._lock:
            found: Document | None = self._c.find_one(dict(filter))
        return found

    async def find(
        self,
        filter: Filter,
        *,
        sort: SortSpec = (),
        limit: int = 0,
        skip: int = 0,
        exclude: Sequence[str] = (),
    ) -> list[Document]:
        with self._lock:
            cursor = self._c.find(dict(filter), {name: 0 for name in exclude} or None)
            if sort:
                cursor = cursor.sort(list(sort))
            if skip:
                cursor = cursor.skip(skip)
            if limit:
                cursor = cursor.limit(limit)
            return list(cursor)

    async def count(self, filter: Filter) -> int:
        with self._lock:
            return int(self._c.count_documents(dict(filter)))

    async def insert_one(self, document: Document) -> None:
        try:
            with self._lock:
                self._c.insert_one(dict(document))
        except mongomock.DuplicateKeyError as error:
            raise DuplicateKey(str(error)) from error

    async def insert_new(self, documents: list[Document]) -> int:
        inserted = 0
        for document in documents:
            try:
                with self._lock:
                    self._c.insert_one(dict(document))
            except mongomock.DuplicateKeyError:
                continue
            inserted += 1
        return inserted

    async def replace_one(
        self, filter: Filter, document: Document, *, upsert: bool = False
    ) -> bool:
        try:
            with self._lock:
                result = self._c.replace_one(dict(filter), dict(document), upsert=upsert)
        except mongomock.DuplicateKeyError as error:
            raise DuplicateKey(str(error)) from error
        return bool(result.matched_count) or result.upserted_id is not None

    async def update_one(self, filter: Filter, update: Mapping[str, Any]) -> bool:
        try:
            with self._lock:
                return bool(self._c.update_one(dict(filter), dict(update)).matched_count)
        except mongomock.DuplicateKeyError as error:
            raise DuplicateKey(str(error)) from error

    async def find_one_and_update(
        self, filter: Filter, update: Mapping[str, Any], *, upsert: bool = False
    ) -> Document | None:
        with self._lock:
            found: Document | None = self._c.find_one_and_update(
                dict(filter),
                dict(update),
                upsert=upsert,
                return_document=ReturnDocument.AFTER,
            )
        return found

    async def delete_one(self, filter: Filter) -> bool:
        with self._lock:
            return bool(self._c.delete_one(dict(filter)).deleted_count)

    async def delete_many(self, filter: Filter) -> int:
        with self._lock:
            return int(self._c.delete_many(dict(filter)).deleted_count)

    async def create_index(
        self,
        keys: SortSpec,
        *,
        unique: bool = False,
        name: str | None = None,
        sparse: bool = False,
    ) -> None:
        options: dict[str, Any] = {"unique": unique}
        if sparse:
            options["sparse"] = True
        if name:
            options["name"] = name
        with self._lock:
            self._c.create_index(list(keys), **options)


class EmbeddedDatabase:
    """An in-process database; several share data only when they share `client`."""

    mode = "embedded"

    def __init__(self, name: str, client: Any | None = None) -> None:
        self._client = client if client is not None else mongomock.MongoClient()
        self._lock = lock_of(self._client)
        self._db = self._client[name]
        self._collections: dict[str, EmbeddedCollection] = {}

    def collection(self, name: str) -> Collection:
        if name not in self._collections:
            self._collections[name] = EmbeddedCollection(self._db[name], self._lock)
        return self._collections[name]

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None
