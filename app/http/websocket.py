"""`/graphql` over websockets (graphql-transport-ws and graphql-ws), token in connection_init."""

from __future__ import annotations

import asyncio
import json
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketState
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types.unset import UnsetType

from app.domain.accounts import User
from app.domain.errors import CadenzaError
from app.services import Services
from app.usecases.accounts import verify_token
from schema.context import Context

# Placeholder until connection_init authenticates; the protocol handlers run no operation
# before the connection is acknowledged, so it is never seen by a resolver.
NOBODY = User(name="-", roles=(), created_at=datetime(1970, 1, 1, tzinfo=UTC))


class WebSocketContext(Context):
    connection_params: dict[str, Any] | None = None


# The protocols' "forbidden": what an invalid token gets at connection_init, too.
REVOKED_CLOSE_CODE = 4403
FRAME_KEYS = {"id", "type", "payload"}
DATA_ONLY = {"data"}
ENCODED_PAYLOADS = 64


class EncodedPayloads:
    """The JSON of the last few result payloads, by identity (held, so ids stay unique)."""

    def __init__(self, size: int = ENCODED_PAYLOADS) -> None:
        self._size = size
        self._encoded: OrderedDict[int, tuple[object, str]] = OrderedDict()

    def encode(self, data: object) -> str:
        found = self._encoded.get(id(data))
        if found is not None and found[0] is data:
            return found[1]
        encoded = json.dumps(data, separators=(",", ":"))
        self._encoded[id(data)] = (data, encoded)
        if len(self._encoded) > self._size:
            self._encoded.popitem(last=False)
        return encoded


def _closer(websocket: WebSocket) -> Callable[[int, str], Awaitable[None]]:
    async def close(code: int, reason: str) -> None:
        if websocket.application_state == WebSocketState.CONNECTED:
            await websocket.close(code=code, reason=reason)

    return close


class OpenConnections:
    """The websockets opened with each token, to close them when it is revoked."""

    def __init__(self) -> None:
        # Weak: a connection that ended is forgotten with its context. (Contexts compare by
        # value, so they are kept by identity, not in a set.)
        self._by_token: dict[str, weakref.WeakValueDictionary[int, Context]] = {}
        self._closing: set[asyncio.Task[None]] = set()

    def add(self, token_id: str, context: Context) -> None:
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


class GraphQLWebSocket(GraphQL[Context, None]):
    """Strawberry's websocket handling, with our authentication and context."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._payloads = EncodedPayloads()
        self.connections = OpenConnections()

    def encode_json(self, data: object) -> str:
        # One event reaches many subscribers as the very same result (SharedEventExecution):
        # its payload is encoded once, and each frame only adds its own operation id.
        if isinstance(data, dict) and data.keys() == FRAME_KEYS:
            payload = data["payload"]
            if isinstance(payload, dict) and payload.keys() == DATA_ONLY:
                head = f'{{"id":{json.dumps(data["id"])},"type":{json.dumps(data["type"])}'
                return f'{head},"payload":{{"data":{self._payloads.encode(payload["data"])}}}}}'
        return json.dumps(data, separators=(",", ":"))

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> Context:
        services: Services = request.app.state.services
        context = WebSocketContext(services=services, user=NOBODY, request_id=uuid.uuid4().hex[:16])
        if isinstance(request, WebSocket):
            context.close_connection = _closer(request)
        return context

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        params = getattr(context, "connection_params", None) or {}
        authorization = params.get("Authorization") or params.get("authorization")
        try:
            context.user, token_id = await verify_token(
                context.services, authorization if isinstance(authorization, str) else None
            )
        except CadenzaError as error:
            raise ConnectionRejectionError({"message": error.message}) from error
        self.connections.add(token_id, context)
        return {"user": context.user.name}
