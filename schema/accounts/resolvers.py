"""Account queries and mutations."""

from __future__ import annotations

import strawberry

from app.usecases import accounts as usecases
from schema.accounts.types import TokenInfo, User
from schema.context import Info
from schema.enums import Role
from schema.relay import Connection, connection, page_request


@strawberry.input
class CreateUserInput:
    name: str
    teams: list[str] = strawberry.field(default_factory=list)
    roles: list[Role] = strawberry.field(default_factory=lambda: [Role.MEMBER])


@strawberry.type
class CreateUserPayload:
    user: User
    token: str = strawberry.field(description="The new user's first token; shown only now.")
    token_info: TokenInfo


@strawberry.input
class CreateTokenInput:
    user: str
    label: str | None = None


@strawberry.type
class CreateTokenPayload:
    token: str = strawberry.field(description="The secret; shown only now, stored hashed.")
    token_info: TokenInfo


@strawberry.input
class RevokeTokenInput:
    id: strawberry.ID


@strawberry.type
class RevokeTokenPayload:
    token_info: TokenInfo


@strawberry.type
class AccountQueries:
    @strawberry.field(description="The user behind the request's token.")
    def viewer(self, info: Info) -> User:
        return User.from_domain(info.context.user)

    @strawberry.field(description="Every user, by name.")
    async def users(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[User]:
        services = info.context.services
        page = await services.users.page(
            page_request(services.settings, first=first, after=after, last=last, before=before)
        )
        return connection(page, User.from_domain, services.users.count)


@strawberry.type
class AccountMutations:
    @strawberry.mutation(description="ADMIN: create a user and their first token.")
    async def create_user(self, info: Info, input: CreateUserInput) -> CreateUserPayload:
        user, issued = await usecases.create_user(
            info.context.services,
            actor=info.context.user,
            name=input.name,
            teams=tuple(input.teams),
            roles=tuple(input.roles),
        )
        return CreateUserPayload(
            user=User.from_domain(user),
            token=issued.secret,
            token_info=TokenInfo.from_domain(issued.info),
        )

    @strawberry.mutation(description="ADMIN: issue another token for a user.")
    async def create_token(self, info: Info, input: CreateTokenInput) -> CreateTokenPayload:
        issued = await usecases.create_token(
            info.context.services,
            actor=info.context.user,
            user_name=input.user,
            label=input.label,
        )
        return CreateTokenPayload(
            token=issued.secret, token_info=TokenInfo.from_domain(issued.info)
        )

    @strawberry.mutation(description="Revoke a token (ADMIN: any token; others: their own).")
    async def revoke_token(self, info: Info, input: RevokeTokenInput) -> RevokeTokenPayload:
        revoked = await usecases.revoke_token(
            info.context.services, actor=info.context.user, token_id=input.id
        )
        return RevokeTokenPayload(token_info=TokenInfo.from_domain(revoked))
