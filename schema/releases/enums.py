"""Release enums registered as GraphQL enums under their API names."""

from __future__ import annotations

import strawberry

from app.domain.events import ReleaseEventType
from app.domain.release import ActivityStatus, Cadence, PhaseStatus, ReleaseOutcome, ReleaseStatus

for enum_class in (
    ReleaseStatus,
    ReleaseOutcome,
    PhaseStatus,
    ActivityStatus,
    Cadence,
    ReleaseEventType,
):
    strawberry.enum(enum_class)

__all__ = [
    "ActivityStatus",
    "Cadence",
    "PhaseStatus",
    "ReleaseEventType",
    "ReleaseOutcome",
    "ReleaseStatus",
]
