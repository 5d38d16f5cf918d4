"""Closing a websocket from the server's side while its subscriptions are still sending.

The server closes a connection for its own reasons (a subscriber too slow to keep up, a
revoked token) from inside one operation, while other operations on the same connection
may be sending, or about to. Sent after the close, such a frame makes uvicorn and
starlette raise, and the protocol handlers log it as an error and can leave that
operation's generators to the garbage collector. The connection is going away and its
clients resume by seq, so those frames are dropped instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]

SCOPE_KEY = "cadenza.ws_close"
AFTER_CLOSE = ("websocket.send", "websocket.close")


class ClosableSend:
    """A connection's ASGI `send` that the server can close, dropping what comes after."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.closed = False

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if self.closed and kind in AFTER_CLOSE:
            return
        if kind == "websocket.close":
            self.closed = True
        try:
            await self._send(message)
        except RuntimeError:
            # A frame that was already on its way when the close went out.
            if not (self.closed and kind == "websocket.send"):
                raise

    async def close(self, code: int, reason: str) -> None:
        await self({"type": "websocket.close", "code": code, "reason": reason})
