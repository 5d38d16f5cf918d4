"""Process blueprints: create, revise, delete, read and list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from app.domain.accounts import PROCESS_WRITERS, User, require_role
from app.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound
from app.domain.ids import new_id
from app.domain.process import Process, ProcessSpec
from app.domain.process_validation import validate_process
from app.services import Services
from app.store.paging import Page, PageRequest
from app.store.processes import DuplicateProcessName, ProcessQuery

RELEASES = "releases"
MAX_UPDATE_ATTEMPTS = 5


def _checked(spec: ProcessSpec) -> ProcessSpec:
    problems = validate_process(spec)
    if problems:
        raise InvalidInput(problems)
    return spec


def _duplicate_name(name: str) -> Conflict:
    return Conflict(f"a process named {name!r} already exists")


def spec_from_fields(fields: Mapping[str, Any]) -> ProcessSpec:
    """A spec from plain data (GraphQL input, example files), with every problem named."""
    try:
        return ProcessSpec.model_validate(fields)
    except ValidationError as error:
        raise InvalidInput(
            FieldProblem(".".join(str(p) for p in e["loc"]), e["msg"]) for e in error.errors()
        ) from error


async def get_process_or_raise(services: Services, process_id: str) -> Process:
    process = await services.processes.get(process_id)
    if process is None:
        raise NotFound("Process", process_id)
    return process


async def create_process(services: Services, *, actor: User, spec: ProcessSpec) -> Process:
    """Validate a blueprint and store it as version 1."""
    require_role(actor, PROCESS_WRITERS, "createProcess")
    _checked(spec)
    now = services.clock()
    process = Process(
        **dict(spec), id=new_id("prc"), created_by=actor.name, created_at=now, updated_at=now
    )
    try:
        await services.processes.insert(process)
    except DuplicateProcessName as error:
        raise _duplicate_name(spec.name) from error
    return process


async def update_process(
    services: Services,
    *,
    actor: User,
    process_id: str,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
) -> Process:
    """Apply `changes` as the next version; earlier versions stay readable."""
    require_role(actor, PROCESS_WRITERS, "updateProcess")
    for _ in range(MAX_UPDATE_ATTEMPTS):
        current = await get_process_or_raise(services, process_id)
        if expected_version is not None and current.version != expected_version:
            raise Conflict(
                f"process {process_id} is at version {current.version}, "
                f"not the expected {expected_version}"
            )
        spec = _checked(spec_from_fields({**current.spec.model_dump(), **changes}))
        revised = current.revised(spec, services.clock())
        try:
            if await services.processes.replace(revised, expected_version=current.version):
                return revised
        except DuplicateProcessName as error:
            raise _duplicate_name(spec.name) from error
        if expected_version is not None:
            raise Conflict(f"process {process_id} was changed by someone else; reload it")
    raise Conflict(f"process {process_id} is changing too often to update; try again")


async def releases_using(services: Services, process_id: str) -> int:
    """How many releases were made from this process (they pin its versions)."""
    return await services.db.collection(RELEASES).count({"process_id": process_id})


async def delete_process(services: Services, *, actor: User, process_id: str) -> str:
    require_role(actor, PROCESS_WRITERS, "deleteProcess")
    await get_process_or_raise(services, process_id)
    in_use = await releases_using(services, process_id)
    if in_use:
        raise Conflict(
            f"process {process_id} is used by {in_use} release(s); delete or archive them first"
        )
    groups = await services.release_groups.count_for_process(process_id)
    if groups:
        raise Conflict(f"process {process_id} is used by {groups} release group(s)")
    if not await services.processes.delete(process_id):
        raise NotFound("Process", process_id)
    await services.input_sets.delete_for_process(process_id)
    return process_id


async def list_processes(
    services: Services, *, query: ProcessQuery, page: PageRequest
) -> Page[Process]:
    return await services.processes.page(query, page)


async def count_processes(services: Services, *, query: ProcessQuery) -> int:
    return await services.processes.count(query)
