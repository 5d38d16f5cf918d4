"""The embedded store: mongomock behind the same async interface as the real driver.

Data lives as long as the process. Each call runs to completion without yielding to the
event loop, so a compare-and-set (`replace_one` with a revision in the filter) is atomic
here just as it is on a MongoDB server.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import mongomock
from pymongo import ReturnDocument

from app.store.collection import Collection, Document, DuplicateKey, Filter, SortSpec


class EmbeddedCollection:
    def __init__(self, collection: Any) -> None:
        self._c = collection

    async def find_one(self, filter: Filter) -> Document | None:
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
        cursor = self._c.find(dict(filter), {name: 0 for name in exclude} or None)
        if sort:
            cursor = cursor.sort(list(sort))
        if skip:
            cursor = cursor.skip(skip)
        if limit:
            cursor = cursor.limit(limit)
        return list(cursor)

    async def count(self, filter: Filter) -> int:
        return int(self._c.count_documents(dict(filter)))

    async def insert_one(self, document: Document) -> None:
        try:
            self._c.insert_one(dict(document))
        except mongomock.DuplicateKeyError as error:
            raise DuplicateKey(str(error)) from error

    async def insert_new(self, documents: list[Document]) -> int:
        inserted = 0
        for document in documents:
            try:
                self._c.insert_one(dict(document))
            except mongomock.DuplicateKeyError:
                continue
            inserted += 1
        return inserted

    async def replace_one(
        self, filter: Filter, document: Document, *, upsert: bool = False
    ) -> bool:
        try:
            result = self._c.replace_one(dict(filter), dict(document), upsert=upsert)
        except mongomock.DuplicateKeyError as error:
            raise DuplicateKey(str(error)) from error
        return bool(result.matched_count) or result.upserted_id is not None

    async def update_one(self, filter: Filter, update: Mapping[str, Any]) -> bool:
        try:
            return bool(self._c.update_one(dict(filter), dict(update)).matched_count)
        except mongomock.DuplicateKeyError as error:
            raise DuplicateKey(str(error)) from error

    async def find_one_and_update(
        self, filter: Filter, update: Mapping[str, Any], *, upsert: bool = False
    ) -> Document | None:
        found: Document | None = self._c.find_one_and_update(
            dict(filter),
            dict(update),
            upsert=upsert,
            return_document=ReturnDocument.AFTER,
        )
        return found

    async def delete_one(self, filter: Filter) -> bool:
        return bool(self._c.delete_one(dict(filter)).deleted_count)

    async def delete_many(self, filter: Filter) -> int:
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
        self._c.create_index(list(keys), **options)


class EmbeddedDatabase:
    """An in-process database; several share data only when they share `client`."""

    mode = "embedded"

    def __init__(self, name: str, client: Any | None = None) -> None:
        self._client = client if client is not None else mongomock.MongoClient()
        self._db = self._client[name]
        self._collections: dict[str, EmbeddedCollection] = {}

    def collection(self, name: str) -> Collection:
        if name not in self._collections:
            self._collections[name] = EmbeddedCollection(self._db[name])
        return self._collections[name]

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None
