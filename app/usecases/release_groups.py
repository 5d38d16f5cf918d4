"""Release groups: create, edit and delete them, read them, preview their occurrences."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from app.domain.accounts import PROCESS_WRITERS, User, require_role
from app.domain.errors import Conflict, FieldProblem, NotFound
from app.domain.ids import new_id
from app.domain.input_set import InputSet
from app.domain.process import Process
from app.domain.release import Release
from app.domain.release_group import GroupSpec, ReleaseGroup, new_group, updated_group
from app.services import Services
from app.store.paging import Page, PageRequest
from app.store.release_groups import DuplicateGroupName
from app.usecases.group_generation import (
    SyncResult,
    materialise,
    pending_releases,
    remove_generated,
)

GROUP_WRITERS = PROCESS_WRITERS
MAX_UPDATE_ATTEMPTS = 5
MAX_UPCOMING = 100


def _duplicate(name: str) -> Conflict:
    return Conflict(f"a release group named {name!r} already exists")


async def get_group_or_raise(services: Services, group_id: str) -> ReleaseGroup:
    found = await services.release_groups.get(group_id)
    if found is None:
        raise NotFound("ReleaseGroup", group_id)
    return found


async def _sources(
    services: Services, process_id: str, input_set_id: str | None
) -> tuple[Process | None, InputSet | None, list[FieldProblem]]:
    """The process and input set a group names, and a problem for each that is missing."""
    problems: list[FieldProblem] = []
    process = await services.processes.get(process_id)
    if process is None:
        problems.append(FieldProblem("processId", f"process {process_id!r} does not exist"))
    input_set = None
    if input_set_id is not None:
        input_set = await services.input_sets.get(input_set_id)
        if input_set is None:
            message = f"input set {input_set_id!r} does not exist"
            problems.append(FieldProblem("inputSetId", message))
    return process, input_set, problems


async def create_group(services: Services, *, actor: User, spec: GroupSpec) -> SyncResult:
    """A new group, with its releases generated for the horizon before it returns."""
    require_role(actor, GROUP_WRITERS, "createReleaseGroup")
    process, input_set, problems = await _sources(services, spec.process_id, spec.input_set_id)
    # Checking a rule that never matches takes dateutil a moment: keep the loop free.
    group = await asyncio.to_thread(
        new_group,
        spec,
        group_id=new_id("grp"),
        process=process,
        input_set=input_set,
        actor=actor.name,
        now=services.clock(),
        problems=problems,
    )
    try:
        await services.release_groups.insert(group)
    except DuplicateGroupName as error:
        raise _duplicate(group.name) from error
    return await materialise(services, group)


async def update_group(
    services: Services,
    *,
    actor: User,
    group_id: str,
    changes: Mapping[str, object],
    expected_revision: int | None = None,
) -> SyncResult:
    """Edit a group; its future releases that have not started follow (hand edits win)."""
    require_role(actor, GROUP_WRITERS, "updateReleaseGroup")
    for _ in range(MAX_UPDATE_ATTEMPTS):
        group = await get_group_or_raise(services, group_id)
        if expected_revision is not None and group.revision != expected_revision:
            raise Conflict(
                f"release group {group_id} is at revision {group.revision}, "
                f"not the expected {expected_revision}"
            )
        process_id = str(changes.get("process_id") or group.process_id)
        input_set_id = changes.get("input_set_id", group.input_set_id)
        process, input_set, problems = await _sources(
            services, process_id, None if input_set_id is None else str(input_set_id)
        )
        updated = await asyncio.to_thread(
            updated_group,
            group,
            changes,
            process=process,
            input_set=input_set,
            now=services.clock(),
            problems=problems,
        )
        if updated is group:
            return await materialise(services, group)
        try:
            saved = await services.release_groups.replace(updated, expected_revision=group.revision)
        except DuplicateGroupName as error:
            raise _duplicate(updated.name) from error
        if saved:
            return await materialise(services, updated)
        if expected_revision is not None:
            raise Conflict(f"release group {group_id} was changed by someone else; reload it")
    raise Conflict(f"release group {group_id} is changing too often; try again")


@dataclass
class DeletedGroup:
    """A deleted group and what became of its future releases."""

    group: ReleaseGroup
    deleted_release_ids: list[str] = field(default_factory=list)
    kept: list[Release] = field(default_factory=list)


async def delete_group(
    services: Services,
    *,
    actor: User,
    group_id: str,
    delete_future: bool,
    expected_revision: int | None = None,
) -> DeletedGroup:
    """Delete a group; its future releases that have not started go too, or stay as they are.

    Releases that started, and every release of an occurrence already past, are never touched.
    """
    require_role(actor, GROUP_WRITERS, "deleteReleaseGroup")
    group = await get_group_or_raise(services, group_id)
    if expected_revision is not None and group.revision != expected_revision:
        raise Conflict(
            f"release group {group_id} is at revision {group.revision}, "
            f"not the expected {expected_revision}"
        )
    # The group goes first, so no generation run brings its releases back meanwhile.
    if not await services.release_groups.delete(group):
        raise Conflict(f"release group {group_id} changed while deleting it; reload it")
    result = DeletedGroup(group)
    future = await pending_releases(services, group.id, services.clock())
    if not delete_future:
        result.kept = future
        return result
    reason = f"its release group {group.name!r} was deleted"
    for release in future:
        if await remove_generated(services, release, reason=reason):
            result.deleted_release_ids.append(release.id)
        else:
            result.kept.append(release)
    return result


async def list_groups(services: Services, *, page: PageRequest) -> Page[ReleaseGroup]:
    return await services.release_groups.page(page)


async def count_groups(services: Services) -> int:
    return await services.release_groups.count()


def upcoming(group: ReleaseGroup, *, now: datetime, first: int) -> list[datetime]:
    """The next `first` occurrences from now (whether or not generated yet)."""
    return group.schedule.next_occurrences(now, max(0, min(first, MAX_UPCOMING)))
