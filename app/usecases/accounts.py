"""Accounts: authenticate bearer tokens, create users and tokens, revoke tokens."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass

from app.domain.accounts import Role, TokenInfo, User, check_user_fields, require_role
from app.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from app.domain.ids import new_id
from app.services import Services
from app.store.collection import DuplicateKey
from app.store.users import DuplicateUser

TOKEN_PREFIX = "cdz_"  # noqa: S105 - a public prefix, not a secret
BOOTSTRAP_ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token: the secret is shown once and never stored."""

    secret: str
    info: TokenInfo


def token_digest(secret: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is as safe as a slow one here and keeps
    # every request's look-up cheap; a slow password hash would only add latency.
    return hashlib.sha256(secret.encode()).hexdigest()


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` value, if well formed."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def authenticate(services: Services, authorization: str | None) -> User:
    """The user behind an Authorization header, or UNAUTHENTICATED."""
    user, _ = await verify_token(services, authorization)
    return user


async def verify_token(services: Services, authorization: str | None) -> tuple[User, str]:
    """The user behind an Authorization header and the token's id, or UNAUTHENTICATED."""
    secret = bearer_token(authorization)
    if secret is None:
        raise Unauthenticated(
            "missing bearer token: send the header 'Authorization: Bearer <token>'"
        )
    digest = token_digest(secret)
    cached = services.token_cache.get(digest)
    if cached is not None:
        return cached
    info = await services.users.token_by_digest(digest)
    if info is None or info.revoked_at is not None:
        raise Unauthenticated("invalid or revoked token")
    user = await services.users.get(info.user)
    if user is None:
        raise Unauthenticated("invalid or revoked token")
    services.token_cache.put(digest, info.id, user)
    return user, info.id


async def issue_token(services: Services, user: User, label: str | None = None) -> IssuedToken:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    info = TokenInfo(id=new_id("tok"), user=user.name, label=label, created_at=services.clock())
    await services.users.insert_token(token_digest(secret), info)
    return IssuedToken(secret, info)


async def create_user(
    services: Services,
    *,
    actor: User | None,
    name: str,
    teams: tuple[str, ...] = (),
    roles: tuple[Role, ...] = (Role.MEMBER,),
) -> tuple[User, IssuedToken]:
    """Create a user with a first token. `actor=None` is the trusted command line."""
    if actor is not None:
        require_role(actor, (Role.ADMIN,), "createUser")
    problems = check_user_fields(name, teams)
    if not roles:
        problems.append(InvalidInput.single("roles", "give at least one role").problems[0])
    if problems:
        raise InvalidInput(problems)
    user = User(
        name=name,
        teams=tuple(dict.fromkeys(teams)),
        roles=tuple(dict.fromkeys(roles)),
        created_at=services.clock(),
    )
    try:
        await services.users.insert(user)
    except DuplicateUser as error:
        raise Conflict(f"a user named {name!r} already exists") from error
    return user, await issue_token(services, user)


async def create_token(
    services: Services, *, actor: User | None, user_name: str, label: str | None = None
) -> IssuedToken:
    if actor is not None:
        require_role(actor, (Role.ADMIN,), "createToken")
    user = await services.users.get(user_name)
    if user is None:
        raise NotFound("User", user_name)
    return await issue_token(services, user, label)


async def revoke_token(services: Services, *, actor: User, token_id: str) -> TokenInfo:
    """Admins revoke any token; everyone may revoke their own."""
    info = await services.users.token_by_id(token_id)
    if info is None:
        raise NotFound("Token", token_id)
    if info.user != actor.name and not actor.has_any_role(Role.ADMIN):
        raise Forbidden("only an ADMIN may revoke another user's token")
    await services.users.revoke_token(token_id, services.clock())
    await services.bus.revoke(token_id)  # this process's cache, then every other's
    revoked = await services.users.token_by_id(token_id)
    assert revoked is not None
    return revoked


async def ensure_admin_user(services: Services) -> User:
    """The bootstrap admin, created (or given the ADMIN role back) when needed."""
    admin = await services.users.get(BOOTSTRAP_ADMIN)
    if admin is None:
        admin = User(name=BOOTSTRAP_ADMIN, roles=(Role.ADMIN,), created_at=services.clock())
        with contextlib.suppress(DuplicateUser):  # another process made it just now
            await services.users.insert(admin)
    elif Role.ADMIN not in admin.roles:
        admin = admin.model_copy(update={"roles": (*admin.roles, Role.ADMIN)})
        await services.users.set_roles(admin.name, admin.roles, admin.teams)
    return admin


async def ensure_admin_token(services: Services, secret: str) -> None:
    """Make sure the bootstrap admin exists and `secret` is one of its tokens."""
    if bearer_token(f"Bearer {secret}") != secret:
        raise InvalidInput.single("CADENZA_ADMIN_TOKEN", "must be a non-empty token")
    await ensure_admin_user(services)
    digest = token_digest(secret)
    if await services.users.token_by_digest(digest) is None:
        info = TokenInfo(
            id=new_id("tok"),
            user=BOOTSTRAP_ADMIN,
            label="CADENZA_ADMIN_TOKEN",
            created_at=services.clock(),
        )
        with contextlib.suppress(DuplicateKey):  # another process added it just now
            await services.users.insert_token(digest, info)
