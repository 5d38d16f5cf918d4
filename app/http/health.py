"""Health checks, the only routes that need no token."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse

from app.services import Services
from app.store.codec import as_utc
from app.store.collection import ASCENDING

log = logging.getLogger("cadenza")

CHECK_TIMEOUT_S = 2.0
WORKERS = "workers"  # written by jobs/worker.py `record_heartbeat`
WORKER_FRESH = timedelta(seconds=90)


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


async def _live_workers(services: Services) -> list[dict[str, str]] | None:
    """Workers with a heartbeat at most 90 s old; None when they cannot be read."""
    since = services.clock() - WORKER_FRESH
    try:
        docs = await asyncio.wait_for(
            services.db.collection(WORKERS).find(
                {"at": {"$gte": since}}, sort=[("_id", ASCENDING)]
            ),
            CHECK_TIMEOUT_S,
        )
        return [{"id": str(d["_id"]), "lastSeenAt": as_utc(d["at"]).isoformat()} for d in docs]
    except Exception:
        log.debug("could not read worker heartbeats", exc_info=True)
        return None


async def readyz(request: Request) -> JSONResponse:
    """The store and Redis answer; 503 with the detail when either does not.

    `workers` is informative only: it never changes readiness.
    """
    services: Services = request.app.state.services
    checks = [await _check(f"store ({services.db.mode})", services.db.ping())]
    if services.redis is not None:
        checks.append(await _check("redis", services.redis.ping()))
    ready = all(c["ok"] for c in checks)
    return JSONResponse(
        {
            "status": "ready" if ready else "unavailable",
            "mode": services.mode,
            "checks": checks,
            "workers": await _live_workers(services) if checks[0]["ok"] else None,
            "live": {
                "connected": services.bus.connected,
                "subscribers": services.bus.hub.subscriber_count,
                "slowSubscribersDropped": services.bus.hub.slow_dropped,
                "tasks": len(asyncio.all_tasks()),
            },
        },
        status_code=200 if ready else 503,
    )
