"""A real HTTP server for activities to call: deploy hooks, status polls, flaky endpoints."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.server import serving


@dataclass
class Target:
    """What the target was sent, and how it behaves."""

    base_url: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)
    failures_left: dict[str, int] = field(default_factory=dict)
    polls: dict[str, int] = field(default_factory=dict)

    def sent_to(self, path: str) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["path"] == path]


def build_target(target: Target) -> Starlette:
    async def record(request: Request) -> dict[str, Any]:
        body = await request.body()
        call = {
            "path": request.url.path,
            "method": request.method,
            "headers": dict(request.headers),
            "json": await request.json() if body else None,
        }
        target.calls.append(call)
        return call

    async def ok(request: Request) -> Response:
        return Response("ok")

    async def deploy(request: Request) -> Response:
        call = await record(request)
        tag = (call["json"] or {}).get("tag")
        return JSONResponse({"deployment": {"id": f"d-{tag}", "tag": tag}}, status_code=201)

    async def flaky(request: Request) -> Response:
        await record(request)
        name = request.path_params["name"]
        if target.failures_left.get(name, 0) > 0:
            target.failures_left[name] -= 1
            return JSONResponse({"error": "try later"}, status_code=503)
        return JSONResponse({"done": True})

    async def status(request: Request) -> Response:
        await record(request)
        job = request.path_params["job"]
        target.polls[job] = target.polls.get(job, 0) + 1
        state = "done" if target.polls[job] >= 3 else "running"
        return JSONResponse({"state": state, "polls": target.polls[job]})

    async def webhook(request: Request) -> Response:
        await record(request)
        return Response("ok")

    return Starlette(
        routes=[
            Route("/healthz", ok),
            Route("/deploy", deploy, methods=["POST"]),
            Route("/flaky/{name}", flaky, methods=["POST"]),
            Route("/status/{job}", status),
            Route("/hooks/{team}", webhook, methods=["POST"]),
        ]
    )


@contextlib.contextmanager
def running_target() -> Iterator[Target]:
    target = Target()
    with serving(build_target(target), ready_path="/healthz") as base_url:
        target.base_url = base_url
        yield target
