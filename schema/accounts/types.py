"""GraphQL types of accounts."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.domain import accounts as domain
from schema.enums import Role


@strawberry.type
class User:
    name: str
    teams: list[str]
    roles: list[Role]

    @classmethod
    def from_domain(cls, u: domain.User) -> User:
        return cls(name=u.name, teams=list(u.teams), roles=list(u.roles))


@strawberry.type(description="A token's public facts; its secret is shown only when issued.")
class TokenInfo:
    id: strawberry.ID
    user: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def from_domain(cls, t: domain.TokenInfo) -> TokenInfo:
        return cls(
            id=strawberry.ID(t.id),
            user=t.user,
            label=t.label,
            created_at=t.created_at,
            revoked_at=t.revoked_at,
        )
