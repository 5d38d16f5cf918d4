"""Release lifecycle mutations: schedule, start, cancel, pause, resume and abort a release."""

from __future__ import annotations

import strawberry

from app.usecases import release_actions as actions
from schema.context import Info
from schema.releases.inputs import (
    AbortReleaseInput,
    CancelReleaseInput,
    PauseReleaseInput,
    ResumeReleaseInput,
    ScheduleReleaseInput,
    StartReleaseInput,
    end_of,
)
from schema.releases.types import ReleaseType


@strawberry.type
class ScheduleReleasePayload:
    release: ReleaseType


@strawberry.type
class StartReleasePayload:
    release: ReleaseType


@strawberry.type
class CancelReleasePayload:
    release: ReleaseType


@strawberry.type
class PauseReleasePayload:
    release: ReleaseType


@strawberry.type
class ResumeReleasePayload:
    release: ReleaseType


@strawberry.type
class AbortReleasePayload:
    release: ReleaseType


@strawberry.type
class ReleaseLifecycleMutations:
    @strawberry.mutation(description="DRAFT -> SCHEDULED: locks inputs; starts by itself.")
    async def schedule_release(
        self, info: Info, input: ScheduleReleaseInput
    ) -> ScheduleReleasePayload:
        release = await actions.schedule(
            info.context.services,
            actor=info.context.user,
            release_id=input.id,
            start=input.scheduled_start,
            end=end_of(input.scheduled_start, input.scheduled_end, input.duration),
            expected_revision=input.expected_revision,
        )
        return ScheduleReleasePayload(release=ReleaseType.from_domain(release))

    @strawberry.mutation(description="DRAFT (on demand) or SCHEDULED (pre-execute) -> RUNNING.")
    async def start_release(self, info: Info, input: StartReleaseInput) -> StartReleasePayload:
        release = await actions.start(
            info.context.services,
            actor=info.context.user,
            release_id=input.id,
            expected_revision=input.expected_revision,
        )
        return StartReleasePayload(release=ReleaseType.from_domain(release))

    @strawberry.mutation(description="SCHEDULED -> COMPLETED/ABORTED.")
    async def cancel_release(self, info: Info, input: CancelReleaseInput) -> CancelReleasePayload:
        release = await actions.cancel(
            info.context.services,
            actor=info.context.user,
            release_id=input.id,
            reason=input.reason,
            expected_revision=input.expected_revision,
        )
        return CancelReleasePayload(release=ReleaseType.from_domain(release))

    @strawberry.mutation(description="RUNNING -> ON_HOLD: no new activity starts.")
    async def pause_release(self, info: Info, input: PauseReleaseInput) -> PauseReleasePayload:
        release = await actions.pause(
            info.context.services,
            actor=info.context.user,
            release_id=input.id,
            reason=input.reason,
            expected_revision=input.expected_revision,
        )
        return PauseReleasePayload(release=ReleaseType.from_domain(release))

    @strawberry.mutation(description="A paused release runs again.")
    async def resume_release(self, info: Info, input: ResumeReleaseInput) -> ResumeReleasePayload:
        release = await actions.resume(
            info.context.services,
            actor=info.context.user,
            release_id=input.id,
            expected_revision=input.expected_revision,
        )
        return ResumeReleasePayload(release=ReleaseType.from_domain(release))

    @strawberry.mutation(
        description="RUNNING|ON_HOLD -> COMPLETED/ABORTED (or FAILED after a failure)."
    )
    async def abort_release(self, info: Info, input: AbortReleaseInput) -> AbortReleasePayload:
        release = await actions.abort(
            info.context.services,
            actor=info.context.user,
            release_id=input.id,
            reason=input.reason,
            expected_revision=input.expected_revision,
        )
        return AbortReleasePayload(release=ReleaseType.from_domain(release))
