"""SUBPROCESS activities: another process runs as a child release, nested up to a limit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.domain import lifecycle
from app.domain.errors import CadenzaError
from app.domain.ids import new_id
from app.domain.process import JsonValue
from app.domain.release import Release, ReleaseDetails, ReleaseStatus
from app.domain.release_factory import new_release
from app.services import Services
from app.store.releases import ReleaseQuery
from app.usecases import execution

MAX_DEPTH = 3
ENGINE = "engine"


@dataclass(frozen=True, slots=True)
class ChildStart:
    release: Release | None
    error: str | None = None


async def start_child(
    services: Services,
    parent: Release,
    activity_key: str,
    attempt: int,
    config: Mapping[str, JsonValue],
) -> ChildStart:
    """Create and start the child release of a SUBPROCESS attempt; an error fails it."""
    if parent.depth + 1 > MAX_DEPTH:
        return ChildStart(None, f"subprocesses nest at most {MAX_DEPTH} deep")
    process_id = config.get("processId")
    process = await services.processes.get(str(process_id)) if process_id else None
    if process is None:
        return ChildStart(None, f"process {process_id!r} does not exist")
    input_set = None
    if config.get("inputSetId"):
        input_set = await services.input_sets.get(str(config["inputSetId"]))
        if input_set is None or input_set.process_id != process.id:
            return ChildStart(
                None, f"input set {config['inputSetId']!r} is not one of {process.name}'s"
            )
    inputs = config.get("inputs") or {}
    if not isinstance(inputs, dict):
        return ChildStart(None, "config.inputs must be an object")
    name = next(a.name for _, a in parent.activities() if a.key == activity_key)
    now = services.clock()
    try:
        child = new_release(
            release_id=new_id("rel"),
            process=process,
            details=ReleaseDetails(
                name=f"{parent.name} / {name}"[:200],
                tags=parent.tags,
                services=parent.services,
                environments=parent.environments,
            ),
            input_set=input_set,
            overrides=inputs,
            actor=ENGINE,
            now=now,
        )
        child = child.model_copy(
            update={
                "parent_release_id": parent.id,
                "parent_activity_key": activity_key,
                "parent_attempt": attempt,
                "depth": parent.depth + 1,
            }
        )
        child = lifecycle.start_release(child, actor=ENGINE, now=now)
    except CadenzaError as error:
        return ChildStart(None, f"cannot start {process.name}: {error.message}")
    await services.releases.insert(child)
    await execution.enqueue_advance(services, child)
    return ChildStart(child)


async def abort_children(services: Services, parent: Release, reason: str | None) -> None:
    """An aborted parent stops the child releases still running under it."""
    from app.usecases.release_actions import apply_transition

    children = await services.releases.find(
        ReleaseQuery(
            parent_release_id=parent.id, statuses=(ReleaseStatus.RUNNING, ReleaseStatus.ON_HOLD)
        ),
        limit=100,
    )
    now = services.clock()
    for child in children:
        aborted = await apply_transition(
            services,
            release_id=child.id,
            transition=lambda r: (
                lifecycle.abort_release(
                    r,
                    actor=ENGINE,
                    now=now,
                    reason=f"parent aborted: {reason}" if reason else "parent aborted",
                )
                if r.status in (ReleaseStatus.RUNNING, ReleaseStatus.ON_HOLD)
                else r
            ),
        )
        await abort_children(services, aborted, reason)
