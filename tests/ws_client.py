"""A small graphql-transport-ws client for tests: real websockets, asserting the frames."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

TRANSPORT_WS = Subprotocol("graphql-transport-ws")


class WsClient:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self._ids = 0
        self._inbox: dict[str, asyncio.Queue[dict[str, Any]]] = {}
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.connection:
            message = json.loads(raw)
            if "id" in message:
                self._inbox.setdefault(message["id"], asyncio.Queue()).put_nowait(message)

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self._ids += 1
        op_id = str(self._ids)
        self._inbox.setdefault(op_id, asyncio.Queue())
        await self.connection.send(
            json.dumps(
                {
                    "id": op_id,
                    "type": "subscribe",
                    "payload": {"query": query, "variables": variables or {}},
                }
            )
        )
        return op_id

    async def message(self, op_id: str, timeout_s: float = 10) -> dict[str, Any]:
        """The next frame for `op_id`: `next`, `error` or `complete`."""
        return await asyncio.wait_for(self._inbox[op_id].get(), timeout_s)

    async def next_data(self, op_id: str, timeout_s: float = 10) -> dict[str, Any]:
        message = await self.message(op_id, timeout_s)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        data: dict[str, Any] = message["payload"]["data"]
        return data

    async def nothing_for(self, op_id: str, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self._inbox[op_id].get(), seconds)
        except TimeoutError:
            return True
        return False

    async def stop(self, op_id: str) -> None:
        await self.connection.send(json.dumps({"id": op_id, "type": "complete"}))

    async def close(self) -> None:
        self._reader.cancel()
        await self.connection.close()


@asynccontextmanager
async def ws_client(url: str, token: str) -> AsyncIterator[WsClient]:
    async with websockets.connect(url, subprotocols=[TRANSPORT_WS]) as connection:
        await connection.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        ack = json.loads(await asyncio.wait_for(connection.recv(), 10))
        assert ack["type"] == "connection_ack", ack
        client = WsClient(connection)
        try:
            yield client
        finally:
            client._reader.cancel()
