"""Engine jobs: advance a release, and run one attempt of one activity."""

from __future__ import annotations

import logging
from typing import Any

from app.domain.activity_actions import find_activity
from app.domain.activity_config import RESPONSE_CONDITIONS
from app.domain.engine_step import outputs_of
from app.domain.errors import NotFound
from app.domain.expressions import render_known, render_value
from app.domain.process import ActivityKind, JsonValue
from app.domain.references import ExpressionError, Lookup
from app.domain.variables import UnresolvedReference, resolve
from app.services import Services
from app.usecases import execution, notifications, subprocesses
from jobs.executors.http import describe_request, run_http

log = logging.getLogger("cadenza.engine")


def _services(ctx: dict[str, Any]) -> Services:
    services: Services = ctx["services"]
    return services


def rendered_config(config: dict[str, JsonValue], lookup: Lookup) -> dict[str, JsonValue]:
    """The config with the release's values filled in; a poll's conditions, and names of its
    URL that no scope knows, are left for the executor to read from the responses."""
    rest = {k: v for k, v in config.items() if k != "poll"}
    rendered = render_value(rest, lookup)
    assert isinstance(rendered, dict)
    poll = config.get("poll")
    if isinstance(poll, dict):
        rendered["poll"] = {
            key: value
            if key in RESPONSE_CONDITIONS
            else render_known(value, lookup, UnresolvedReference)
            if key == "url" and isinstance(value, str)
            else render_value(value, lookup)
            for key, value in poll.items()
        }
    return rendered


async def advance_release(ctx: dict[str, Any], release_id: str) -> None:
    """Decide what happens next for a release and make it so."""
    await execution.advance_release(_services(ctx), release_id)


async def run_activity(
    ctx: dict[str, Any], release_id: str, activity_key: str, attempt: int
) -> None:
    """One attempt of one activity: mark it RUNNING, do the work, record the result."""
    services = _services(ctx)
    release = await services.releases.get(release_id)
    if release is None:
        return
    try:
        phase, activity = find_activity(release, activity_key)
    except NotFound:
        return
    state = release.activity_state(activity_key)
    inputs = {**release.inputs, **(state.input_overrides or {})}
    resolution = resolve(release.plan, inputs, outputs_of(release), plan_key=release.plan_key)
    try:
        config = rendered_config(
            activity.config or {}, resolution.lookup_for(phase.key, activity.key)
        )
        error = None
    except (UnresolvedReference, ExpressionError) as problem:
        config, error = {}, f"cannot fill in the config: {problem}"
    summary = describe_request(config) if activity.kind is ActivityKind.HTTP else None
    started = await execution.begin_attempt(services, release_id, activity_key, attempt, summary)
    if started is None:
        return  # a late or duplicate job: this attempt is not due
    if error is not None:
        await execution.finish_attempt(
            services, release_id, activity_key, attempt, ok=False, error=error
        )
        return
    if activity.kind is ActivityKind.HTTP:
        outcome = await run_http(
            config, client=ctx["http"], allow_metadata=services.settings.allow_metadata_urls
        )
        await execution.finish_attempt(
            services,
            release_id,
            activity_key,
            attempt,
            ok=outcome.ok,
            output=outcome.output,
            error=outcome.error,
        )
        return
    if activity.kind is ActivityKind.SUBPROCESS:
        child = await subprocesses.start_child(services, started, activity_key, attempt, config)
        if child.error is not None:
            await execution.finish_attempt(
                services, release_id, activity_key, attempt, ok=False, error=child.error
            )
        return  # the child release reports back when it ends
    await execution.finish_attempt(
        services,
        release_id,
        activity_key,
        attempt,
        ok=False,
        error=f"{activity.kind.value} activities are not run by jobs",
    )


async def send_notification(
    ctx: dict[str, Any],
    release_id: str,
    kind: str,
    recipients: list[str],
    text: str,
    phase_key: str | None,
    activity_key: str | None,
) -> None:
    """Tell the owners: webhooks per team, and a NOTIFICATION_SENT event on the release."""
    await notifications.send_notification(
        _services(ctx),
        ctx["http"],
        release_id=release_id,
        kind=kind,
        recipients=recipients,
        text=text,
        phase_key=phase_key,
        activity_key=activity_key,
    )
