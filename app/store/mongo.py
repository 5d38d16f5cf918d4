"""The production store: PyMongo's native async driver (`AsyncMongoClient`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from app.store.collection import Collection, Document, DuplicateKey, Filter, SortSpec

DUPLICATE_KEY = 11000


class MongoCollection:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._c = collection

    async def find_one(self, filter: Filter) -> Document | None:
        return await self._c.find_one(dict(filter))

    async def find(
        self,
        filter: Filter,
        *,
        sort: SortSpec = (),
        limit: int = 0,
        skip: int = 0,
        exclude: Sequence[str] = (),
    ) -> list[Document]:
        cursor = self._c.find(
            dict(filter),
            {name: 0 for name in exclude} or None,
            sort=list(sort) or None,
            limit=limit,
            skip=skip,
        )
        return await cursor.to_list(None)

    async def count(self, filter: Filter) -> int:
        return await self._c.count_documents(dict(filter))

    async def insert_one(self, document: Document) -> None:
        try:
            await self._c.insert_one(dict(document))
        except DuplicateKeyError as error:
            raise DuplicateKey(str(error)) from error

    async def insert_new(self, documents: list[Document]) -> int:
        if not documents:
            return 0
        try:
            result = await self._c.insert_many([dict(d) for d in documents], ordered=False)
        except BulkWriteError as error:
            details = error.details or {}
            if any(e.get("code") != DUPLICATE_KEY for e in details.get("writeErrors", [])):
                raise
            return int(details.get("nInserted", 0))
        return len(result.inserted_ids)

    async def replace_one(
        self, filter: Filter, document: Document, *, upsert: bool = False
    ) -> bool:
        try:
            result = await self._c.replace_one(dict(filter), dict(document), upsert=upsert)
        except DuplicateKeyError as error:
            raise DuplicateKey(str(error)) from error
        return result.matched_count > 0 or result.upserted_id is not None

    async def update_one(self, filter: Filter, update: Mapping[str, Any]) -> bool:
        try:
            result = await self._c.update_one(dict(filter), dict(update))
        except DuplicateKeyError as error:
            raise DuplicateKey(str(error)) from error
        return result.matched_count > 0

    async def find_one_and_update(
        self, filter: Filter, update: Mapping[str, Any], *, upsert: bool = False
    ) -> Document | None:
        return await self._c.find_one_and_update(
            dict(filter), dict(update), upsert=upsert, return_document=ReturnDocument.AFTER
        )

    async def delete_one(self, filter: Filter) -> bool:
        return (await self._c.delete_one(dict(filter))).deleted_count > 0

    async def delete_many(self, filter: Filter) -> int:
        return (await self._c.delete_many(dict(filter))).deleted_count

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
        await self._c.create_index(list(keys), **options)


class MongoDatabase:
    mode = "mongodb"

    def __init__(self, url: str, name: str) -> None:
        self._client: AsyncMongoClient[Document] = AsyncMongoClient(
            url, tz_aware=True, serverSelectionTimeoutMS=5000, appname="cadenza"
        )
        self._db = self._client[name]
        self._collections: dict[str, MongoCollection] = {}

    def collection(self, name: str) -> Collection:
        if name not in self._collections:
            self._collections[name] = MongoCollection(self._db[name])
        return self._collections[name]

    async def ping(self) -> None:
        await self._db.command("ping")

    async def close(self) -> None:
        await self._client.close()
