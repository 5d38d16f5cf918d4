"""Editing a release: which fields an edit changes, whether its status allows that, and
what is wrong with the new values.

A draft may change anything; a scheduled release only its window, notes and owners, since
scheduling locked its inputs and process. `update_release` returns the next revision with a
RELEASE_UPDATED event naming the fields changed, or the release itself when nothing changed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from urllib.parse import urlsplit

from app.domain.errors import FieldProblem, InvalidInput, InvalidTransition
from app.domain.events import EventDraft, ReleaseEventType
from app.domain.inputs import check_inputs
from app.domain.json_values import json_equal
from app.domain.paths import child, item
from app.domain.process import Frozen, JsonValue
from app.domain.readiness import window_problems
from app.domain.release import Link, Release, ReleaseContext, ReleaseStatus

MAX_NAME_LENGTH = 200


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
        scheduled = release.status is ReleaseStatus.SCHEDULED
        problems += window_problems(
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
    if release.status not in (ReleaseStatus.DRAFT, ReleaseStatus.SCHEDULED):
        raise InvalidTransition(
            release.status.value, "update", "only a draft or a scheduled release can be edited"
        )
    given = _release_fields(changes)
    changed = [field for field, values in given.items() if _differs(release, values)]
    if not changed:
        return release
    if release.status is ReleaseStatus.SCHEDULED:
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
