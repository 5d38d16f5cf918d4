"""`ReleaseEvent`: one entry of a release's audit trail, as queries and subscriptions show it."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.domain import events as domain_events
from schema.releases.enums import ReleaseEventType
from schema.scalars import JSON


@strawberry.type(name="ReleaseEvent")
class ReleaseEventType_:
    seq: int
    at: datetime
    type: ReleaseEventType
    actor: str | None
    release_id: strawberry.ID
    phase_key: str | None
    activity_key: str | None
    from_: str | None = strawberry.field(name="from")
    to: str | None
    message: str | None
    data: JSON | None

    @classmethod
    def from_domain(cls, e: domain_events.ReleaseEvent) -> ReleaseEventType_:
        return cls(
            seq=e.seq,
            at=e.at,
            type=e.type,
            actor=e.actor,
            release_id=strawberry.ID(e.release_id),
            phase_key=e.phase_key,
            activity_key=e.activity_key,
            from_=e.from_,
            to=e.to,
            message=e.message,
            data=e.data,
        )
