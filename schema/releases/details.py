"""What a release says about itself besides its plan: links, context and phase owners."""

from __future__ import annotations

import strawberry


@strawberry.type
class Link:
    kind: str = strawberry.field(description="JIRA, PR, COMMIT, RUNBOOK, DASHBOARD, ...")
    title: str | None
    url: str


@strawberry.type
class ReleaseContext:
    purpose: str | None
    scope: str | None
    risks: str | None
    rollback_plan: str | None
    stakeholders: list[str]


@strawberry.type
class PhaseOwner:
    phase_key: str
    owner: str
