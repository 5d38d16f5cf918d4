"""The `input_sets` collection: one document per input set, its revisions embedded."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.input_set import InputSet, InputSetRevision
from app.store.codec import as_utc, from_json_text, json_text
from app.store.collection import ASCENDING, Database, Document, DuplicateKey
from app.store.paging import Page, PageRequest, fetch_page

INPUT_SETS = "input_sets"


class DuplicateInputSetName(Exception):
    pass


def _revision_doc(revision: InputSetRevision) -> Document:
    return {
        "version": revision.version,
        "at": revision.at,
        "actor": revision.actor,
        "values_json": json_text(revision.values),
        "changed": list(revision.changed),
    }


def _revision_from(doc: Document) -> InputSetRevision:
    return InputSetRevision(
        version=doc["version"],
        at=as_utc(doc["at"]),
        actor=doc["actor"],
        values=from_json_text(doc["values_json"]),
        changed=tuple(doc["changed"]),
    )


def to_document(input_set: InputSet) -> Document:
    return {
        "_id": input_set.id,
        "process_id": input_set.process_id,
        "name": input_set.name,
        "name_key": input_set.name.casefold(),
        "description": input_set.description,
        "values_json": json_text(input_set.values),
        "version": input_set.version,
        "history": [_revision_doc(r) for r in input_set.history],
        "created_by": input_set.created_by,
        "created_at": input_set.created_at,
        "updated_at": input_set.updated_at,
    }


def from_document(doc: Document) -> InputSet:
    return InputSet(
        id=doc["_id"],
        process_id=doc["process_id"],
        name=doc["name"],
        description=doc.get("description"),
        values=from_json_text(doc["values_json"]),
        version=doc["version"],
        history=tuple(_revision_from(r) for r in doc.get("history", ())),
        created_by=doc["created_by"],
        created_at=as_utc(doc["created_at"]),
        updated_at=as_utc(doc["updated_at"]),
    )


@dataclass(frozen=True, slots=True)
class InputSetQuery:
    process_id: str | None = None


class InputSetStore:
    def __init__(self, db: Database) -> None:
        self._input_sets = db.collection(INPUT_SETS)

    async def create_indexes(self) -> None:
        await self._input_sets.create_index(
            [("process_id", ASCENDING), ("name_key", ASCENDING)], unique=True
        )

    async def get(self, input_set_id: str) -> InputSet | None:
        doc = await self._input_sets.find_one({"_id": input_set_id})
        return None if doc is None else from_document(doc)

    async def get_many(self, input_set_ids: list[str]) -> dict[str, InputSet]:
        docs = await self._input_sets.find({"_id": {"$in": list(input_set_ids)}})
        return {doc["_id"]: from_document(doc) for doc in docs}

    async def for_processes(self, process_ids: list[str]) -> dict[str, list[InputSet]]:
        """Input sets of each process, oldest first, in one query."""
        docs = await self._input_sets.find(
            {"process_id": {"$in": list(process_ids)}}, sort=[("_id", ASCENDING)]
        )
        grouped: dict[str, list[InputSet]] = {pid: [] for pid in process_ids}
        for doc in docs:
            grouped[doc["process_id"]].append(from_document(doc))
        return grouped

    async def insert(self, input_set: InputSet) -> None:
        try:
            await self._input_sets.insert_one(to_document(input_set))
        except DuplicateKey as error:
            raise DuplicateInputSetName(input_set.name) from error

    async def replace(self, input_set: InputSet, *, expected_version: int) -> bool:
        """Compare-and-set on `version`; False when someone else changed it first."""
        try:
            return await self._input_sets.replace_one(
                {"_id": input_set.id, "version": expected_version}, to_document(input_set)
            )
        except DuplicateKey as error:
            raise DuplicateInputSetName(input_set.name) from error

    async def delete(self, input_set_id: str) -> bool:
        return await self._input_sets.delete_one({"_id": input_set_id})

    async def delete_for_process(self, process_id: str) -> int:
        return await self._input_sets.delete_many({"process_id": process_id})

    async def page(self, query: InputSetQuery, request: PageRequest) -> Page[InputSet]:
        return await fetch_page(self._input_sets, self._filter(query), request, from_document)

    async def count(self, query: InputSetQuery) -> int:
        return await self._input_sets.count(self._filter(query))

    @staticmethod
    def _filter(query: InputSetQuery) -> Document:
        return {} if query.process_id is None else {"process_id": query.process_id}
