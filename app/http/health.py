"""Health checks, the only routes that need no token."""

from __future__ import annotations

import asyncio
import time

from starlette.requests import Request
from starlette.responses import JSONResponse

from app.services import Services

CHECK_TIMEOUT_S = 2.0


async def healthz(request: Request) -> JSONResponse:
    """The process is up and serving."""
    return JSONResponse({"status": "ok"})


async def _check(name: str, probe: asyncio.Future[object] | object) -> dict[str, object]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(probe, CHECK_TIMEOUT_S)  # type: ignore[arg-type]
    except Exception as error:
        return {"name": name, "ok": False, "error": type(error).__name__}
    return {"name": name, "ok": True, "ms": round((time.perf_counter() - started) * 1000, 2)}


async def readyz(request: Request) -> JSONResponse:
    """The store and Redis answer; 503 with the detail when either does not."""
    services: Services = request.app.state.services
    checks = [await _check(f"store ({services.db.mode})", services.db.ping())]
    if services.redis is not None:
        checks.append(await _check("redis", services.redis.ping()))
    ready = all(c["ok"] for c in checks)
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "mode": services.mode, "checks": checks},
        status_code=200 if ready else 503,
    )
