"""A short-lived cache of verified tokens, so most requests need no store read to authenticate.

A revocation clears the entry at once in every process (the bus carries it); should Redis
be down at that moment, other processes notice within `ttl_s` seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from app.domain.accounts import User

MAX_ENTRIES = 10_000


@dataclass
class TokenCache:
    ttl_s: float
    _entries: dict[str, tuple[float, str, User]] = field(default_factory=dict)

    def get(self, digest: str) -> tuple[User, str] | None:
        """The user and the token's id, while the entry is fresh."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        expires_at, token_id, user = entry
        if expires_at < time.monotonic():
            del self._entries[digest]
            return None
        return user, token_id

    def put(self, digest: str, token_id: str, user: User) -> None:
        if self.ttl_s <= 0:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[digest] = (time.monotonic() + self.ttl_s, token_id, user)

    def forget_token(self, token_id: str) -> None:
        for digest, (_, cached_id, _) in list(self._entries.items()):
            if cached_id == token_id:
                del self._entries[digest]
