"""What travels on the bus: a stored event and the facts about its release filters need."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from app.domain.events import ReleaseEvent
from app.domain.release import Release


class ReleaseFacts(BaseModel):
    """Enough of a release to match dashboard filters without reading the store."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    status: str
    outcome: str | None = None
    services: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    process_id: str
    group_id: str | None = None

    @classmethod
    def of(cls, release: Release) -> ReleaseFacts:
        teams = {o for p in release.plan.phases if (o := release.owner_of(p))}
        return cls(
            id=release.id,
            name=release.name,
            status=release.status.value,
            outcome=None if release.outcome is None else release.outcome.value,
            services=release.services,
            environments=release.environments,
            tags=release.tags,
            teams=tuple(sorted(teams)),
            process_id=release.process_id,
            group_id=release.group_id,
        )


class LiveEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    event: ReleaseEvent
    release: ReleaseFacts


def encode(message: LiveEvent) -> str:
    return message.model_dump_json()


def decode(payload: str | bytes) -> LiveEvent:
    return LiveEvent.model_validate_json(payload)
