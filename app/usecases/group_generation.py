"""Keeping each release group's releases generated for the horizon, idempotently.

Run by the API after a group is written and by a periodic job. Any number of them may run
at once: a generated release carries its `(group, occurrence)` key, which the store keeps
unique, so a second insert of the same occurrence fails and is skipped; every other write
is a compare-and-set that the loser simply leaves to the winner.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.domain.errors import CadenzaError
from app.domain.events import EventDraft, ReleaseEventType
from app.domain.group_generation import (
    GENERATOR,
    NOT_STARTED,
    generated_release,
    kept,
    plan_sync,
    regenerated,
)
from app.domain.ids import new_id
from app.domain.input_set import InputSet
from app.domain.process import Process
from app.domain.release import Release, ReleaseStatus
from app.domain.release_group import ReleaseGroup
from app.services import Services
from app.store.collection import DuplicateKey
from app.store.releases import ReleaseQuery
from app.usecases.release_actions import enqueue_scheduled_start

log = logging.getLogger("cadenza.groups")

# Not-started releases one group can hold: the horizon's plus those waiting for a person.
MAX_PENDING = 2_000


@dataclass
class SyncResult:
    """What one generation run changed."""

    group: ReleaseGroup
    created: list[Release] = field(default_factory=list)
    updated: list[Release] = field(default_factory=list)
    deleted_ids: list[str] = field(default_factory=list)
    kept: list[Release] = field(default_factory=list)


def due_occurrences(group: ReleaseGroup, *, now: datetime, horizon: timedelta) -> list[datetime]:
    """The occurrences to keep generated: those in the horizon, and at least the next one."""
    schedule = group.schedule
    due = set(schedule.occurrences(now, now + horizon))
    due.update(schedule.next_occurrences(now, 1))
    return sorted(due)


async def pending_releases(services: Services, group_id: str, now: datetime) -> list[Release]:
    """The group's DRAFT and SCHEDULED releases whose occurrence is still ahead."""
    found = await services.releases.find(
        ReleaseQuery(group_id=group_id, statuses=NOT_STARTED), limit=MAX_PENDING
    )
    return [r for r in found if r.occurrence is not None and r.occurrence >= now]


async def remove_generated(services: Services, release: Release, *, reason: str) -> bool:
    """Delete a release that has not started; its events stay, ending with RELEASE_DELETED."""
    if not await services.releases.delete(release):
        return False  # it changed meanwhile: whoever changed it decides again
    gone = release.recorded(
        {},
        [
            EventDraft(
                type=ReleaseEventType.RELEASE_DELETED,
                actor=GENERATOR,
                from_=release.status.value,
                message=reason,
            )
        ],
        services.clock(),
    )
    await services.events.append(gone.outbox)
    return True


async def _sources(services: Services, group: ReleaseGroup) -> tuple[Process, InputSet | None]:
    process = await services.processes.get(group.process_id)
    if process is None:
        raise LookupError(f"release group {group.id}: process {group.process_id} is gone")
    input_set = None
    if group.input_set_id is not None:
        input_set = await services.input_sets.get(group.input_set_id)
        if input_set is None:
            log.warning("release group %s: input set %s is gone", group.id, group.input_set_id)
    return process, input_set


async def _announce(services: Services, release: Release) -> None:
    """Arm the deferred start of a release that starts by itself."""
    if release.status is ReleaseStatus.SCHEDULED and release.auto_start:
        await enqueue_scheduled_start(services, release)


async def materialise(services: Services, group: ReleaseGroup) -> SyncResult:
    """Bring the group's future releases in line with it, up to the horizon."""
    result = SyncResult(group)
    if not group.active:
        return result  # an inactive group generates nothing and leaves its releases be
    now = services.clock()
    process, input_set = await _sources(services, group)
    horizon = timedelta(weeks=services.settings.release_horizon_weeks)
    plan = plan_sync(
        group,
        existing=await pending_releases(services, group.id, now),
        desired=due_occurrences(group, now=now, horizon=horizon),
    )
    reason = f"release group {group.name!r} no longer has this occurrence"
    for release in plan.delete:
        if await remove_generated(services, release, reason=reason):
            result.deleted_ids.append(release.id)
    for release in plan.regenerate:
        assert release.occurrence is not None
        fresh = generated_release(
            group,
            process=process,
            input_set=input_set,
            occurrence=release.occurrence,
            release_id=release.id,
            now=now,
        )
        updated = regenerated(release, fresh, group, now)
        if await services.releases.save(updated):
            result.updated.append(updated)
            await _announce(services, updated)
    for release in plan.keep:
        noted = kept(release, group, now)
        if await services.releases.save(noted):
            result.kept.append(noted)
    for occurrence in plan.create:
        try:
            release = generated_release(
                group,
                process=process,
                input_set=input_set,
                occurrence=occurrence,
                release_id=new_id("rel"),
                now=now,
            )
        except CadenzaError as error:
            log.warning("release group %s: cannot generate %s: %s", group.id, occurrence, error)
            continue
        try:
            await services.releases.insert(release)
        except DuplicateKey:
            continue  # another worker generated this occurrence first
        result.created.append(release)
        await _announce(services, release)
    if plan.generated_through != group.generated_through:
        moved = group.model_copy(update={"generated_through": plan.generated_through})
        # The same revision: a concurrent edit wins and starts the generated set over.
        if await services.release_groups.replace(moved, expected_revision=group.revision):
            result.group = moved
    return result


async def materialise_active(services: Services) -> int:
    """One generation run over every active group; returns how many releases it created."""
    created = 0
    for group in await services.release_groups.active():
        try:
            created += len((await materialise(services, group)).created)
        except Exception:
            log.exception("release group %s: generation failed", group.id)
    return created
