"""The audit trail: every action and status change of a release is an event."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from app.domain.process import Frozen, JsonValue


class ReleaseEventType(StrEnum):
    RELEASE_CREATED = "RELEASE_CREATED"
    RELEASE_UPDATED = "RELEASE_UPDATED"
    RELEASE_SCHEDULED = "RELEASE_SCHEDULED"
    RELEASE_STARTED = "RELEASE_STARTED"
    RELEASE_PAUSED = "RELEASE_PAUSED"
    RELEASE_RESUMED = "RELEASE_RESUMED"
    RELEASE_ON_HOLD = "RELEASE_ON_HOLD"
    RELEASE_CANCELLED = "RELEASE_CANCELLED"
    RELEASE_ABORTED = "RELEASE_ABORTED"
    RELEASE_COMPLETED = "RELEASE_COMPLETED"
    RELEASE_ARCHIVED = "RELEASE_ARCHIVED"
    PHASE_STATUS_CHANGED = "PHASE_STATUS_CHANGED"
    ACTIVITY_STATUS_CHANGED = "ACTIVITY_STATUS_CHANGED"
    ACTIVITY_COMPLETED_MANUALLY = "ACTIVITY_COMPLETED_MANUALLY"
    ACTIVITY_APPROVED = "ACTIVITY_APPROVED"
    ACTIVITY_REJECTED = "ACTIVITY_REJECTED"
    ACTIVITY_RETRIED = "ACTIVITY_RETRIED"
    ACTIVITY_IGNORED = "ACTIVITY_IGNORED"
    NOTIFICATION_SENT = "NOTIFICATION_SENT"
    RELEASE_DELETED = "RELEASE_DELETED"  # a DRAFT was deleted; its trail stays


class EventDraft(Frozen):
    """An event before it has a place in the release's sequence."""

    type: ReleaseEventType
    actor: str | None = None
    phase_key: str | None = None
    activity_key: str | None = None
    from_: str | None = None
    to: str | None = None
    message: str | None = None
    data: dict[str, JsonValue] | None = None


def activity_moved(
    actor: str | None,
    phase_key: str,
    activity_key: str,
    from_: str,
    to: str,
    message: str | None = None,
) -> EventDraft:
    """The event of an activity going from one status to another."""
    return EventDraft(
        type=ReleaseEventType.ACTIVITY_STATUS_CHANGED,
        actor=actor,
        phase_key=phase_key,
        activity_key=activity_key,
        from_=from_,
        to=to,
        message=message,
    )


class ReleaseEvent(EventDraft):
    """A stored event: `(release_id, seq)` is unique and `seq` counts up from 1."""

    release_id: str
    seq: int
    at: datetime
