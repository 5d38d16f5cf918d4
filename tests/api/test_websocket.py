"""GraphQL over websockets: both protocols, the token in connection_init."""

from __future__ import annotations

import json

import pytest
import websockets
from websockets.typing import Subprotocol

from tests.conftest import ADMIN_TOKEN
from tests.server import RunningServer

TRANSPORT_WS = Subprotocol("graphql-transport-ws")
LEGACY_WS = Subprotocol("graphql-ws")


async def test_graphql_transport_ws_runs_operations(server: RunningServer) -> None:
    async with websockets.connect(server.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        await ws.send(
            json.dumps(
                {"type": "connection_init", "payload": {"Authorization": f"Bearer {ADMIN_TOKEN}"}}
            )
        )
        ack = json.loads(await ws.recv())
        assert ack == {"type": "connection_ack", "payload": {"user": "admin"}}
        await ws.send(
            json.dumps(
                {"id": "1", "type": "subscribe", "payload": {"query": "{ viewer { name } }"}}
            )
        )
        assert json.loads(await ws.recv()) == {
            "id": "1",
            "type": "next",
            "payload": {"data": {"viewer": {"name": "admin"}}},
        }
        assert json.loads(await ws.recv()) == {"id": "1", "type": "complete"}


async def test_legacy_graphql_ws_authenticates(server: RunningServer) -> None:
    async with websockets.connect(server.ws_url, subprotocols=[LEGACY_WS]) as ws:
        assert ws.subprotocol == "graphql-ws"
        await ws.send(
            json.dumps(
                {"type": "connection_init", "payload": {"Authorization": f"Bearer {ADMIN_TOKEN}"}}
            )
        )
        assert json.loads(await ws.recv()) == {
            "type": "connection_ack",
            "payload": {"user": "admin"},
        }


async def test_legacy_graphql_ws_refuses_bad_tokens(server: RunningServer) -> None:
    async with websockets.connect(server.ws_url, subprotocols=[LEGACY_WS]) as ws:
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer wrong"}})
        )
        message = json.loads(await ws.recv())
        assert message["type"] == "connection_error"
        with pytest.raises(websockets.ConnectionClosed):
            await ws.recv()


@pytest.mark.parametrize("payload", [{}, {"Authorization": "Bearer wrong"}])
async def test_bad_tokens_close_the_socket(server: RunningServer, payload: dict[str, str]) -> None:
    async with websockets.connect(server.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code in (4401, 4403)


async def test_operations_before_init_are_refused(server: RunningServer) -> None:
    async with websockets.connect(server.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        await ws.send(
            json.dumps(
                {"id": "1", "type": "subscribe", "payload": {"query": "{ viewer { name } }"}}
            )
        )
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401
