"""Activity mutations (sign-off, approvals, retry, ignore) and pending actions."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.domain.pending import PendingAction as DomainPendingAction
from app.domain.pending import PendingActionKind
from app.usecases import activities as usecases
from app.usecases.notifications import set_team_webhook
from app.usecases.pending import pending_actions
from schema.context import Info
from schema.releases.inputs import overrides_of
from schema.releases.types import ReleaseType
from schema.scalars import JSON

strawberry.enum(PendingActionKind)


@strawberry.input
class CompleteActivityInput:
    release_id: strawberry.ID
    activity_key: str = strawberry.field(description="`key` or `phaseKey/key`.")
    expected_revision: int | None = None
    inputs: JSON | None = strawberry.field(default=None, description="Values it asks for.")
    comment: str | None = None


@strawberry.input
class ApproveActivityInput:
    release_id: strawberry.ID
    activity_key: str
    expected_revision: int | None = None
    comment: str | None = None


@strawberry.input
class RejectActivityInput:
    release_id: strawberry.ID
    activity_key: str
    expected_revision: int | None = None
    comment: str | None = None


@strawberry.input
class RetryActivityInput:
    release_id: strawberry.ID
    activity_key: str
    expected_revision: int | None = None
    inputs: JSON | None = strawberry.field(
        default=None, description="Corrected input values for this activity (fix and continue)."
    )


@strawberry.input
class IgnoreActivityInput:
    release_id: strawberry.ID
    activity_key: str
    expected_revision: int | None = None
    output: JSON | None = strawberry.field(
        default=None, description="Substitute outputs for the activities that use them."
    )
    comment: str | None = None


@strawberry.input
class SetTeamWebhookInput:
    team: str
    url: str | None = strawberry.field(
        default=None, description="Slack-compatible incoming webhook; null removes it."
    )


@strawberry.type
class CompleteActivityPayload:
    release: ReleaseType


@strawberry.type
class ApproveActivityPayload:
    release: ReleaseType


@strawberry.type
class RejectActivityPayload:
    release: ReleaseType


@strawberry.type
class RetryActivityPayload:
    release: ReleaseType


@strawberry.type
class IgnoreActivityPayload:
    release: ReleaseType


@strawberry.type
class SetTeamWebhookPayload:
    team: str
    configured: bool


@strawberry.type
class PendingAction:
    release: ReleaseType
    phase_key: str
    activity_key: str
    activity_name: str
    kind: PendingActionKind
    since: datetime | None
    deadline: datetime | None
    instructions: str | None
    active: bool = strawberry.field(
        description="False only in the pendingActions subscription: the action was done or "
        "is no longer needed."
    )

    @classmethod
    def from_domain(cls, a: DomainPendingAction, *, active: bool = True) -> PendingAction:
        name = next(act.name for _, act in a.release.activities() if act.key == a.activity_key)
        return cls(
            release=ReleaseType.from_domain(a.release),
            phase_key=a.phase_key,
            activity_key=a.activity_key,
            activity_name=name,
            kind=a.kind,
            since=a.since,
            deadline=a.deadline,
            instructions=a.instructions,
            active=active,
        )


@strawberry.type
class ActivityQueries:
    @strawberry.field(description="Manual work, approvals and failures you may act on now.")
    async def pending_actions(self, info: Info) -> list[PendingAction]:
        found = await pending_actions(info.context.services, user=info.context.user)
        return [PendingAction.from_domain(a) for a in found]


@strawberry.type
class ActivityMutations:
    @strawberry.mutation(description="Sign off a MANUAL activity (its owners or a manager).")
    async def complete_activity(
        self, info: Info, input: CompleteActivityInput
    ) -> CompleteActivityPayload:
        release = await usecases.complete_activity(
            info.context.services,
            actor=info.context.user,
            release_id=input.release_id,
            activity_key=input.activity_key,
            inputs=overrides_of(input.inputs),
            comment=input.comment,
            expected_revision=input.expected_revision,
        )
        return CompleteActivityPayload(release=ReleaseType.from_domain(release))

    @strawberry.mutation(description="Approve (listed approvers only, each once).")
    async def approve_activity(
        self, info: Info, input: ApproveActivityInput
    ) -> ApproveActivityPayload:
        release = await usecases.decide_approval(
            info.context.services,
            actor=info.context.user,
            release_id=input.release_id,
            activity_key=input.activity_key,
            approve=True,
            comment=input.comment,
            expected_revision=input.expected_revision,
        )
        return ApproveActivityPayload(release=ReleaseType.from_domain(release))

    @strawberry.mutation(description="Reject: the activity fails.")
    async def reject_activity(
        self, info: Info, input: RejectActivityInput
    ) -> RejectActivityPayload:
        release = await usecases.decide_approval(
            info.context.services,
            actor=info.context.user,
            release_id=input.release_id,
            activity_key=input.activity_key,
            approve=False,
            comment=input.comment,
            expected_revision=input.expected_revision,
        )
        return RejectActivityPayload(release=ReleaseType.from_domain(release))

    @strawberry.mutation(description="A failed activity runs again as a new attempt.")
    async def retry_activity(self, info: Info, input: RetryActivityInput) -> RetryActivityPayload:
        release = await usecases.retry_activity(
            info.context.services,
            actor=info.context.user,
            release_id=input.release_id,
            activity_key=input.activity_key,
            inputs=None if input.inputs is None else overrides_of(input.inputs),
            expected_revision=input.expected_revision,
        )
        return RetryActivityPayload(release=ReleaseType.from_domain(release))

    @strawberry.mutation(description="A failed activity is IGNORED and the flow goes on.")
    async def ignore_activity(
        self, info: Info, input: IgnoreActivityInput
    ) -> IgnoreActivityPayload:
        release = await usecases.ignore_activity(
            info.context.services,
            actor=info.context.user,
            release_id=input.release_id,
            activity_key=input.activity_key,
            output=None if input.output is None else overrides_of(input.output, "output"),
            comment=input.comment,
            expected_revision=input.expected_revision,
        )
        return IgnoreActivityPayload(release=ReleaseType.from_domain(release))

    @strawberry.mutation(description="ADMIN: where a team's notifications go.")
    async def set_team_webhook(
        self, info: Info, input: SetTeamWebhookInput
    ) -> SetTeamWebhookPayload:
        configured = await set_team_webhook(
            info.context.services, actor=info.context.user, team=input.team, url=input.url
        )
        return SetTeamWebhookPayload(team=input.team, configured=configured)
