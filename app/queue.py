"""The job queue: arq on Redis in production, the same job functions in-process otherwise.

Job ids are deterministic where a duplicate must be a no-op: enqueueing an id that is
already waiting does nothing, on both backends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from arq.connections import ArqRedis
from redis.exceptions import RedisError

log = logging.getLogger("cadenza.queue")

JobFunction = Callable[..., Awaitable[Any]]


class JobQueue(Protocol):
    async def enqueue(
        self,
        function: str,
        *args: Any,
        job_id: str | None = None,
        defer_until: datetime | None = None,
    ) -> None: ...

    async def close(self) -> None: ...


class ArqQueue:
    """Jobs for `python -m app worker` processes, through arq's Redis queue."""

    def __init__(self, pool: ArqRedis, queue_name: str) -> None:
        self._pool = pool
        self._queue_name = queue_name

    async def enqueue(
        self,
        function: str,
        *args: Any,
        job_id: str | None = None,
        defer_until: datetime | None = None,
    ) -> None:
        try:
            job = await self._pool.enqueue_job(
                function,
                *args,
                _job_id=job_id,
                _queue_name=self._queue_name,
                _defer_until=defer_until,
            )
        except (RedisError, OSError) as error:
            # The change that asked for this job is stored; the workers' sweeps (due starts,
            # stalled releases) pick it up once Redis is back, so the API keeps working.
            log.warning(
                "could not enqueue %s (%s): left to the sweeps", function, type(error).__name__
            )
            return
        if job is None:
            log.debug("job %s is already queued", job_id)

    async def close(self) -> None:
        return None  # the pool belongs to the services object, which closes it


class LocalQueue:
    """Runs jobs as tasks of this process (embedded mode): same functions, no Redis."""

    def __init__(self) -> None:
        self._functions: Mapping[str, JobFunction] = {}
        self._ctx: dict[str, Any] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._anonymous = 0

    def bind(self, functions: Mapping[str, JobFunction], ctx: dict[str, Any]) -> None:
        """Attach the job functions and their `ctx` once the services exist."""
        self._functions = functions
        self._ctx = ctx

    async def enqueue(
        self,
        function: str,
        *args: Any,
        job_id: str | None = None,
        defer_until: datetime | None = None,
    ) -> None:
        if function not in self._functions:
            raise LookupError(f"no job function {function!r}")
        if job_id is None:
            self._anonymous += 1
            job_id = f"local:{self._anonymous}"
        elif job_id in self._tasks:
            return
        delay_s = 0.0
        if defer_until is not None:
            delay_s = max(0.0, (defer_until - datetime.now(UTC)).total_seconds())
        self._tasks[job_id] = asyncio.create_task(
            self._run(job_id, self._functions[function], args, delay_s), name=job_id
        )

    async def _run(
        self, job_id: str, function: JobFunction, args: tuple[Any, ...], delay_s: float
    ) -> None:
        try:
            if delay_s:
                await asyncio.sleep(delay_s)
            await function(self._ctx, *args)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("job %s failed", job_id)
        finally:
            self._tasks.pop(job_id, None)

    async def drain(self) -> None:
        """Wait until no job is running or waiting (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
        for task in list(self._tasks.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
