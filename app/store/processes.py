"""The `processes` collection (current versions) and `process_versions` (every version)."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Any

from app.domain.process import (
    ActivityTemplate,
    InputDefinition,
    PhaseTemplate,
    Process,
    ProcessKind,
)
from app.store.codec import as_utc, from_json_text, json_text
from app.store.collection import ASCENDING, Database, Document, DuplicateKey
from app.store.paging import Page, PageRequest, fetch_page

PROCESSES = "processes"
VERSIONS = "process_versions"


class DuplicateProcessName(Exception):
    pass


@dataclass(frozen=True, slots=True)
class ProcessQuery:
    kind: ProcessKind | None = None
    tag: str | None = None
    search: str | None = None


def _input_doc(definition: InputDefinition) -> Document:
    doc = definition.model_dump(mode="python", exclude={"default", "allowed_values"})
    doc["default_json"] = json_text(definition.default)
    doc["allowed_values_json"] = (
        None if definition.allowed_values is None else json_text(list(definition.allowed_values))
    )
    return doc


def _input_from(doc: Document) -> dict[str, Any]:
    data = {k: v for k, v in doc.items() if not k.endswith("_json")}
    data["default"] = from_json_text(doc.get("default_json"))
    data["allowed_values"] = from_json_text(doc.get("allowed_values_json"))
    return data


def _activity_doc(activity: ActivityTemplate) -> Document:
    doc = activity.model_dump(mode="python", exclude={"config"})
    doc["config_json"] = json_text(activity.config)
    return doc


def _activity_from(doc: Document) -> dict[str, Any]:
    data = {k: v for k, v in doc.items() if k != "config_json"}
    data["config"] = from_json_text(doc.get("config_json"))
    return data


def _phase_doc(phase: PhaseTemplate) -> Document:
    doc = phase.model_dump(mode="python", exclude={"activities"})
    doc["activities"] = [_activity_doc(a) for a in phase.activities]
    return doc


def to_document(process: Process) -> Document:
    doc = process.model_dump(mode="python", exclude={"id", "inputs", "phases"})
    doc["_id"] = process.id
    doc["name_key"] = process.name.casefold()
    doc["inputs"] = [_input_doc(i) for i in process.inputs]
    doc["phases"] = [_phase_doc(p) for p in process.phases]
    return doc


def from_document(doc: Document) -> Process:
    data = {k: v for k, v in doc.items() if k not in ("_id", "name_key", "process_id")}
    data["id"] = doc.get("process_id", doc["_id"])
    data["inputs"] = [_input_from(i) for i in doc.get("inputs", [])]
    data["phases"] = [
        {**p, "activities": [_activity_from(a) for a in p.get("activities", [])]}
        for p in doc.get("phases", [])
    ]
    data["created_at"] = as_utc(doc["created_at"])
    data["updated_at"] = as_utc(doc["updated_at"])
    return Process.model_validate(data)


class ProcessStore:
    def __init__(self, db: Database) -> None:
        self._processes = db.collection(PROCESSES)
        self._versions = db.collection(VERSIONS)

    async def create_indexes(self) -> None:
        await self._processes.create_index([("name_key", ASCENDING)], unique=True)
        # Not (kind, _id): wire-protocol look-alikes (nx-27017) build a compound key on
        # `_id` as an invalid JSON path, and every later insert then fails.
        await self._processes.create_index([("kind", ASCENDING)])
        await self._processes.create_index([("tags", ASCENDING)])
        await self._versions.create_index(
            [("process_id", ASCENDING), ("version", ASCENDING)], unique=True
        )

    async def get(self, process_id: str) -> Process | None:
        doc = await self._processes.find_one({"_id": process_id})
        return None if doc is None else from_document(doc)

    async def get_many(self, process_ids: list[str]) -> dict[str, Process]:
        docs = await self._processes.find({"_id": {"$in": list(process_ids)}})
        return {doc["_id"]: from_document(doc) for doc in docs}

    async def get_version(self, process_id: str, version: int) -> Process | None:
        doc = await self._versions.find_one({"process_id": process_id, "version": version})
        return None if doc is None else from_document(doc)

    async def insert(self, process: Process) -> None:
        try:
            await self._processes.insert_one(to_document(process))
        except DuplicateKey as error:
            raise DuplicateProcessName(process.name) from error
        await self._save_version(process)

    async def replace(self, process: Process, *, expected_version: int) -> bool:
        """Compare-and-set on `version`; False when someone else changed it first."""
        try:
            replaced = await self._processes.replace_one(
                {"_id": process.id, "version": expected_version}, to_document(process)
            )
        except DuplicateKey as error:
            raise DuplicateProcessName(process.name) from error
        if replaced:
            await self._save_version(process)
        return replaced

    async def _save_version(self, process: Process) -> None:
        doc = to_document(process)
        doc["process_id"] = process.id
        doc["_id"] = f"{process.id}:{process.version}"
        doc.pop("name_key")
        with contextlib.suppress(DuplicateKey):  # a retried write already recorded it
            await self._versions.insert_one(doc)

    async def delete(self, process_id: str) -> bool:
        deleted = await self._processes.delete_one({"_id": process_id})
        if deleted:
            await self._versions.delete_many({"process_id": process_id})
        return deleted

    @staticmethod
    def filter_for(query: ProcessQuery) -> Document:
        conditions: Document = {}
        if query.kind is not None:
            conditions["kind"] = query.kind.value
        if query.tag is not None:
            # The same match as equality on an array; nx-27017, the smoke tests' server,
            # answers equality on a multikey index with nothing.
            conditions["tags"] = {"$in": [query.tag]}
        if query.search:
            # Escaped: a user's search text is matched literally, never run as a pattern.
            conditions["name"] = {"$regex": re.escape(query.search), "$options": "i"}
        return conditions

    async def page(self, query: ProcessQuery, request: PageRequest) -> Page[Process]:
        return await fetch_page(self._processes, self.filter_for(query), request, from_document)

    async def count(self, query: ProcessQuery) -> int:
        return await self._processes.count(self.filter_for(query))
