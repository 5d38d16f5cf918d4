"""Validating a process blueprint on write: every problem at once, each with its field path."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from app.domain.activity_config import check_activity_kind
from app.domain.durations import parse_backoff, parse_duration
from app.domain.errors import FieldProblem
from app.domain.graphs import find_cycles
from app.domain.inputs import check_definitions
from app.domain.paths import child, item
from app.domain.process import ActivityTemplate, ProcessSpec
from app.domain.references import is_key
from app.domain.variables import check_process_variables

MAX_NAME_LENGTH = 200
MAX_KEY_LENGTH = 64
MAX_TAGS = 50
MAX_TAG_LENGTH = 64
MAX_ATTEMPTS = 20

Problems = list[FieldProblem]


def validate_process(spec: ProcessSpec) -> list[FieldProblem]:
    """Every problem with a process blueprint: names, keys, dependencies, inputs, expressions."""
    problems = _name(spec.name, "name")
    problems += _tags(spec.tags)
    problems += check_definitions(spec.inputs, "inputs")
    problems += _phases(spec)
    problems += check_process_variables(spec)
    return problems


def _name(name: str, path: str) -> Problems:
    if not name.strip():
        return [FieldProblem(path, "must not be empty")]
    if len(name) > MAX_NAME_LENGTH:
        return [FieldProblem(path, f"must be at most {MAX_NAME_LENGTH} characters")]
    return []


def _tags(tags: Sequence[str]) -> Problems:
    problems: Problems = []
    if len(tags) > MAX_TAGS:
        problems.append(FieldProblem("tags", f"at most {MAX_TAGS} tags"))
    seen: set[str] = set()
    for index, tag in enumerate(tags):
        path = item("tags", index)
        if not tag.strip():
            problems.append(FieldProblem(path, "must not be empty"))
        elif tag != tag.strip() or any(not char.isprintable() for char in tag):
            problems.append(FieldProblem(path, "must not have surrounding spaces or line breaks"))
        elif len(tag) > MAX_TAG_LENGTH:
            problems.append(FieldProblem(path, f"must be at most {MAX_TAG_LENGTH} characters"))
        elif tag.lower() in seen:
            problems.append(FieldProblem(path, f"repeats the tag {tag!r}"))
        seen.add(tag.lower())
    return problems


def _key(key: str, path: str) -> Problems:
    if not is_key(key):
        return [
            FieldProblem(path, "must start with a letter and hold only letters, digits, '_', '-'")
        ]
    if len(key) > MAX_KEY_LENGTH:
        return [FieldProblem(path, f"must be at most {MAX_KEY_LENGTH} characters")]
    return []


def _depends_on(
    key: str,
    depends_on: Sequence[str],
    siblings: Mapping[str, str],
    path: str,
    elsewhere: Mapping[str, str],
) -> Problems:
    """Each dependency must name another existing sibling, once."""
    problems: Problems = []
    for index, dependency in enumerate(depends_on):
        where = item(child(path, "dependsOn"), index)
        if dependency == key:
            problems.append(FieldProblem(where, f"{key!r} cannot depend on itself"))
        elif dependency in depends_on[:index]:
            problems.append(FieldProblem(where, f"repeats {dependency!r}"))
        elif dependency in elsewhere and dependency not in siblings:
            problems.append(
                FieldProblem(
                    where,
                    f"activity {dependency!r} is in phase {elsewhere[dependency]!r}; an activity "
                    "depends only on activities of its own phase (make the phases depend instead)",
                )
            )
        elif dependency not in siblings:
            known = ", ".join(repr(sibling) for sibling in siblings if sibling != key) or "none"
            problems.append(
                FieldProblem(where, f"{dependency!r} is not a sibling (known: {known})")
            )
    return problems


def _cycles(depends_on: Mapping[str, Sequence[str]], paths: Mapping[str, str]) -> Problems:
    # Self-dependencies are reported on their own; leaving them out keeps one message each.
    graph = {key: [d for d in deps if d != key] for key, deps in depends_on.items()}
    return [
        FieldProblem(child(paths[cycle[0]], "dependsOn"), f"dependency cycle: {' -> '.join(cycle)}")
        for cycle in find_cycles(graph)
    ]


def _phases(spec: ProcessSpec) -> Problems:
    problems: Problems = []
    phase_paths: dict[str, str] = {}
    activity_paths: dict[str, str] = {}
    phase_of: dict[str, str] = {}
    for p, phase in enumerate(spec.phases):
        path = item("phases", p)
        problems += _key(phase.key, child(path, "key"))
        if phase.key in phase_paths:
            message = f"duplicate phase key {phase.key!r} (also {phase_paths[phase.key]})"
            problems.append(FieldProblem(child(path, "key"), message))
        phase_paths.setdefault(phase.key, path)
        problems += _name(phase.name, child(path, "name"))
        for a, activity in enumerate(phase.activities):
            activity_path = item(child(path, "activities"), a)
            if activity.key in activity_paths:
                other = activity_paths[activity.key]
                message = (
                    f"duplicate activity key {activity.key!r} (also {other}); "
                    "activity keys are unique across the process"
                )
                problems.append(FieldProblem(child(activity_path, "key"), message))
            activity_paths.setdefault(activity.key, activity_path)
            phase_of.setdefault(activity.key, phase.key)
    for p, phase in enumerate(spec.phases):
        path = item("phases", p)
        problems += _depends_on(phase.key, phase.depends_on, phase_paths, path, {})
        siblings: dict[str, str] = {}
        for a, activity in enumerate(phase.activities):
            siblings.setdefault(activity.key, item(child(path, "activities"), a))
        for a, activity in enumerate(phase.activities):
            activity_path = item(child(path, "activities"), a)
            problems += _activity(activity, activity_path)
            problems += _depends_on(
                activity.key, activity.depends_on, siblings, activity_path, phase_of
            )
        activity_graph = {activity.key: activity.depends_on for activity in phase.activities}
        problems += _cycles(activity_graph, siblings)
    problems += _cycles({phase.key: phase.depends_on for phase in spec.phases}, phase_paths)
    return problems


def _activity(activity: ActivityTemplate, path: str) -> Problems:
    problems = _key(activity.key, child(path, "key"))
    problems += _name(activity.name, child(path, "name"))
    if activity.timeout is not None:
        try:
            if parse_duration(activity.timeout) <= timedelta():
                problems.append(FieldProblem(child(path, "timeout"), "must be longer than 0"))
        except ValueError as error:
            problems.append(FieldProblem(child(path, "timeout"), str(error)))
    if activity.retry is not None:
        retry_path = child(path, "retry")
        if not 1 <= activity.retry.max_attempts <= MAX_ATTEMPTS:
            problems.append(
                FieldProblem(
                    child(retry_path, "maxAttempts"),
                    f"must be 1..{MAX_ATTEMPTS} (it counts the first attempt)",
                )
            )
        try:
            parse_backoff(activity.retry.backoff)
        except ValueError as error:
            problems.append(FieldProblem(child(retry_path, "backoff"), str(error)))
    return problems + check_activity_kind(activity, path)
