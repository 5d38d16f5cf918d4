"""Releases: create from a process, clone, read, list, preview and delete."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.domain.accounts import PROCESS_WRITERS, User, require_role
from app.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound
from app.domain.events import EventDraft, ReleaseEventType
from app.domain.ids import new_id
from app.domain.input_set import InputSet
from app.domain.inputs import check_inputs, effective_inputs
from app.domain.lifecycle import ensure_deletable
from app.domain.process import JsonValue, Process
from app.domain.release import Release, ReleaseDetails, plan_fingerprint
from app.domain.release_factory import cloned_release, new_release
from app.domain.variables import Resolution, resolve
from app.services import Services
from app.store.paging import Page, PageRequest
from app.store.releases import ReleaseQuery
from app.usecases.processes import get_process_or_raise

RELEASE_WRITERS = PROCESS_WRITERS


async def get_release_or_raise(services: Services, release_id: str) -> Release:
    found = await services.releases.get(release_id)
    if found is None:
        raise NotFound("Release", release_id)
    return found


async def _input_set_for(
    services: Services, process: Process, input_set_id: str | None
) -> InputSet | None:
    if input_set_id is None:
        return None
    input_set = await services.input_sets.get(input_set_id)
    if input_set is None:
        raise InvalidInput.single("inputSetId", f"input set {input_set_id!r} does not exist")
    if input_set.process_id != process.id:
        raise InvalidInput.single("inputSetId", "belongs to another process")
    return input_set


async def create_release(
    services: Services,
    *,
    actor: User,
    process_id: str,
    details: ReleaseDetails,
    input_set_id: str | None = None,
    overrides: Mapping[str, JsonValue] | None = None,
) -> Release:
    """A DRAFT release of the process as it is now, with its own metadata and inputs."""
    require_role(actor, RELEASE_WRITERS, "createRelease")
    process = await services.processes.get(process_id)
    if process is None:
        raise InvalidInput.single("processId", f"process {process_id!r} does not exist")
    input_set = await _input_set_for(services, process, input_set_id)
    release = new_release(
        release_id=new_id("rel"),
        process=process,
        details=details,
        input_set=input_set,
        overrides=overrides or {},
        actor=actor.name,
        now=services.clock(),
    )
    await services.releases.insert(release)
    return release


def require_revision(release: Release, expected: int | None) -> None:
    """CONFLICT when the caller acted on a revision that is no longer the current one."""
    if expected is not None and release.revision != expected:
        raise Conflict(
            f"release {release.id} is at revision {release.revision}, not the expected {expected}"
        )


async def clone_release(
    services: Services,
    *,
    actor: User,
    source_id: str,
    details: ReleaseDetails,
    expected_revision: int | None = None,
) -> Release:
    """A new DRAFT from an earlier release: its process version, inputs and metadata."""
    require_role(actor, RELEASE_WRITERS, "cloneRelease")
    source = await get_release_or_raise(services, source_id)
    require_revision(source, expected_revision)
    clone = cloned_release(
        source,
        release_id=new_id("rel"),
        details=details,
        actor=actor.name,
        now=services.clock(),
    )
    await services.releases.insert(clone)
    return clone


async def delete_release(
    services: Services, *, actor: User, release_id: str, expected_revision: int | None = None
) -> str:
    """Delete a DRAFT release; its events stay, ending with RELEASE_DELETED."""
    require_role(actor, RELEASE_WRITERS, "deleteRelease")
    release = await get_release_or_raise(services, release_id)
    require_revision(release, expected_revision)
    ensure_deletable(release)
    if not await services.releases.delete(release):
        raise Conflict(f"release {release_id} changed while deleting it; reload it")
    deleted = release.recorded(
        {},
        [
            EventDraft(
                type=ReleaseEventType.RELEASE_DELETED, actor=actor.name, from_=release.status.value
            )
        ],
        services.clock(),
    )
    await services.events.append(deleted.outbox)
    return release_id


async def list_releases(
    services: Services, *, query: ReleaseQuery, page: PageRequest
) -> Page[Release]:
    return await services.releases.page(query, page)


async def count_releases(services: Services, *, query: ReleaseQuery) -> int:
    return await services.releases.count(query)


@dataclass(frozen=True, slots=True)
class Preview:
    """A would-be release, resolved, with every problem that would stop it from running."""

    process: Process
    inputs: dict[str, JsonValue]
    resolution: Resolution
    problems: list[FieldProblem]

    @property
    def ready(self) -> bool:
        return not self.problems


async def preview_release(
    services: Services,
    *,
    process_id: str,
    input_set_id: str | None = None,
    overrides: Mapping[str, JsonValue] | None = None,
) -> Preview:
    """Resolve inputs and variables of a release that is not saved."""
    process = await get_process_or_raise(services, process_id)
    input_set = await _input_set_for(services, process, input_set_id)
    layers = [{} if input_set is None else input_set.values, dict(overrides or {})]
    inputs = effective_inputs(process.inputs, layers)
    problems = check_inputs(process.inputs, inputs, require_complete=True)
    resolution = resolve(process.spec, inputs, plan_key=plan_fingerprint(process.spec))
    return Preview(process, inputs, resolution, [*problems, *resolution.problems])
