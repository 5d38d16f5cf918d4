"""The open websockets of each token, so that revoking a token closes them."""

from __future__ import annotations

import asyncio
import weakref

from schema.context import Context

# The protocols' "forbidden": what an invalid token gets at connection_init, too.
REVOKED_CLOSE_CODE = 4403
# Tokens whose connections all ended leave an empty entry; past this many, they are dropped.
PRUNE_AFTER = 1000


class OpenConnections:
    """The websockets opened with each token, to close them when it is revoked."""

    def __init__(self) -> None:
        # Weak: a connection that ended is forgotten with its context. (Contexts compare by
        # value, so they are kept by identity, not in a set.)
        self._by_token: dict[str, weakref.WeakValueDictionary[int, Context]] = {}
        self._closing: set[asyncio.Task[None]] = set()

    def add(self, token_id: str, context: Context) -> None:
        if len(self._by_token) > PRUNE_AFTER:
            self._by_token = {t: open_now for t, open_now in self._by_token.items() if open_now}
        self._by_token.setdefault(token_id, weakref.WeakValueDictionary())[id(context)] = context

    def close_revoked(self, token_id: str) -> None:
        """Close (4403) every connection of a revoked token; a bus listener, so not async."""
        open_now = self._by_token.pop(token_id, None)
        for context in list(open_now.values()) if open_now is not None else []:
            if context.close_connection is not None:
                task = asyncio.ensure_future(
                    context.close_connection(REVOKED_CLOSE_CODE, "token revoked")
                )
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)
