"""The production path on a MongoDB wire-protocol server: real driver, real processes.

nx-27017 (PyPI) speaks MongoDB's wire protocol on top of SQLite. It is experimental and
differs from MongoDB in places (nested paths, arrayFilters, aggregation, `$setOnInsert`,
datetimes written by `$set`), so these tests check wiring, not query semantics: the API
and a separate worker are real subprocesses (`python -m app serve|worker`) that reach one
database through `AsyncMongoClient`, the command line writes to that same database, and
the data outlives the API process.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.factories import CREATE_PROCESS, process_input, unique
from tests.graphql_client import Api
from tests.processes import START_TIMEOUT_S, Child, start_nx
from tests.redis_server import free_port
from tests.ws_client import ws_client

ROOT = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "cdz_smoke-admin-token"

# The API is a separate process reached over loopback: generous, but bounded.
pytestmark = pytest.mark.timeout(90)


def get_readyz(base_url: str) -> httpx.Response | None:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(f"{base_url}/readyz", timeout=2)
    return None


@dataclass
class Stack:
    """nx-27017, the API and a worker, all sharing one database and Redis key prefix."""

    workdir: Path
    env: dict[str, str]
    api: Child | None = None
    worker: Child | None = None
    base_url: str = ""
    api_starts: int = 0

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    def start_api(self) -> None:
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        self.api_starts += 1
        api = Child.start(
            f"api-{self.api_starts}",
            [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)],
            self.env,
            self.workdir,
        )
        self.api = api
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if api.process.poll() is not None:
                api.fail("exited during start-up")
            response = get_readyz(self.base_url)
            if response is not None and response.status_code == 200:
                return
            if time.monotonic() > deadline:
                detail = "no answer" if response is None else response.text
                api.fail(f"was not ready within {START_TIMEOUT_S:.0f} s (/readyz: {detail})")
            time.sleep(0.05)

    def stop_api(self) -> None:
        if self.api is not None:
            self.api.stop()
            self.api = None

    def start_worker(self) -> None:
        self.worker = Child.start(
            "worker", [sys.executable, "-m", "app", "worker"], self.env, self.workdir
        )

    def api_client(self, client: httpx.AsyncClient, token: str = ADMIN_TOKEN) -> Api:
        return Api(self.graphql_url, token, client)


@pytest.fixture(scope="module")
def stack(redis_url: str) -> Iterator[Stack]:
    """`redis_url` is the session's `running_redis()` (tests/conftest.py)."""
    suffix = uuid.uuid4().hex[:12]
    with tempfile.TemporaryDirectory(prefix="cadenza-smoke-") as tmp:
        workdir = Path(tmp)
        nx, mongodb_url = start_nx(workdir)
        env = {
            **os.environ,
            "MONGODB_URL": mongodb_url,
            "MONGODB_DB": f"cadenza_smoke_{suffix}",
            "REDIS_URL": redis_url,
            "REDIS_KEY_PREFIX": f"cadenza-smoke:{suffix}",
            "CADENZA_ADMIN_TOKEN": ADMIN_TOKEN,
            "TOKEN_CACHE_TTL_S": "0",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        built = Stack(workdir, env)
        try:
            built.start_worker()  # starts in parallel with the API
            built.start_api()
            yield built
        finally:
            try:
                built.stop_api()
            finally:
                try:
                    if built.worker is not None:
                        built.worker.stop()
                finally:
                    nx.stop()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=15) as http:
        yield http


UPDATE_PROCESS = """
mutation($input: UpdateProcessInput!) {
  updateProcess(input: $input) { process { id version description } }
}
"""

LIST_PROCESSES = """
query($filter: ProcessFilter) {
  processes(filter: $filter, first: 10) { totalCount edges { node { id name version } } }
}
"""

PROCESS_AT = """
query($id: ID!, $version: Int) { process(id: $id, version: $version) { id version description } }
"""

DELETE_PROCESS = """
mutation($id: ID!) { deleteProcess(input: {id: $id}) { deletedId } }
"""


def test_the_api_runs_on_the_mongodb_driver(stack: Stack) -> None:
    assert stack.api is not None
    output = stack.api.output()
    assert "store=mongodb" in output, output
    assert "jobs/events=redis" in output, output
    ready = httpx.get(f"{stack.base_url}/readyz", timeout=5).json()
    assert ready["mode"] == "store=mongodb jobs/events=redis"


async def test_process_lifecycle_through_the_api(stack: Stack, client: httpx.AsyncClient) -> None:
    api = stack.api_client(client)
    name = unique("Smoke Standard")
    created = (await api.gql(CREATE_PROCESS, {"input": process_input(name=name)}))["createProcess"][
        "process"
    ]
    assert created["version"] == 1
    process_id = created["id"]

    updated = (
        await api.gql(
            UPDATE_PROCESS,
            {"input": {"id": process_id, "expectedVersion": 1, "description": "second"}},
        )
    )["updateProcess"]["process"]
    assert updated == {"id": process_id, "version": 2, "description": "second"}

    listed = (await api.gql(LIST_PROCESSES, {"filter": {"kind": "STANDARD", "search": name}}))[
        "processes"
    ]
    assert listed["totalCount"] == 1
    assert [e["node"] for e in listed["edges"]] == [{"id": process_id, "name": name, "version": 2}]

    first = (await api.gql(PROCESS_AT, {"id": process_id, "version": 1}))["process"]
    assert first == {"id": process_id, "version": 1, "description": "Build, then deploy"}

    deleted = (await api.gql(DELETE_PROCESS, {"id": process_id}))["deleteProcess"]
    assert deleted == {"deletedId": process_id}
    assert (await api.gql(PROCESS_AT, {"id": process_id, "version": None}))["process"] is None


async def test_a_token_from_the_command_line_works_in_the_running_api(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    done = await asyncio.to_thread(
        stack.run, "create-token", "--user", "ci-bot", "--role", "RELEASE_MANAGER"
    )
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip().splitlines()[-1]
    assert token.startswith("cdz_"), done.stdout

    viewer = await stack.api_client(client, token).gql("{ viewer { name roles } }")
    assert viewer["viewer"] == {"name": "ci-bot", "roles": ["RELEASE_MANAGER"]}

    issued = await stack.api_client(client).gql(
        'mutation { createToken(input: {user: "ci-bot"}) { token tokenInfo { id } } }'
    )
    second = issued["createToken"]["token"]
    revoked = await stack.api_client(client).gql(
        "mutation($id: ID!) { revokeToken(input: {id: $id}) { tokenInfo { revokedAt } } }",
        {"id": issued["createToken"]["tokenInfo"]["id"]},
    )
    assert revoked["revokeToken"]["tokenInfo"]["revokedAt"] is not None
    refused = await stack.api_client(client, second).post({"query": "{ viewer { name } }"})
    assert refused.status_code == 401


def test_the_worker_heartbeat_shows_in_readyz(stack: Stack) -> None:
    assert stack.worker is not None
    deadline = time.monotonic() + START_TIMEOUT_S
    body: Any = None
    while time.monotonic() < deadline:
        if stack.worker.process.poll() is not None:
            stack.worker.fail("exited")
        response = get_readyz(stack.base_url)
        if response is not None:
            assert response.status_code == 200, response.text
            body = response.json()
            if body["workers"]:
                break
        time.sleep(0.2)
    else:
        stack.worker.fail(f"never showed in /readyz (last: {body})")
    [worker] = body["workers"]
    assert worker["id"].endswith(f":{stack.worker.process.pid}"), worker
    assert worker["lastSeenAt"].endswith("+00:00"), worker


async def test_data_outlives_an_api_restart(stack: Stack, client: httpx.AsyncClient) -> None:
    name = unique("Smoke Persisted")
    created = (
        await stack.api_client(client).gql(CREATE_PROCESS, {"input": process_input(name=name)})
    )["createProcess"]["process"]

    await asyncio.to_thread(stack.stop_api)
    await asyncio.to_thread(stack.start_api)

    api = stack.api_client(client)
    found = (await api.gql(PROCESS_AT, {"id": created["id"], "version": None}))["process"]
    assert found == {"id": created["id"], "version": 1, "description": "Build, then deploy"}
    listed = (await api.gql(LIST_PROCESSES, {"filter": {"search": name}}))["processes"]
    assert [e["node"]["id"] for e in listed["edges"]] == [created["id"]]


def _second_api(stack: Stack) -> tuple[Child, str]:
    """Another API process on the same database and Redis (a second replica)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    child = Child.start(
        "api-b",
        [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)],
        stack.env,
        stack.workdir,
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if child.process.poll() is not None:
            child.fail("exited during start-up")
        response = get_readyz(base_url)
        if response is not None and response.status_code == 200:
            return child, base_url
        if time.monotonic() > deadline:
            child.fail("was not ready in time")
        time.sleep(0.05)


async def test_events_reach_subscribers_of_another_api_process_in_order_once(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    api = stack.api_client(client)
    process = (await api.gql(CREATE_PROCESS, {"input": process_input()}))["createProcess"][
        "process"
    ]
    release = (
        await api.gql(
            "mutation($input: CreateReleaseInput!) { createRelease(input: $input) "
            "{ release { id } } }",
            {
                "input": {
                    "processId": process["id"],
                    "name": unique("smoke-v1-qa-deploy"),
                    "inputs": {"releaseVersion": "1.0.0"},
                }
            },
        )
    )["createRelease"]["release"]
    other, other_url = await asyncio.to_thread(_second_api, stack)
    try:
        ws_url = other_url.replace("http://", "ws://") + "/graphql"
        async with ws_client(ws_url, ADMIN_TOKEN) as subscriber:
            op = await subscriber.subscribe(
                "subscription($id: ID!) { releaseEvents(releaseId: $id, afterSeq: 1) "
                "{ seq type } }",
                {"id": release["id"]},
            )
            await asyncio.sleep(0.3)
            for i in range(5):
                await api.gql(
                    "mutation($input: UpdateReleaseInput!) { updateRelease(input: $input) "
                    "{ release { revision } } }",
                    {"input": {"id": release["id"], "description": f"edit {i}"}},
                )
            await api.gql(
                "mutation($id: ID!) { startRelease(input: {id: $id}) { release { status } } }",
                {"id": release["id"]},
            )
            received: list[dict[str, Any]] = []
            while not received or received[-1]["type"] != "RELEASE_COMPLETED":
                received.append((await subscriber.next_data(op, timeout_s=20))["releaseEvents"])
            seqs = [e["seq"] for e in received]
            assert seqs == list(range(2, 2 + len(seqs)))  # in order, once, no gap
            assert [e["type"] for e in received[:6]] == ["RELEASE_UPDATED"] * 5 + [
                "RELEASE_STARTED"
            ]
            # After the end, only the owners' notification may follow, still in sequence.
            with contextlib.suppress(TimeoutError):
                while True:
                    event = (await subscriber.next_data(op, timeout_s=1))["releaseEvents"]
                    assert event["type"] == "NOTIFICATION_SENT"
                    assert event["seq"] == received[-1]["seq"] + 1
                    received.append(event)
    finally:
        other.stop()
