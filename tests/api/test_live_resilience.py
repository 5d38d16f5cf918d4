"""Live events across API processes, through a Redis outage, and with slow subscribers."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from app.settings import Settings
from tests.api.test_execution import _act
from tests.api.test_subscriptions import EVENTS, _seqs
from tests.conftest import ADMIN_TOKEN
from tests.factories import create_process, create_release
from tests.graphql_client import Api
from tests.redis_server import private_redis
from tests.server import RunningServer, running_server
from tests.ws_client import ws_client


async def test_an_event_made_on_one_api_reaches_a_subscriber_of_another(
    api: Api, server: RunningServer, settings: Settings, embedded_client: Any
) -> None:
    process = await create_process(api)
    release = await create_release(api, process["id"], inputs={"releaseVersion": "1.0.0"})
    # A second API process: its own bus and Redis subscription, the same store and Redis.
    with running_server(settings, embedded_client=embedded_client) as other:
        async with ws_client(other.ws_url, ADMIN_TOKEN) as client:
            op = await client.subscribe(EVENTS, {"id": release["id"], "after": 1})
            await asyncio.sleep(0.2)
            for i in range(10):
                await _act(api, "updateRelease", id=release["id"], description=f"on A {i}")
            assert await _seqs(client, op, until=11) == list(range(2, 12))
            assert await client.nothing_for(op, 0.3)


async def _ready(http: httpx.AsyncClient, base_url: str) -> dict[str, Any]:
    body: dict[str, Any] = (await http.get(f"{base_url}/readyz")).json()
    return body


async def _until(check: Any, timeout_s: float = 15) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting"
        await asyncio.sleep(0.1)


async def test_a_redis_outage_ends_subscriptions_but_not_the_api(
    settings: Settings, embedded_client: Any
) -> None:
    with private_redis() as (url, redis_process):
        port = urlsplit(url).port
        own = settings.model_copy(update={"redis_url": SecretStr(url)})
        with running_server(own, embedded_client=embedded_client) as server:
            async with httpx.AsyncClient(timeout=10) as http:
                api = Api(server.graphql_url, ADMIN_TOKEN, http)
                process = await create_process(api)
                release = await create_release(
                    api, process["id"], inputs={"releaseVersion": "1.0.0"}
                )
                async with ws_client(server.ws_url, ADMIN_TOKEN) as client:
                    op = await client.subscribe(EVENTS, {"id": release["id"], "after": 0})
                    assert (await client.next_data(op))["releaseEvents"]["seq"] == 1

                    redis_process.kill()
                    redis_process.wait()
                    ended = await client.message(op, timeout_s=15)
                    errors = (
                        ended["payload"]
                        if ended["type"] == "error"
                        else (ended["payload"]["errors"])
                    )
                    assert errors[0]["extensions"]["code"] == "LIVE_EVENTS_UNAVAILABLE"
                    assert errors[0]["extensions"]["resumeAfterSeq"] == 1

                # Queries and mutations go on without Redis; readiness says what is down.
                await _act(api, "updateRelease", id=release["id"], description="in the outage")
                await _act(api, "startRelease", id=release["id"])
                assert (await http.get(f"{server.base_url}/readyz")).status_code == 503

                with private_redis(port):

                    async def reconnected() -> bool:
                        return bool((await _ready(http, server.base_url))["live"]["connected"])

                    await _until(reconnected)
                    async with ws_client(server.ws_url, ADMIN_TOKEN) as client:
                        op = await client.subscribe(EVENTS, {"id": release["id"], "after": 1})
                        assert await _seqs(client, op, until=3) == [2, 3]
                        await _act(api, "pauseRelease", id=release["id"])
                        event = (await client.next_data(op))["releaseEvents"]
                        assert (event["seq"], event["type"]) == (4, "RELEASE_PAUSED")
