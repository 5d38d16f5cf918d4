"""A real uvicorn server on a free port, in a thread, for tests that go through HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette

from app.main import create_app
from app.settings import Settings
from tests.redis_server import free_port


@dataclass(frozen=True)
class RunningServer:
    base_url: str
    settings: Settings
    app: Starlette

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql"

    @property
    def ws_url(self) -> str:
        return self.graphql_url.replace("http://", "ws://", 1)


@contextlib.contextmanager
def serving(
    app: Any, ready_path: str = "/readyz", *, ws_per_message_deflate: bool = False
) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port; yield its base URL once ready."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        ws_per_message_deflate=ws_per_message_deflate,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            if not thread.is_alive():
                raise RuntimeError("the test server exited during start-up")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base_url}{ready_path}", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not become ready")
            time.sleep(0.02)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@contextlib.contextmanager
def running_server(settings: Settings, **app_options: Any) -> Iterator[RunningServer]:
    app = create_app(settings, announce_admin=False, **app_options)
    with serving(app, ws_per_message_deflate=settings.ws_per_message_deflate) as base_url:
        yield RunningServer(base_url, settings, app)
