"""The `users` and `tokens` collections. Tokens are stored as SHA-256 digests only."""

from __future__ import annotations

from datetime import datetime

from app.domain.accounts import Role, TokenInfo, User
from app.store.codec import as_utc
from app.store.collection import ASCENDING, Database, Document, DuplicateKey
from app.store.paging import Page, PageRequest, fetch_page

USERS = "users"
TOKENS = "tokens"


class DuplicateUser(Exception):
    pass


def _user_from(doc: Document) -> User:
    return User(
        name=doc["_id"],
        teams=tuple(doc.get("teams", ())),
        roles=tuple(Role(r) for r in doc.get("roles", ())),
        created_at=as_utc(doc["created_at"]),
    )


def _token_from(doc: Document) -> TokenInfo:
    revoked = doc.get("revoked_at")
    return TokenInfo(
        id=doc["token_id"],
        user=doc["user"],
        label=doc.get("label"),
        created_at=as_utc(doc["created_at"]),
        revoked_at=None if revoked is None else as_utc(revoked),
    )


class UserStore:
    def __init__(self, db: Database) -> None:
        self._users = db.collection(USERS)
        self._tokens = db.collection(TOKENS)

    async def create_indexes(self) -> None:
        await self._users.create_index([("roles", ASCENDING)])
        await self._tokens.create_index([("token_id", ASCENDING)], unique=True)
        await self._tokens.create_index([("user", ASCENDING)])

    async def get(self, name: str) -> User | None:
        doc = await self._users.find_one({"_id": name})
        return None if doc is None else _user_from(doc)

    async def insert(self, user: User) -> None:
        try:
            await self._users.insert_one(
                {
                    "_id": user.name,
                    "teams": list(user.teams),
                    "roles": [r.value for r in user.roles],
                    "created_at": user.created_at,
                }
            )
        except DuplicateKey as error:
            raise DuplicateUser(user.name) from error

    async def set_roles(self, name: str, roles: tuple[Role, ...], teams: tuple[str, ...]) -> None:
        await self._users.update_one(
            {"_id": name}, {"$set": {"roles": [r.value for r in roles], "teams": list(teams)}}
        )

    async def any_admin(self) -> bool:
        return await self._users.count({"roles": Role.ADMIN.value}) > 0

    async def page(self, request: PageRequest) -> Page[User]:
        return await fetch_page(self._users, {}, request, _user_from)

    async def count(self) -> int:
        return await self._users.count({})

    async def insert_token(self, digest: str, info: TokenInfo) -> None:
        await self._tokens.insert_one(
            {
                "_id": digest,
                "token_id": info.id,
                "user": info.user,
                "label": info.label,
                "created_at": info.created_at,
                "revoked_at": None,
            }
        )

    async def token_by_digest(self, digest: str) -> TokenInfo | None:
        doc = await self._tokens.find_one({"_id": digest})
        return None if doc is None else _token_from(doc)

    async def token_by_id(self, token_id: str) -> TokenInfo | None:
        doc = await self._tokens.find_one({"token_id": token_id})
        return None if doc is None else _token_from(doc)

    async def revoke_token(self, token_id: str, now: datetime) -> bool:
        # A whole-document compare-and-set rather than `$set`: some wire-compatible
        # servers store datetimes written by `$set` as text.
        doc = await self._tokens.find_one({"token_id": token_id, "revoked_at": None})
        if doc is None:
            return False
        return await self._tokens.replace_one(
            {"_id": doc["_id"], "revoked_at": None}, {**doc, "revoked_at": now}
        )
