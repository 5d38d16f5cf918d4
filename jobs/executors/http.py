"""HTTP activities: one request, then optional polling until the job it started is done.

The output holds `status`, the last HTTP status code, and each of `outputs`: a JSON path
read in the last response (the poll's when polling).

`config` arrives rendered. Whatever `${...}` is left in `poll.url`, `poll.successWhen` and
`poll.failureWhen` reads a response (the first one for the URL, each poll's for the
conditions). Only plain names may stand there, and a name means, in this order:
`${httpStatus}`, the status code; one of the activity's `outputs`, its JSON path applied to
that response (the way to reach nested values); a top-level field of the response's JSON
object. In a condition a name found nowhere is null, since fields often appear only once a
job is done: `${state} == "done"`, `${httpStatus} == 200 && ${result} != null`.

Cloud metadata endpoints are refused unless allowed: every address a host resolves to is
checked, redirects are followed by hand and checked again, and plain-http requests go to the
checked address, so a DNS answer that changes after the check cannot reach one. (https needs
no pinning: metadata endpoints speak no TLS, so such a connection fails its handshake.)
Secrets never leave: logs and stored summaries use `describe_request`, and errors have every
secret header, password and token of the config scrubbed.

This module is the entry point; the steps live in its siblings: `http_plan` (the config,
checked), `http_wire` with `http_addresses` (sending, guarded), `http_answers` (reading
responses), `http_polling`, and `http_redaction` (secrets).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from app.domain.process import JsonValue
from jobs.executors.http_addresses import Resolve, resolve_host
from jobs.executors.http_answers import read_outputs
from jobs.executors.http_failure import HttpFailure
from jobs.executors.http_plan import DEFAULT_METHOD, read_plan
from jobs.executors.http_polling import Clock, Sleep, poll_until_done
from jobs.executors.http_redaction import redact_headers, safe_url, scrub, secrets_of
from jobs.executors.http_wire import Wire

log = logging.getLogger("cadenza.jobs.http")


@dataclass(frozen=True)
class HttpOutcome:
    """What an HTTP activity came to: its output when ok, else a short error for people."""

    ok: bool
    output: dict[str, JsonValue]
    error: str | None
    status: int | None  # the last HTTP status received, if any


def describe_request(config: Mapping[str, JsonValue]) -> dict[str, JsonValue]:
    """A summary of an HTTP activity's request to log and store: no secrets, no body."""
    method, url, headers = config.get("method"), config.get("url"), config.get("headers")
    summary: dict[str, JsonValue] = {
        "method": method.upper() if isinstance(method, str) else DEFAULT_METHOD,
        "url": safe_url(url) if isinstance(url, str) else None,
        "headers": redact_headers(headers if isinstance(headers, Mapping) else None),
    }
    poll = config.get("poll")
    if isinstance(poll, Mapping) and isinstance(poll.get("url"), str):
        summary["pollUrl"] = safe_url(poll["url"])
    return summary


async def run_http(
    config: Mapping[str, JsonValue],
    *,
    client: httpx.AsyncClient,
    allow_metadata: bool = False,
    sleep: Sleep = asyncio.sleep,
    now: Clock = time.monotonic,
    resolve: Resolve = resolve_host,
) -> HttpOutcome:
    """Run one HTTP activity from its rendered config; every failure is an outcome, not raised.

    `resolve` maps a host and port to addresses (tests route made-up hosts with it).
    """
    summary = describe_request(config)
    secrets = secrets_of(config)
    log.info("HTTP activity starts: %s", summary)
    status: int | None = None
    try:
        plan = read_plan(config)
        wire = Wire(
            client,
            allow_metadata=allow_metadata,
            resolve=resolve,
            timeout_s=plan.request_timeout_s,
            secrets=secrets,
        )
        answer = await wire.fetch(
            plan.method, plan.url, plan.headers, plan.content, plan.success_codes
        )
        status = answer.status
        if plan.poll is not None:
            answer = await poll_until_done(wire, plan, plan.poll, answer, sleep=sleep, now=now)
        output = read_outputs(answer, plan.outputs)
    except HttpFailure as failure:
        status = failure.status if failure.status is not None else status
        log.info("HTTP activity failed (last status %s): %s", status, summary)
        return HttpOutcome(
            ok=False, output={}, error=scrub(failure.message, secrets), status=status
        )
    log.info("HTTP activity done (status %s): %s", answer.status, summary)
    return HttpOutcome(ok=True, output=output, error=None, status=answer.status)
