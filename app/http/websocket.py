"""`/graphql` over websockets (graphql-transport-ws and graphql-ws), token in connection_init."""

from __future__ import annotations

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
from app.services import Services
from app.usecases.accounts import authenticate
from schema.context import Context

# Placeholder until connection_init authenticates; the protocol handlers run no operation
# before the connection is acknowledged, so it is never seen by a resolver.
NOBODY = User(name="-", roles=(), created_at=datetime(1970, 1, 1, tzinfo=UTC))


class WebSocketContext(Context):
    connection_params: dict[str, Any] | None = None


class GraphQLWebSocket(GraphQL[Context, None]):
    """Strawberry's websocket handling, with our authentication and context."""

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> Context:
        services: Services = request.app.state.services
        return WebSocketContext(services=services, user=NOBODY, request_id=uuid.uuid4().hex[:16])

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        params = getattr(context, "connection_params", None) or {}
        authorization = params.get("Authorization") or params.get("authorization")
        try:
            context.user = await authenticate(
                context.services, authorization if isinstance(authorization, str) else None
            )
        except CadenzaError as error:
            raise ConnectionRejectionError({"message": error.message}) from error
        return {"user": context.user.name}
