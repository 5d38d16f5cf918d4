"""`/graphql` over websockets (graphql-transport-ws and graphql-ws), token in connection_init."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types.unset import UnsetType

from app.domain.accounts import User
from app.domain.errors import CadenzaError
from app.http.ws_close import SCOPE_KEY, ClosableSend
from app.http.ws_connections import OpenConnections
from app.http.ws_frames import DATA_ONLY, FRAME_KEYS, EncodedPayloads
from app.services import Services
from app.usecases.accounts import verify_token
from schema.context import Context

# Placeholder until connection_init authenticates; the protocol handlers run no operation
# before the connection is acknowledged, so it is never seen by a resolver.
NOBODY = User(name="-", roles=(), created_at=datetime(1970, 1, 1, tzinfo=UTC))


class WebSocketContext(Context):
    connection_params: dict[str, Any] | None = None


class GraphQLWebSocket(GraphQL[Context, None]):
    """Strawberry's websocket handling, with our authentication and context."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._payloads = EncodedPayloads()
        self.connections = OpenConnections()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            send = ClosableSend(send)
            scope = {**scope, SCOPE_KEY: send}
        await super().__call__(scope, receive, send)

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
        closable = request.scope.get(SCOPE_KEY)
        if isinstance(closable, ClosableSend):
            context.close_connection = closable.close
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
