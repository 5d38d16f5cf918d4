"""A revoked token stops working at once in every API process, websockets included."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import websockets

from app.settings import Settings
from tests.conftest import ADMIN_TOKEN
from tests.factories import create_process, create_release
from tests.graphql_client import Api
from tests.server import running_server
from tests.ws_client import ws_client

# Far longer than the test: a token that stops working did so because it was revoked,
# not because a cache entry expired.
LONG_CACHE_S = 300.0
VIEWER = "{ viewer { name } }"
EVENTS = "subscription($id: ID!) { releaseEvents(releaseId: $id) { seq } }"


async def _status(http: httpx.AsyncClient, url: str, token: str) -> int:
    response = await http.post(
        url, json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code


async def _open(url: str, token: str) -> None:
    async with ws_client(url, token):
        pass


async def test_revoking_on_one_process_locks_the_token_out_of_another(
    settings: Settings, embedded_client: Any
) -> None:
    cached = settings.model_copy(update={"token_cache_ttl_s": LONG_CACHE_S})
    with (
        running_server(cached, embedded_client=embedded_client) as first,
        running_server(cached, embedded_client=embedded_client) as second,
    ):
        async with httpx.AsyncClient(timeout=10) as http:
            admin = Api(first.graphql_url, ADMIN_TOKEN, http)
            process = await create_process(admin)
            release = await create_release(admin, process["id"])
            issued = await admin.gql(
                'mutation { createToken(input: {user: "admin"}) { token tokenInfo { id } } }'
            )
            token = issued["createToken"]["token"]
            # The second process verifies the token and caches it.
            assert await _status(http, second.graphql_url, token) == 200
            async with ws_client(second.ws_url, token) as client:
                await client.subscribe(EVENTS, {"id": release["id"]})
                await admin.gql(
                    "mutation($id: ID!) { revokeToken(input: {id: $id}) { tokenInfo { id } } }",
                    {"id": issued["createToken"]["tokenInfo"]["id"]},
                )
                # Its open websocket is closed as forbidden...
                await asyncio.wait_for(client.connection.wait_closed(), 10)
                assert client.connection.close_code == 4403
                assert client.connection.close_reason == "token revoked"
            # ...and its cache no longer lets the token in.
            for _ in range(100):
                if await _status(http, second.graphql_url, token) == 401:
                    break
                await asyncio.sleep(0.02)
            assert await _status(http, second.graphql_url, token) == 401
            assert await _status(http, first.graphql_url, token) == 401
            with pytest.raises(websockets.ConnectionClosed) as refused:
                await _open(second.ws_url, token)
            assert refused.value.rcvd is not None
            assert refused.value.rcvd.code in (4401, 4403)
