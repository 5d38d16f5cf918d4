"""Subscriptions over real websockets against a running server and the real Redis."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import websockets
from websockets.typing import Subprotocol

from tests.api.test_execution import _act
from tests.conftest import ADMIN_TOKEN
from tests.factories import activity, create_process, create_release, create_user, phase, unique
from tests.graphql_client import Api
from tests.server import RunningServer
from tests.ws_client import ws_client

RunWorker = Callable[[], Awaitable[None]]

EVENTS = """subscription($id: ID!, $after: Int) {
  releaseEvents(releaseId: $id, afterSeq: $after) { seq type from to actor } }"""


async def _describe(api: Api, release_id: str, text: str) -> None:
    await _act(api, "updateRelease", id=release_id, description=text)


async def _seqs(client: Any, op: str, until: int) -> list[int]:
    seqs: list[int] = []
    while not seqs or seqs[-1] < until:
        data = await client.next_data(op)
        seqs.append(data["releaseEvents"]["seq"])
    return seqs


async def test_replay_then_live_with_no_gap_or_repeat(api: Api, server: RunningServer) -> None:
    process = await create_process(api)
    release = await create_release(api, process["id"], inputs={"releaseVersion": "1.0.0"})
    for i in range(3):
        await _describe(api, release["id"], f"before {i}")  # seqs 2..4

    async def keep_changing() -> None:
        for i in range(15):
            await _describe(api, release["id"], f"during {i}")  # seqs 5..19

    async with ws_client(server.ws_url, ADMIN_TOKEN) as client:
        writer = asyncio.create_task(keep_changing())
        op = await client.subscribe(EVENTS, {"id": release["id"], "after": 1})
        seqs = await _seqs(client, op, until=19)
        await writer
        assert seqs == list(range(2, 20))
        await _describe(api, release["id"], "after")
        assert (await client.next_data(op))["releaseEvents"]["seq"] == 20
        assert await client.nothing_for(op, 0.3)


async def test_a_client_that_reconnects_with_its_last_seq_misses_nothing(
    api: Api, server: RunningServer
) -> None:
    process = await create_process(api)
    release = await create_release(api, process["id"], inputs={"releaseVersion": "1.0.0"})
    async with ws_client(server.ws_url, ADMIN_TOKEN) as client:
        op = await client.subscribe(EVENTS, {"id": release["id"], "after": 0})
        assert (await client.next_data(op))["releaseEvents"]["type"] == "RELEASE_CREATED"
        await _describe(api, release["id"], "one")
        last = (await client.next_data(op))["releaseEvents"]["seq"]
    for text in ("missed one", "missed two"):
        await _describe(api, release["id"], text)  # while disconnected
    async with ws_client(server.ws_url, ADMIN_TOKEN) as client:
        op = await client.subscribe(EVENTS, {"id": release["id"], "after": last})
        assert await _seqs(client, op, until=last + 2) == [last + 1, last + 2]


async def test_live_only_without_after_seq(api: Api, server: RunningServer) -> None:
    process = await create_process(api)
    release = await create_release(api, process["id"], inputs={"releaseVersion": "1.0.0"})
    async with ws_client(server.ws_url, ADMIN_TOKEN) as client:
        op = await client.subscribe(EVENTS, {"id": release["id"]})
        await asyncio.sleep(0.2)
        await _act(api, "startRelease", id=release["id"])
        event = (await client.next_data(op))["releaseEvents"]
        assert (event["seq"], event["type"], event["from"], event["to"]) == (
            2,
            "RELEASE_STARTED",
            "DRAFT",
            "RUNNING",
        )


async def test_release_updated_sends_the_whole_release(
    api: Api, server: RunningServer, run_worker: RunWorker
) -> None:
    process = await create_process(api)
    release = await create_release(api, process["id"], inputs={"releaseVersion": "1.0.0"})
    query = """subscription($id: ID!) { releaseUpdated(releaseId: $id) {
      id status revision phases { activities { key status } } } }"""
    async with ws_client(server.ws_url, ADMIN_TOKEN) as client:
        op = await client.subscribe(query, {"id": release["id"]})
        await asyncio.sleep(0.2)
        await _act(api, "startRelease", id=release["id"])
        first = (await client.next_data(op))["releaseUpdated"]
        assert first["status"] == "RUNNING"
        await run_worker()
        statuses = [first["status"]]
        while statuses[-1] != "COMPLETED":
            statuses.append((await client.next_data(op))["releaseUpdated"]["status"])
        assert statuses[-1] == "COMPLETED"


async def test_releases_changed_follows_a_filter(api: Api, server: RunningServer) -> None:
    service = unique("payments")
    process = await create_process(api)
    mine = await create_release(
        api, process["id"], services=[service], inputs={"releaseVersion": "1.0.0"}
    )
    other = await create_release(
        api, process["id"], services=["search"], inputs={"releaseVersion": "1.0.0"}
    )
    query = """subscription($f: ReleaseFilter) { releasesChanged(filter: $f) {
      releaseId type to } }"""
    async with ws_client(server.ws_url, ADMIN_TOKEN) as client:
        op = await client.subscribe(query, {"f": {"services": [service]}})
        await asyncio.sleep(0.2)
        await _act(api, "startRelease", id=other["id"])
        await _act(api, "startRelease", id=mine["id"])
        event = (await client.next_data(op))["releasesChanged"]
        assert (event["releaseId"], event["type"], event["to"]) == (
            mine["id"],
            "RELEASE_STARTED",
            "RUNNING",
        )
        await _describe_running_noise(api, other["id"])
        assert await client.nothing_for(op, 0.3)


async def _describe_running_noise(api: Api, release_id: str) -> None:
    await _act(api, "pauseRelease", id=release_id)


async def test_pending_actions_appear_and_disappear(
    api: Api, server: RunningServer, run_worker: RunWorker
) -> None:
    team = unique("QA")
    _, token = await create_user(api, "MEMBER", teams=[team])
    process = await create_process(
        api, phases=[phase("qa", activity("sign", "MANUAL"), owner=team)]
    )
    release = await create_release(api, process["id"], inputs={"releaseVersion": "1.0.0"})
    query = "subscription { pendingActions { active kind activityKey release { id } } }"
    async with ws_client(server.ws_url, token) as client:
        op = await client.subscribe(query)
        await asyncio.sleep(0.2)
        await _act(api, "startRelease", id=release["id"])
        await run_worker()
        appeared = (await client.next_data(op))["pendingActions"]
        assert appeared == {
            "active": True,
            "kind": "SIGN_OFF",
            "activityKey": "sign",
            "release": {"id": release["id"]},
        }
        await _act(
            api, "completeActivity", token=token, releaseId=release["id"], activityKey="sign"
        )
        gone = (await client.next_data(op))["pendingActions"]
        assert gone["active"] is False
        assert gone["activityKey"] == "sign"


async def test_unknown_releases_end_the_subscription_with_an_error(server: RunningServer) -> None:
    async with ws_client(server.ws_url, ADMIN_TOKEN) as client:
        op = await client.subscribe(EVENTS, {"id": "rel_nope", "after": 0})
        message = await client.message(op)
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "NOT_FOUND"


async def test_legacy_graphql_ws_subscriptions(api: Api, server: RunningServer) -> None:
    process = await create_process(api)
    release = await create_release(api, process["id"])
    async with websockets.connect(server.ws_url, subprotocols=[Subprotocol("graphql-ws")]) as ws:
        await ws.send(
            json.dumps(
                {"type": "connection_init", "payload": {"Authorization": f"Bearer {ADMIN_TOKEN}"}}
            )
        )
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "start",
                    "payload": {"query": EVENTS, "variables": {"id": release["id"], "after": 0}},
                }
            )
        )
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert message["type"] == "data"
        assert message["payload"]["data"]["releaseEvents"]["type"] == "RELEASE_CREATED"


async def test_viewers_may_subscribe(api: Api, server: RunningServer) -> None:
    _, viewer = await create_user(api, "VIEWER")
    process = await create_process(api)
    release = await create_release(api, process["id"])
    async with ws_client(server.ws_url, viewer) as client:
        op = await client.subscribe(EVENTS, {"id": release["id"], "after": 0})
        assert (await client.next_data(op))["releaseEvents"]["seq"] == 1


async def test_a_thousand_connects_and_disconnects_leave_nothing_behind(
    api: Api, server: RunningServer
) -> None:
    process = await create_process(api)
    release = await create_release(api, process["id"])
    async with httpx.AsyncClient() as http:
        before = (await http.get(f"{server.base_url}/readyz")).json()["live"]

        async def cycle() -> None:
            async with ws_client(server.ws_url, ADMIN_TOKEN) as client:
                op = await client.subscribe(EVENTS, {"id": release["id"], "after": 0})
                await client.next_data(op)

        for _ in range(100):
            await asyncio.gather(*[cycle() for _ in range(10)])
        deadline = asyncio.get_running_loop().time() + 10
        while True:
            after = (await http.get(f"{server.base_url}/readyz")).json()["live"]
            if after["subscribers"] == 0 and after["tasks"] <= before["tasks"]:
                break
            assert asyncio.get_running_loop().time() < deadline, (before, after)
            await asyncio.sleep(0.1)
    assert after["subscribers"] == 0
