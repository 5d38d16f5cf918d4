"""Shared by the worker-recovery tests: a target that holds a request, and what must hold after.

The target is tests/http_target.py's, plus `/slow/{name}`: its first `holds[name]` calls
do not answer until the test releases them (or `HOLD_LIMIT_S` passes), so the worker that
made the call is caught mid-job; later calls answer at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.factories import activity, phase
from tests.graphql_client import Api
from tests.http_target import Target, build_target
from tests.server import serving

HOLD_LIMIT_S = 60.0
SLOW = "/slow/deploy"
ACTIVITY_TIMEOUT = "PT3S"
MAX_ATTEMPTS = 2


@dataclass
class HoldingTarget(Target):
    holds: dict[str, int] = field(default_factory=dict)
    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)


def build_holding_target(target: HoldingTarget) -> Starlette:
    async def slow(request: Request) -> Response:
        body = await request.body()
        target.calls.append(
            {
                "path": request.url.path,
                "method": request.method,
                "headers": dict(request.headers),
                "json": await request.json() if body else None,
            }
        )
        name = request.path_params["name"]
        if target.holds.get(name, 0) > 0:
            target.holds[name] -= 1
            target.arrived.set()
            await asyncio.to_thread(target.released.wait, HOLD_LIMIT_S)
        return JSONResponse({"deployed": name})

    routes = [Route("/slow/{name}", slow, methods=["POST"]), *build_target(target).routes]
    return Starlette(routes=routes)


@contextlib.contextmanager
def running_holding_target(**holds: int) -> Iterator[HoldingTarget]:
    """The test target; `deploy=1` holds the first call to `/slow/deploy`."""
    target = HoldingTarget(holds=dict(holds))
    with serving(build_holding_target(target), ready_path="/healthz") as base_url:
        target.base_url = base_url
        try:
            yield target
        finally:
            target.released.set()  # lets a held handler end, so the server can stop


async def wait_for_held_call(target: HoldingTarget, timeout_s: float = 20.0) -> bool:
    return await asyncio.to_thread(target.arrived.wait, timeout_s)


def recovery_process(target: HoldingTarget) -> dict[str, Any]:
    """CHECKPOINT -> HTTP (held the first time; retried once, after a timeout) -> CHECKPOINT."""
    return {
        "inputs": [{"name": "releaseVersion", "type": "STRING", "required": True}],
        "phases": [
            phase(
                "ship",
                activity("gate-in"),
                activity(
                    "deploy",
                    "HTTP",
                    dependsOn=["gate-in"],
                    timeout=ACTIVITY_TIMEOUT,
                    retry={"maxAttempts": MAX_ATTEMPTS, "backoff": "0s"},
                    config={
                        "method": "POST",
                        "url": f"{target.base_url}{SLOW}",
                        "body": {"tag": "${releaseVersion}"},
                    },
                ),
                activity("gate-out", dependsOn=["deploy"]),
            )
        ],
    }


STATE = """query($id: ID!) { release(id: $id) { status outcome revision
  phases { activities { key status attempts error
    attemptHistory { number startedAt finishedAt error } } } } }"""

EVENTS = """query($id: ID!, $after: String) { release(id: $id) {
  events(first: 50, after: $after) { totalCount
    edges { node { seq type actor from to message data activityKey } }
    pageInfo { hasNextPage endCursor } } } }"""


async def release_state(api: Api, release_id: str) -> dict[str, Any]:
    state: dict[str, Any] = (await api.gql(STATE, {"id": release_id}))["release"]
    return state


async def _event_pages(api: Api, release_id: str) -> tuple[list[dict[str, Any]], int]:
    """Every event, page by page, and the count the last page reports."""
    events: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = (await api.gql(EVENTS, {"id": release_id, "after": after}))["release"]["events"]
        events.extend(edge["node"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            total: int = page["totalCount"]
            return events, total
        after = page["pageInfo"]["endCursor"]


async def all_events(api: Api, release_id: str) -> list[dict[str, Any]]:
    """Every event of a release that no longer changes: the count matches what pages hold."""
    events, total = await _event_pages(api, release_id)
    assert total == len(events), (total, len(events))
    return events


def _finished(events: list[dict[str, Any]]) -> bool:
    """Completed, and the RELEASE_ENDED notification (a job of its own) is on the trail."""
    return any(e["type"] == "RELEASE_COMPLETED" for e in events) and any(
        e["type"] == "NOTIFICATION_SENT" and (e["data"] or {}).get("kind") == "RELEASE_ENDED"
        for e in events
    )


async def settled_events(api: Api, release_id: str) -> list[dict[str, Any]] | None:
    """All events once the release is done and nothing more is coming; None before."""
    events, total = await _event_pages(api, release_id)
    # While it runs, an event can land between the count and the pages: look again.
    return events if _finished(events) and total == len(events) else None


# The deploy activity's transitions, in order: the lost attempt, its timeout, the retry.
DEPLOY_TRANSITIONS = [
    ("PENDING", "QUEUED"),
    ("QUEUED", "RUNNING"),
    ("RUNNING", "QUEUED"),  # attempt 1 timed out (its worker died); retrying
    ("QUEUED", "RUNNING"),
    ("RUNNING", "SUCCEEDED"),
]


def assert_recovered(
    state: dict[str, Any], events: list[dict[str, Any]], target: HoldingTarget
) -> None:
    """What a recovery must leave: done once, each attempt within the policy, a whole trail."""
    assert (state["status"], state["outcome"]) == ("COMPLETED", "SUCCESS"), state
    acts = {a["key"]: a for p in state["phases"] for a in p["activities"]}
    assert {k: a["status"] for k, a in acts.items()} == {
        "gate-in": "SUCCEEDED",
        "deploy": "SUCCEEDED",
        "gate-out": "SUCCEEDED",
    }

    # The HTTP call: the lost one and the retry, never more than the retry policy allows.
    assert len(target.sent_to(SLOW)) == MAX_ATTEMPTS
    deploy = acts["deploy"]
    assert deploy["attempts"] == MAX_ATTEMPTS
    history = deploy["attemptHistory"]
    assert [a["number"] for a in history] == [1, 2]
    assert history[0]["error"] == f"timed out after {ACTIVITY_TIMEOUT}"  # the killed one
    assert history[0]["finishedAt"] is not None
    assert history[1]["error"] is None
    assert history[1]["finishedAt"] is not None
    assert history[0]["startedAt"] < history[1]["startedAt"]

    # The trail: seq 1..N without a gap or a repeat, every transition exactly once.
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(1, len(events) + 1)), seqs
    types = [e["type"] for e in events]
    for once in ("RELEASE_CREATED", "RELEASE_STARTED", "RELEASE_COMPLETED"):
        assert types.count(once) == 1, types
    moves = [
        (e["from"], e["to"])
        for e in events
        if e["type"] == "ACTIVITY_STATUS_CHANGED" and e["activityKey"] == "deploy"
    ]
    assert moves == DEPLOY_TRANSITIONS, moves
    timed_out = [
        e
        for e in events
        if e["activityKey"] == "deploy" and (e["from"], e["to"]) == ("RUNNING", "QUEUED")
    ]
    assert timed_out[0]["actor"] == "engine"
    assert timed_out[0]["message"] == (
        f"attempt 1 failed: timed out after {ACTIVITY_TIMEOUT}; retrying"
    ), timed_out
    for key in ("gate-in", "gate-out"):
        checkpoint = [
            (e["from"], e["to"])
            for e in events
            if e["type"] == "ACTIVITY_STATUS_CHANGED" and e["activityKey"] == key
        ]
        assert checkpoint == [("PENDING", "SUCCEEDED")], (key, checkpoint)
    ended = [e for e in events if e["type"] == "NOTIFICATION_SENT"]
    assert [(e["data"] or {}).get("kind") for e in ended] == ["RELEASE_ENDED"], ended
