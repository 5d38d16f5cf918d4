"""The `release_groups` collection: one document per group, replaced by compare-and-set."""

from __future__ import annotations

from datetime import timedelta

from app.domain.cadence import CadenceUnit
from app.domain.release_group import OccurrenceInputs, ReleaseGroup
from app.store.codec import as_utc, from_json_text, json_text
from app.store.collection import ASCENDING, Database, Document, DuplicateKey
from app.store.paging import Page, PageRequest, fetch_page

RELEASE_GROUPS = "release_groups"


class DuplicateGroupName(Exception):
    pass


def to_document(group: ReleaseGroup) -> Document:
    return {
        "_id": group.id,
        "name": group.name,
        "name_key": group.name.casefold(),
        "description": group.description,
        "process_id": group.process_id,
        "input_set_id": group.input_set_id,
        "cadence": group.cadence.value,
        "rule": group.rule,
        "timezone": group.timezone,
        "start_date": group.start_date,
        "end_date": group.end_date,
        "duration_s": group.duration.total_seconds(),
        "name_template": group.name_template,
        # User JSON stays text: see app/store/codec.py.
        "default_inputs_json": json_text(group.default_inputs),
        "occurrence_inputs_json": json_text(
            [
                {"occurrence": o.occurrence.isoformat(), "inputs": o.inputs}
                for o in group.occurrence_inputs
            ]
        ),
        "active": group.active,
        "auto_start": group.auto_start,
        "services": list(group.services),
        "environments": list(group.environments),
        "tags": list(group.tags),
        "version": group.version,
        "revision": group.revision,
        "generated_through": group.generated_through,
        "created_by": group.created_by,
        "created_at": group.created_at,
        "updated_at": group.updated_at,
    }


def from_document(doc: Document) -> ReleaseGroup:
    return ReleaseGroup(
        id=doc["_id"],
        name=doc["name"],
        description=doc.get("description"),
        process_id=doc["process_id"],
        input_set_id=doc.get("input_set_id"),
        cadence=CadenceUnit(doc["cadence"]),
        rule=doc["rule"],
        timezone=doc["timezone"],
        start_date=as_utc(doc["start_date"]),
        end_date=None if doc.get("end_date") is None else as_utc(doc["end_date"]),
        duration=timedelta(seconds=doc["duration_s"]),
        name_template=doc["name_template"],
        default_inputs=from_json_text(doc["default_inputs_json"]),
        occurrence_inputs=tuple(
            OccurrenceInputs.model_validate(o)
            for o in from_json_text(doc.get("occurrence_inputs_json")) or ()
        ),
        active=doc["active"],
        auto_start=doc["auto_start"],
        services=tuple(doc.get("services", ())),
        environments=tuple(doc.get("environments", ())),
        tags=tuple(doc.get("tags", ())),
        version=doc["version"],
        revision=doc["revision"],
        generated_through=(
            None if doc.get("generated_through") is None else as_utc(doc["generated_through"])
        ),
        created_by=doc["created_by"],
        created_at=as_utc(doc["created_at"]),
        updated_at=as_utc(doc["updated_at"]),
    )


class ReleaseGroupStore:
    def __init__(self, db: Database) -> None:
        self._groups = db.collection(RELEASE_GROUPS)

    async def create_indexes(self) -> None:
        await self._groups.create_index([("name_key", ASCENDING)], unique=True)
        await self._groups.create_index([("active", ASCENDING)])
        await self._groups.create_index([("process_id", ASCENDING)])

    async def get(self, group_id: str) -> ReleaseGroup | None:
        doc = await self._groups.find_one({"_id": group_id})
        return None if doc is None else from_document(doc)

    async def get_many(self, group_ids: list[str]) -> dict[str, ReleaseGroup]:
        docs = await self._groups.find({"_id": {"$in": list(group_ids)}})
        return {doc["_id"]: from_document(doc) for doc in docs}

    async def active(self, *, limit: int = 10_000) -> list[ReleaseGroup]:
        """Active groups, oldest first."""
        docs = await self._groups.find({"active": True}, sort=[("_id", ASCENDING)], limit=limit)
        return [from_document(doc) for doc in docs]

    async def count_for_process(self, process_id: str) -> int:
        return await self._groups.count({"process_id": process_id})

    async def count_using_input_set(self, input_set_id: str) -> int:
        return await self._groups.count({"input_set_id": input_set_id})

    async def insert(self, group: ReleaseGroup) -> None:
        try:
            await self._groups.insert_one(to_document(group))
        except DuplicateKey as error:
            raise DuplicateGroupName(group.name) from error

    async def replace(self, group: ReleaseGroup, *, expected_revision: int) -> bool:
        """Compare-and-set on `revision`; False when someone else changed it first."""
        try:
            return await self._groups.replace_one(
                {"_id": group.id, "revision": expected_revision}, to_document(group)
            )
        except DuplicateKey as error:
            raise DuplicateGroupName(group.name) from error

    async def delete(self, group: ReleaseGroup) -> bool:
        return await self._groups.delete_one({"_id": group.id, "revision": group.revision})

    async def page(self, request: PageRequest) -> Page[ReleaseGroup]:
        return await fetch_page(self._groups, {}, request, from_document)

    async def count(self) -> int:
        return await self._groups.count({})
