"""Users, roles and the rules of who may do what."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from app.domain.errors import FieldProblem, Forbidden

USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
TEAM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$")


class Role(StrEnum):
    ADMIN = "ADMIN"
    RELEASE_MANAGER = "RELEASE_MANAGER"
    MEMBER = "MEMBER"
    VIEWER = "VIEWER"


class User(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    teams: tuple[str, ...] = ()
    roles: tuple[Role, ...] = (Role.MEMBER,)
    created_at: datetime

    def has_any_role(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    def belongs_to(self, team_or_user: str) -> bool:
        """True when `team_or_user` names this user or one of their teams."""
        return team_or_user == self.name or team_or_user in self.teams


class TokenInfo(BaseModel):
    """What is known about a token besides its secret (which is never stored)."""

    model_config = ConfigDict(frozen=True)

    id: str
    user: str
    label: str | None = None
    created_at: datetime
    revoked_at: datetime | None = None


PROCESS_WRITERS = (Role.ADMIN, Role.RELEASE_MANAGER)


def require_role(user: User, roles: tuple[Role, ...], action: str) -> None:
    """Refuse `action` unless the user holds one of `roles`."""
    if not user.has_any_role(*roles):
        wanted = " or ".join(r.value for r in roles)
        raise Forbidden(f"{action} needs the role {wanted}; {user.name} has none of them")


def check_user_fields(name: str, teams: tuple[str, ...]) -> list[FieldProblem]:
    """Problems with a new user's name and teams."""
    problems = []
    if not USER_NAME.match(name):
        problems.append(
            FieldProblem("name", "must be 1-64 characters: letters, digits, '.', '_', '@' or '-'")
        )
    for i, team in enumerate(teams):
        if not TEAM_NAME.match(team):
            problems.append(
                FieldProblem(f"teams[{i}]", "must be 1-64 characters: letters, digits, ' ._@-'")
            )
    return problems
