"""People acting on activities: sign-offs, approvals, retries and ignores."""

from __future__ import annotations

from collections.abc import Mapping

from app.domain import activity_actions as actions
from app.domain.accounts import User, require_role
from app.domain.process import JsonValue
from app.domain.release import Release
from app.services import Services
from app.usecases.execution import enqueue_advance
from app.usecases.release_actions import Transition, apply_transition
from app.usecases.releases import RELEASE_WRITERS


async def _decided(
    services: Services, release_id: str, expected_revision: int | None, decide: Transition
) -> Release:
    """Write an activity decision, then let the engine carry on from it."""
    release = await apply_transition(
        services, release_id=release_id, expected_revision=expected_revision, transition=decide
    )
    await enqueue_advance(services, release)
    return release


async def complete_activity(
    services: Services,
    *,
    actor: User,
    release_id: str,
    activity_key: str,
    inputs: Mapping[str, JsonValue],
    comment: str | None,
    expected_revision: int | None,
) -> Release:
    """Sign off manual work (owners of the activity or phase, or release managers)."""
    now = services.clock()
    return await _decided(
        services,
        release_id,
        expected_revision,
        lambda r: actions.complete_activity(
            r, activity_key, user=actor, inputs=inputs, comment=comment, now=now
        ),
    )


async def decide_approval(
    services: Services,
    *,
    actor: User,
    release_id: str,
    activity_key: str,
    approve: bool,
    comment: str | None,
    expected_revision: int | None,
) -> Release:
    """Approve or reject (listed approvers only, each once)."""
    now = services.clock()
    return await _decided(
        services,
        release_id,
        expected_revision,
        lambda r: actions.decide_approval(
            r, activity_key, user=actor, approve=approve, comment=comment, now=now
        ),
    )


async def retry_activity(
    services: Services,
    *,
    actor: User,
    release_id: str,
    activity_key: str,
    inputs: Mapping[str, JsonValue] | None,
    expected_revision: int | None,
) -> Release:
    """A failed activity runs again, optionally with corrected inputs."""
    require_role(actor, RELEASE_WRITERS, "retryActivity")
    now = services.clock()
    return await _decided(
        services,
        release_id,
        expected_revision,
        lambda r: actions.retry_activity(r, activity_key, user=actor, inputs=inputs, now=now),
    )


async def ignore_activity(
    services: Services,
    *,
    actor: User,
    release_id: str,
    activity_key: str,
    output: Mapping[str, JsonValue] | None,
    comment: str | None,
    expected_revision: int | None,
) -> Release:
    """A failed activity is set aside; the flow goes on (PARTIAL_SUCCESS at best)."""
    require_role(actor, RELEASE_WRITERS, "ignoreActivity")
    now = services.clock()
    return await _decided(
        services,
        release_id,
        expected_revision,
        lambda r: actions.ignore_activity(
            r, activity_key, user=actor, output=output, comment=comment, now=now
        ),
    )
