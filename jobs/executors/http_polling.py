"""Polling the job an HTTP activity's first request started until it says it is done.

The poll URL may name values of the first answer; each poll's answer is judged by the
plan's `failureWhen` (checked first) and `successWhen`, and the poll gives up at its timeout.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from app.domain.conditions import Condition, ConditionError
from app.domain.expressions import render, stringify
from jobs.executors.http_answers import Answer, response_lookup
from jobs.executors.http_failure import HttpFailure
from jobs.executors.http_plan import HttpPlan, PollPlan, parse_url
from jobs.executors.http_redaction import safe_url
from jobs.executors.http_wire import Wire

Sleep = Callable[[float], Awaitable[object]]
Clock = Callable[[], float]


def _holds(condition: Condition, key: str, answer: Answer, plan: HttpPlan) -> bool:
    try:
        # Lenient: fields often appear only once a job is done, so a missing one is null.
        return condition.evaluate(response_lookup(answer, plan.outputs, strict=False))
    except ConditionError as error:
        raise HttpFailure(
            f"poll.{key} `{condition.text}` cannot be evaluated on {answer.label}: {error}",
            answer.status,
        ) from None


async def poll_until_done(
    wire: Wire, plan: HttpPlan, poll: PollPlan, first: Answer, *, sleep: Sleep, now: Clock
) -> Answer:
    """The answer of the poll that met `successWhen`; HttpFailure on failure or timeout."""
    text = stringify(render(poll.url, response_lookup(first, plan.outputs, strict=True)))
    try:
        # A relative URL (a path the first answer gave) is read against the request's URL.
        joined = str(plan.url.join(text))
    except httpx.InvalidURL:
        joined = text
    url = parse_url(joined, "config.poll.url")
    deadline = now() + poll.timeout_s
    last: Answer | None = None
    while (remaining := deadline - now()) > 0:
        await sleep(min(poll.interval_s, remaining))
        last = await wire.fetch("GET", url, poll.headers, None, poll.success_codes)
        if poll.failure_when is not None and _holds(poll.failure_when, "failureWhen", last, plan):
            raise HttpFailure(
                f"{last.label} says it failed: failureWhen `{poll.failure_when.text}` holds"
                f" ({last.status}: {last.excerpt})",
                last.status,
            )
        if _holds(poll.success_when, "successWhen", last, plan):
            return last
    detail = f"; the last answer was {last.status}: {last.excerpt}" if last else ""
    raise HttpFailure(
        f"GET {safe_url(str(url))} still not done after {stringify(poll.timeout_s)} s "
        f"(successWhen `{poll.success_when.text}` never held{detail})",
        last.status if last else first.status,
    )
