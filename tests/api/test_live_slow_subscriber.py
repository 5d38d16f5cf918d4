"""A subscriber that stops reading loses its connection (4008) and resumes by seq; others go on."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

from app.settings import Settings
from schema.subscriptions import SLOW_SUBSCRIBER_CLOSE_CODE
from tests.api.test_execution import _act
from tests.api.test_subscriptions import EVENTS, _seqs
from tests.conftest import ADMIN_TOKEN
from tests.factories import create_process, create_release
from tests.graphql_client import Api
from tests.server import running_server
from tests.ws_client import ws_client

UPDATED = "subscription ($id: ID!) { releaseUpdated(releaseId: $id) { id description } }"
BIG_TEXT = "x" * 50_000  # large frames fill the socket buffers in a few dozen events
MAX_MUTATIONS = 400


# Each protocol's words for "start an operation" and "a result".
PROTOCOLS = {"graphql-transport-ws": ("subscribe", "next"), "graphql-ws": ("start", "data")}


async def _stalled_client(ws_url: str, protocol: str) -> ClientConnection:
    """A client that reads nothing until told to: a tiny receive buffer, a one-frame queue."""
    url = urlsplit(ws_url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (url.hostname, url.port))
    connection = await websockets.connect(
        ws_url, sock=sock, subprotocols=[Subprotocol(protocol)], max_queue=1, max_size=None
    )
    await connection.send(
        json.dumps(
            {"type": "connection_init", "payload": {"Authorization": f"Bearer {ADMIN_TOKEN}"}}
        )
    )
    while (message := json.loads(await connection.recv()))["type"] == "ka":
        pass  # graphql-ws keeps the connection alive with "ka" frames
    assert message["type"] == "connection_ack"
    return connection


async def _subscribe(
    connection: ClientConnection, protocol: str, op_id: str, query: str, **vars: Any
) -> None:
    start, _ = PROTOCOLS[protocol]
    payload = {"query": query, "variables": vars}
    await connection.send(json.dumps({"id": op_id, "type": start, "payload": payload}))


async def _until_closed(connection: ClientConnection) -> list[dict[str, Any]]:
    """Every frame still coming, read until the server closes the connection."""
    messages = []
    try:
        while True:
            messages.append(json.loads(await asyncio.wait_for(connection.recv(), 30)))
    except websockets.ConnectionClosed:
        return messages


@pytest.mark.parametrize("protocol", list(PROTOCOLS))
async def test_a_stalled_subscriber_is_closed_with_4008_and_resumes_without_a_gap(
    settings: Settings, embedded_client: Any, protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    own = settings.model_copy(update={"live_queue_size": 3})
    with running_server(own, embedded_client=embedded_client) as server:
        async with httpx.AsyncClient(timeout=30) as http:
            api = Api(server.graphql_url, ADMIN_TOKEN, http)
            process = await create_process(api)
            release = await create_release(api, process["id"], inputs={"releaseVersion": "1"})
            release_id = release["id"]
            stalled = await _stalled_client(server.ws_url, protocol)
            await _subscribe(stalled, protocol, "events", EVENTS, id=release_id, after=0)
            await _subscribe(stalled, protocol, "updated", UPDATED, id=release_id)
            async with ws_client(server.ws_url, ADMIN_TOKEN) as healthy:
                op = await healthy.subscribe(EVENTS, {"id": release_id, "after": 0})
                assert await _seqs(healthy, op, until=1) == [1]

                async def dropped() -> int:
                    ready = (await http.get(f"{server.base_url}/readyz")).json()
                    return int(ready["live"]["slowSubscribersDropped"])

                mutations = 0
                while await dropped() == 0:
                    assert mutations < MAX_MUTATIONS, "the stalled subscriber was never dropped"
                    mutations += 1
                    await _act(
                        api, "updateRelease", id=release_id, description=f"{mutations} {BIG_TEXT}"
                    )
                last_seq = 1 + mutations
                # The healthy subscriber on its own connection had every event, in order.
                assert await _seqs(healthy, op, until=last_seq) == list(range(2, last_seq + 1))

            # The stalled client reads what was queued for it, then the close frame.
            seen = [
                message["payload"]["data"]["releaseEvents"]["seq"]
                for message in await _until_closed(stalled)
                if message.get("id") == "events" and message["type"] == PROTOCOLS[protocol][1]
            ]
            assert stalled.close_code == SLOW_SUBSCRIBER_CLOSE_CODE
            assert "afterSeq" in (stalled.close_reason or "")
            assert seen == list(range(1, len(seen) + 1))
            assert len(seen) < last_seq

            # Resuming from the last seq it got misses nothing and repeats nothing.
            async with ws_client(server.ws_url, ADMIN_TOKEN) as resumed:
                op = await resumed.subscribe(EVENTS, {"id": release_id, "after": seen[-1]})
                assert await _seqs(resumed, op, until=last_seq) == list(
                    range(seen[-1] + 1, last_seq + 1)
                )

            async def cleaned_up() -> bool:
                ready = (await http.get(f"{server.base_url}/readyz")).json()
                return bool(ready["live"]["subscribers"] == 0)

            for _ in range(100):
                if await cleaned_up():
                    break
                await asyncio.sleep(0.05)
            assert await cleaned_up()
            # Frames of the connection's other subscriptions that were on their way when it
            # closed are dropped quietly: no operation failed.
            assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
