"""The release state machine: every action is a pure function returning the next revision.

An action takes the release, its arguments, who acts and when, and returns
`release.recorded(...)`: the next revision with the action's events in its outbox. An action
the release's status does not allow raises InvalidTransition naming the status and the
action; bad arguments raise InvalidInput with every problem found.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from app.domain.durations import format_duration
from app.domain.errors import FieldProblem, InvalidInput, InvalidTransition
from app.domain.events import EventDraft, ReleaseEventType
from app.domain.inputs import check_inputs
from app.domain.json_values import json_equal
from app.domain.paths import child, item
from app.domain.process import Frozen, JsonValue
from app.domain.release import (
    TERMINAL_ACTIVITY,
    TERMINAL_PHASE,
    ActivityState,
    ActivityStatus,
    Cadence,
    Link,
    PhaseState,
    PhaseStatus,
    Release,
    ReleaseContext,
    ReleaseOutcome,
    ReleaseStatus,
)
from app.domain.variables import resolve

MAX_NAME_LENGTH = 200
# A start picked in a form moments ago must not be refused because the request took a while
# or the client's clock runs behind; such a start is simply due at once.
CLOCK_SKEW = timedelta(seconds=60)
SYSTEM_ACTOR = "system"

DRAFT = ReleaseStatus.DRAFT
SCHEDULED = ReleaseStatus.SCHEDULED
RUNNING = ReleaseStatus.RUNNING
ON_HOLD = ReleaseStatus.ON_HOLD
COMPLETED = ReleaseStatus.COMPLETED


class InputSetChoice(Frozen):
    """The input set a release takes values from, as read at one version."""

    id: str
    version: int
    values: dict[str, JsonValue] = {}


class ReleaseChanges(Frozen):
    """An edit of a release. Only the fields given (`model_fields_set`) change.

    A field given as None is cleared: collections become empty, `input_set` detaches the
    input set, and `name` (which cannot be empty) is refused.
    """

    name: str | None = None
    description: str | None = None
    tags: tuple[str, ...] | None = None
    version: str | None = None
    services: tuple[str, ...] | None = None
    environments: tuple[str, ...] | None = None
    links: tuple[Link, ...] | None = None
    context: ReleaseContext | None = None
    owners: dict[str, str] | None = None
    scheduled_start: datetime | None = None
    scheduled_end: datetime | None = None
    input_set: InputSetChoice | None = None
    overrides: dict[str, JsonValue] | None = None


# The names clients know the fields by: in problem paths and RELEASE_UPDATED's `fields`.
API_NAMES = {
    "scheduled_start": "scheduledStart",
    "scheduled_end": "scheduledEnd",
    "input_set": "inputSet",
    "overrides": "inputs",
}
EDITABLE_WHEN_SCHEDULED = frozenset(
    {"scheduled_start", "scheduled_end", "description", "links", "tags", "owners"}
)
_COLLECTIONS = {"tags": (), "services": (), "environments": (), "links": ()}
_JSON_FIELDS = frozenset({"overrides", "input_set_values"})


def _api_name(field: str) -> str:
    return API_NAMES.get(field, field)


def _moved(
    release: Release,
    type_: ReleaseEventType,
    to: ReleaseStatus,
    actor: str,
    *,
    message: str | None = None,
    data: dict[str, JsonValue] | None = None,
) -> EventDraft:
    """The event of a release status change, from its current status to `to`."""
    return EventDraft(
        type=type_,
        actor=actor,
        from_=release.status.value,
        to=to.value,
        message=message,
        data=data,
    )


def _clean(reason: str | None) -> str | None:
    if reason is None:
        return None
    return reason.strip() or None


# --- readiness -----------------------------------------------------------------------------


def input_problems(release: Release) -> list[FieldProblem]:
    """What stops the release's effective inputs from running it: missing or invalid values."""
    return check_inputs(
        release.plan.inputs, release.inputs, path_prefix="inputs", require_complete=True
    )


def variable_problems(release: Release) -> list[FieldProblem]:
    """Variables of the release that do not resolve with its inputs."""
    return resolve(release.plan, release.inputs, plan_key=release.plan_key).problems


def _require_ready(release: Release, extra: Iterable[FieldProblem] = ()) -> None:
    problems = [*extra, *input_problems(release), *variable_problems(release)]
    if problems:
        raise InvalidInput(problems)


def _window_problems(
    start: datetime | None,
    end: datetime | None,
    now: datetime,
    *,
    start_required: bool,
    check_start: bool,
) -> list[FieldProblem]:
    """Problems with a schedule window; the start is judged against `now` if `check_start`."""
    problems: list[FieldProblem] = []
    for path, moment in (("scheduledStart", start), ("scheduledEnd", end)):
        if moment is not None and moment.utcoffset() is None:
            problems.append(FieldProblem(path, "must include a time zone (UTC on the wire)"))
    if problems:
        return problems  # naive and aware times cannot be compared
    if start is None:
        if start_required:
            problems.append(FieldProblem("scheduledStart", "is required to schedule a release"))
        elif end is not None:
            problems.append(FieldProblem("scheduledEnd", "needs a scheduledStart"))
        return problems
    if check_start and start < now - CLOCK_SKEW:
        problems.append(FieldProblem("scheduledStart", "must not be in the past"))
    if end is not None and end <= start:
        problems.append(FieldProblem("scheduledEnd", "must be after scheduledStart"))
    return problems


# --- editing -------------------------------------------------------------------------------


def _release_fields(changes: ReleaseChanges) -> dict[str, dict[str, object]]:
    """For each field given, the release fields it sets (one, or three for the input set)."""
    fields: dict[str, dict[str, object]] = {}
    for name in ReleaseChanges.model_fields:
        if name not in changes.model_fields_set:
            continue
        value = getattr(changes, name)
        if name == "input_set":
            choice: InputSetChoice | None = value
            fields[name] = {
                "input_set_id": choice.id if choice else None,
                "input_set_version": choice.version if choice else None,
                "input_set_values": dict(choice.values) if choice else {},
            }
        elif value is None and name in _COLLECTIONS:
            fields[name] = {name: _COLLECTIONS[name]}
        elif value is None and name in ("owners", "overrides"):
            fields[name] = {name: {}}
        else:
            fields[name] = {name: value}
    return fields


def _differs(release: Release, values: dict[str, object]) -> bool:
    for field, value in values.items():
        current = getattr(release, field)
        same = json_equal(current, value) if field in _JSON_FIELDS else current == value
        if not same:
            return True
    return False


def _blank(text: str) -> bool:
    return not text.strip()


def _is_web_url(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _edit_problems(
    release: Release, changes: ReleaseChanges, changed: Collection[str], now: datetime
) -> list[FieldProblem]:
    """Problems with the new values of the fields that `changes` changes."""
    problems: list[FieldProblem] = []
    if "name" in changed:
        if changes.name is None or _blank(changes.name):
            problems.append(FieldProblem("name", "must not be empty"))
        elif len(changes.name) > MAX_NAME_LENGTH:
            problems.append(FieldProblem("name", f"must be at most {MAX_NAME_LENGTH} characters"))
    if "version" in changed and changes.version is not None and _blank(changes.version):
        problems.append(FieldProblem("version", "must not be empty (leave it out instead)"))
    for field, words in (
        ("tags", changes.tags),
        ("services", changes.services),
        ("environments", changes.environments),
    ):
        if field in changed:
            problems += [
                FieldProblem(item(field, index), "must not be empty")
                for index, word in enumerate(words or ())
                if _blank(word)
            ]
    if "links" in changed:
        for index, link in enumerate(changes.links or ()):
            path = item("links", index)
            if _blank(link.kind):
                problems.append(FieldProblem(child(path, "kind"), "must not be empty"))
            if not _is_web_url(link.url):
                problems.append(FieldProblem(child(path, "url"), "must be an http(s) URL"))
    if "owners" in changed:
        problems += _owner_problems(release, changes.owners or {})
    if "overrides" in changed:
        problems += check_inputs(
            release.plan.inputs,
            changes.overrides or {},
            path_prefix="inputs",
            require_complete=False,
        )
    if "input_set" in changed and changes.input_set is not None:
        problems += check_inputs(
            release.plan.inputs,
            changes.input_set.values,
            path_prefix="inputSet.values",
            require_complete=False,
        )
    if "scheduled_start" in changed or "scheduled_end" in changed:
        new_start = "scheduled_start" in changed
        start = changes.scheduled_start if new_start else release.scheduled_start
        end = changes.scheduled_end if "scheduled_end" in changed else release.scheduled_end
        scheduled = release.status is SCHEDULED
        problems += _window_problems(
            start,
            end,
            now,
            start_required=scheduled,
            # A draft may hold any start (the review flags a past one); a scheduled
            # release moved to a new start must still lie ahead.
            check_start=scheduled and new_start,
        )
    return problems


def _owner_problems(release: Release, owners: Mapping[str, str]) -> list[FieldProblem]:
    phase_keys = [phase.key for phase in release.plan.phases]
    problems: list[FieldProblem] = []
    for key, owner in owners.items():
        if key not in phase_keys:
            known = ", ".join(phase_keys) or "none"
            message = f"is not a phase of this release (its phases: {known})"
            problems.append(FieldProblem(child("owners", key), message))
        elif _blank(owner):
            problems.append(FieldProblem(child("owners", key), "must not be empty"))
    return problems


def update_release(
    release: Release, changes: ReleaseChanges, *, actor: str, now: datetime
) -> Release:
    """Edit a release: a draft freely; a scheduled one only in its window, notes and owners.

    Fields given with their current value do not count as changes, so a client may send
    the whole form back. Nothing changed: the release is returned as it is (same revision).
    """
    if release.status not in (DRAFT, SCHEDULED):
        raise InvalidTransition(
            release.status.value, "update", "only a draft or a scheduled release can be edited"
        )
    given = _release_fields(changes)
    changed = [field for field, values in given.items() if _differs(release, values)]
    if not changed:
        return release
    if release.status is SCHEDULED:
        locked = [field for field in changed if field not in EDITABLE_WHEN_SCHEDULED]
        if locked:
            names = ", ".join(_api_name(field) for field in locked)
            raise InvalidTransition(
                release.status.value,
                "update",
                f"{names} cannot change: inputs and process are locked once scheduled "
                "(only the schedule window, description, links, tags and owners can)",
            )
    problems = _edit_problems(release, changes, changed, now)
    if problems:
        raise InvalidInput(problems)
    event = EventDraft(
        type=ReleaseEventType.RELEASE_UPDATED,
        actor=actor,
        data={"fields": [_api_name(field) for field in changed]},
    )
    new = {key: value for field in changed for key, value in given[field].items()}
    return release.recorded(new, [event], now)


def ensure_deletable(release: Release) -> None:
    """Refuse to delete anything but a draft."""
    if release.status is not DRAFT:
        raise InvalidTransition(release.status.value, "delete", "only a draft can be deleted")


# --- before the run ------------------------------------------------------------------------


def schedule_release(
    release: Release,
    *,
    start: datetime | None,
    end: datetime | None,
    actor: str,
    now: datetime,
    blocking_problems: Sequence[FieldProblem] = (),
) -> Release:
    """Finalise a draft for its window: DRAFT -> SCHEDULED, which locks inputs and process.

    The start may lie up to CLOCK_SKEW in the past (it is then due at once). Inputs must be
    complete and valid and every variable must resolve; `blocking_problems` (failed ERROR
    checks of the review) refuse too. Every problem is reported at once.
    """
    if release.status is not DRAFT:
        raise InvalidTransition(release.status.value, "schedule", "only a draft can be scheduled")
    window = _window_problems(start, end, now, start_required=True, check_start=True)
    _require_ready(release, [*window, *blocking_problems])
    cadence = release.cadence if release.cadence is Cadence.RECURRING else Cadence.SCHEDULED
    event = _moved(
        release,
        ReleaseEventType.RELEASE_SCHEDULED,
        SCHEDULED,
        actor,
        data={
            "scheduledStart": start.isoformat() if start else None,
            "scheduledEnd": end.isoformat() if end else None,
        },
    )
    changes = {
        "status": SCHEDULED,
        "cadence": cadence,
        "scheduled_start": start,
        "scheduled_end": end,
    }
    return release.recorded(changes, [event], now)


def start_release(release: Release, *, actor: str, now: datetime) -> Release:
    """Start a release: on demand from DRAFT, or from SCHEDULED when due or pre-executed."""
    if release.status not in (DRAFT, SCHEDULED):
        raise InvalidTransition(
            release.status.value, "start", "only a draft or a scheduled release can start"
        )
    _require_ready(release)
    pre_executed = (
        release.status is SCHEDULED
        and release.scheduled_start is not None
        and now < release.scheduled_start
    )
    changes = {
        "status": RUNNING,
        "started_at": now,
        "started_by": actor,
        "paused": False,
        "phase_states": {phase.key: PhaseState() for phase in release.plan.phases},
        "activity_states": {activity.key: ActivityState() for _, activity in release.activities()},
    }
    event = _moved(
        release,
        ReleaseEventType.RELEASE_STARTED,
        RUNNING,
        actor,
        data={"preExecuted": pre_executed},
    )
    return release.recorded(changes, [event], now)


def cancel_release(
    release: Release, *, actor: str, now: datetime, reason: str | None = None
) -> Release:
    """Call off a scheduled release before it starts: SCHEDULED -> COMPLETED/ABORTED."""
    if release.status is not SCHEDULED:
        raise InvalidTransition(
            release.status.value, "cancel", "only a scheduled release can be cancelled"
        )
    event = _moved(
        release,
        ReleaseEventType.RELEASE_CANCELLED,
        COMPLETED,
        actor,
        message=_clean(reason),
        data={"outcome": ReleaseOutcome.ABORTED.value},
    )
    changes = {"status": COMPLETED, "outcome": ReleaseOutcome.ABORTED, "completed_at": now}
    return release.recorded(changes, [event], now)


# --- during the run ------------------------------------------------------------------------


def pause_release(
    release: Release, *, actor: str, now: datetime, reason: str | None = None
) -> Release:
    """Stop new work from starting: RUNNING -> ON_HOLD, paused.

    A release ON_HOLD only because it waits for manual work can be paused too: it stays
    ON_HOLD but becomes paused, so finishing that work does not let new work start.
    """
    if release.status is ON_HOLD and release.paused:
        raise InvalidTransition(release.status.value, "pause", "it is paused already")
    if release.status not in (RUNNING, ON_HOLD):
        raise InvalidTransition(
            release.status.value, "pause", "only a running release can be paused"
        )
    event = _moved(release, ReleaseEventType.RELEASE_PAUSED, ON_HOLD, actor, message=_clean(reason))
    return release.recorded({"status": ON_HOLD, "paused": True}, [event], now)


def resume_release(release: Release, *, actor: str, now: datetime) -> Release:
    """Let a paused release go on: ON_HOLD (paused) -> RUNNING.

    The execution engine puts it back ON_HOLD if only manual work remains.
    """
    if release.status is ON_HOLD and not release.paused:
        raise InvalidTransition(
            release.status.value,
            "resume",
            "it is not paused but waiting for manual work: complete or approve that work",
        )
    if release.status is not ON_HOLD:
        raise InvalidTransition(
            release.status.value, "resume", "only a paused release can be resumed"
        )
    event = _moved(release, ReleaseEventType.RELEASE_RESUMED, RUNNING, actor)
    return release.recorded({"status": RUNNING, "paused": False}, [event], now)


def abort_release(release: Release, *, actor: str, now: datetime, reason: str | None) -> Release:
    """Stop a release for good: every unfinished activity and phase, then the release, ABORTED."""
    if release.status not in (RUNNING, ON_HOLD):
        raise InvalidTransition(
            release.status.value, "abort", "only a running or on-hold release can be aborted"
        )
    why = _clean(reason)
    if why is None:
        raise InvalidInput.single("reason", "must say why the release is aborted")
    drafts: list[EventDraft] = []
    phase_states = dict(release.phase_states)
    activity_states = dict(release.activity_states)
    for phase in release.plan.phases:
        for activity in phase.activities:
            state = release.activity_state(activity.key)
            if state.status in TERMINAL_ACTIVITY:
                continue
            activity_states[activity.key] = state.model_copy(
                update={"status": ActivityStatus.ABORTED, "completed_at": now}
            )
            drafts.append(
                EventDraft(
                    type=ReleaseEventType.ACTIVITY_STATUS_CHANGED,
                    actor=actor,
                    phase_key=phase.key,
                    activity_key=activity.key,
                    from_=state.status.value,
                    to=ActivityStatus.ABORTED.value,
                    message="the release was aborted",
                )
            )
        phase_state = release.phase_state(phase.key)
        if phase_state.status not in TERMINAL_PHASE:
            phase_states[phase.key] = phase_state.model_copy(
                update={"status": PhaseStatus.ABORTED, "completed_at": now}
            )
            drafts.append(
                EventDraft(
                    type=ReleaseEventType.PHASE_STATUS_CHANGED,
                    actor=actor,
                    phase_key=phase.key,
                    from_=phase_state.status.value,
                    to=PhaseStatus.ABORTED.value,
                    message="the release was aborted",
                )
            )
    # Giving up on a failed activity is a failure of the release; stopping healthy work is
    # an abort.
    outcome = (
        ReleaseOutcome.FAILED
        if any(s.status is ActivityStatus.FAILED for s in activity_states.values())
        else ReleaseOutcome.ABORTED
    )
    drafts.append(
        _moved(
            release,
            ReleaseEventType.RELEASE_ABORTED,
            COMPLETED,
            actor,
            message=why,
            data={"outcome": outcome.value},
        )
    )
    changes = {
        "status": COMPLETED,
        "outcome": outcome,
        "completed_at": now,
        "paused": False,
        "phase_states": phase_states,
        "activity_states": activity_states,
    }
    return release.recorded(changes, drafts, now)


# --- after the run -------------------------------------------------------------------------


def archive_release(release: Release, *, now: datetime, retention: timedelta) -> Release:
    """Archive a release completed at least `retention` ago (done by the system, not people)."""
    if release.status is not COMPLETED or release.completed_at is None:
        raise InvalidTransition(
            release.status.value, "archive", "only a completed release can be archived"
        )
    if release.archived_at is not None:
        raise InvalidTransition(release.status.value, "archive", "it is archived already")
    if now - release.completed_at < retention:
        raise InvalidTransition(
            release.status.value,
            "archive",
            f"it is kept for {format_duration(retention)} after it completes",
        )
    event = EventDraft(
        type=ReleaseEventType.RELEASE_ARCHIVED,
        actor=SYSTEM_ACTOR,
        data={"retention": format_duration(retention)},
    )
    return release.recorded({"archived_at": now}, [event], now)
