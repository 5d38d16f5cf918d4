"""What each kind of activity needs: its `config` fields, and approvers for approvals.

Strings holding `${...}` are only checked for their syntax here (see `variables`); their
values are known at run time, so formats (URLs, durations, dates) are checked then.
Fields not listed here are left alone, so executors can grow new options.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from urllib.parse import urlsplit

from pydantic import ValidationError

from app.domain.durations import parse_duration
from app.domain.errors import FieldProblem
from app.domain.inputs import check_definition, check_definitions
from app.domain.json_values import is_number, type_name
from app.domain.paths import child, item
from app.domain.process import ActivityKind, ActivityTemplate, InputDefinition, JsonValue

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
DEADLINE_ACTIONS = ("ESCALATE", "REJECT")
_CONFIG_NEEDED = {
    ActivityKind.HTTP: "an HTTP activity needs a config with at least a url",
    ActivityKind.WAIT: "a WAIT activity needs a config: {duration} or {until}",
    ActivityKind.SUBPROCESS: "a SUBPROCESS activity needs a config with a processId",
}
_CAMEL_TO_FIELD = {"allowedValues": "allowed_values"}
_FIELD_TO_CAMEL = {field: camel for camel, field in _CAMEL_TO_FIELD.items()}

Config = Mapping[str, JsonValue]
Problems = list[FieldProblem]


def _templated(value: JsonValue) -> bool:
    return isinstance(value, str) and "${" in value


def _string(config: Config, key: str, path: str, *, required: bool = False) -> Problems:
    value = config.get(key)
    if value is None:
        return [FieldProblem(child(path, key), "is required")] if required else []
    if not isinstance(value, str):
        return [FieldProblem(child(path, key), f"must be a string, not {type_name(value)}")]
    if required and not value.strip():
        return [FieldProblem(child(path, key), "must not be empty")]
    return []


def _url(config: Config, path: str) -> Problems:
    problems = _string(config, "url", path, required=True)
    url = config.get("url")
    if problems or not isinstance(url, str) or url.startswith("${"):
        return problems
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        problems.append(FieldProblem(child(path, "url"), "must be an http:// or https:// URL"))
    return problems


def _positive_number(config: Config, key: str, path: str) -> Problems:
    value = config.get(key)
    if not is_number(value) or value <= 0:
        return [FieldProblem(child(path, key), "must be a number greater than 0")]
    return []


def _http(config: Config, path: str) -> Problems:
    problems = _url(config, path)
    method = config.get("method")
    if method is not None and method not in HTTP_METHODS:
        problems.append(
            FieldProblem(child(path, "method"), f"must be one of {', '.join(HTTP_METHODS)}")
        )
    headers = config.get("headers")
    if headers is not None and not isinstance(headers, dict):
        problems.append(FieldProblem(child(path, "headers"), "must be an object of strings"))
    elif headers:
        for name, value in headers.items():
            if not isinstance(value, str):
                header_path = child(child(path, "headers"), name)
                problems.append(FieldProblem(header_path, "a header value must be a string"))
    codes = config.get("successCodes")
    if codes is not None:
        codes_path = child(path, "successCodes")
        if not isinstance(codes, list) or not codes:
            problems.append(FieldProblem(codes_path, "must be a non-empty list of status codes"))
        else:
            for index, code in enumerate(codes):
                if isinstance(code, bool) or not isinstance(code, int) or not 100 <= code <= 599:
                    problems.append(FieldProblem(item(codes_path, index), "must be 100..599"))
    outputs = config.get("outputs")
    if outputs is not None and not isinstance(outputs, dict):
        problems.append(FieldProblem(child(path, "outputs"), "must map output names to paths"))
    elif outputs:
        for name, selector in outputs.items():
            if not isinstance(selector, str) or not selector.startswith("$"):
                output_path = child(child(path, "outputs"), name)
                problems.append(
                    FieldProblem(output_path, "must be a JSON path starting with '$', e.g. $.id")
                )
    poll = config.get("poll")
    if poll is not None:
        problems += _poll(poll, child(path, "poll"))
    return problems


# Config strings whose `${...}` read the HTTP response while polling, not the release's
# variables: the conditions entirely, and the names of the poll URL that no scope defines.
RESPONSE_CONDITIONS = frozenset({"successWhen", "failureWhen"})

RESPONSE_TEMPLATED = frozenset({*RESPONSE_CONDITIONS, "url"})


def _poll(poll: JsonValue, path: str) -> Problems:
    if not isinstance(poll, dict):
        return [FieldProblem(path, "must be an object with url, intervalS and timeoutS")]
    problems = _url(poll, path)
    problems += _positive_number(poll, "intervalS", path)
    problems += _positive_number(poll, "timeoutS", path)
    interval, timeout = poll.get("intervalS"), poll.get("timeoutS")
    if is_number(interval) and is_number(timeout) and interval > timeout:
        problems.append(FieldProblem(child(path, "intervalS"), "must not exceed timeoutS"))
    problems += _string(poll, "successWhen", path)
    problems += _string(poll, "failureWhen", path)
    return problems


def _duration(config: Config, key: str, path: str) -> Problems:
    problems = _string(config, key, path)
    value = config.get(key)
    if problems or not isinstance(value, str) or _templated(value):
        return problems
    try:
        parse_duration(value)
    except ValueError as error:
        problems.append(FieldProblem(child(path, key), str(error)))
    return problems


def _wait(config: Config, path: str) -> Problems:
    has_duration = config.get("duration") is not None
    has_until = config.get("until") is not None
    if has_duration == has_until:
        return [FieldProblem(path, "needs exactly one of duration or until")]
    if has_duration:
        return _duration(config, "duration", path)
    problems = _string(config, "until", path)
    until = config.get("until")
    if problems or not isinstance(until, str) or _templated(until):
        return problems
    try:
        moment = datetime.fromisoformat(until)
    except ValueError:
        return [FieldProblem(child(path, "until"), "must be an ISO-8601 date and time")]
    if moment.tzinfo is None:
        return [FieldProblem(child(path, "until"), "must name its timezone, e.g. a trailing Z")]
    return []


def _manual(config: Config, path: str) -> Problems:
    problems = _string(config, "instructions", path)
    inputs = config.get("inputs")
    if inputs is None:
        return problems
    inputs_path = child(path, "inputs")
    if not isinstance(inputs, list):
        return [*problems, FieldProblem(inputs_path, "must be a list of input definitions")]
    parsed: dict[int, InputDefinition] = {}
    parse_problems: Problems = []
    for index, raw in enumerate(inputs):
        definition = _input_definition(raw, item(inputs_path, index), parse_problems)
        if definition is not None:
            parsed[index] = definition
    if not parse_problems:
        return problems + check_definitions(list(parsed.values()), inputs_path)
    # Names are compared once every definition parses; until then check each on its own.
    for index, definition in parsed.items():
        problems += check_definition(definition, item(inputs_path, index))
    return problems + parse_problems


def _input_definition(raw: JsonValue, path: str, problems: Problems) -> InputDefinition | None:
    if not isinstance(raw, dict):
        problems.append(FieldProblem(path, "must be an input definition object"))
        return None
    fields = {_CAMEL_TO_FIELD.get(key, key): value for key, value in raw.items()}
    try:
        return InputDefinition.model_validate(fields)
    except ValidationError as error:
        for detail in error.errors():
            where = path
            for step in detail["loc"]:
                if isinstance(step, int):
                    where = item(where, step)
                else:
                    where = child(where, _FIELD_TO_CAMEL.get(step, step))
            problems.append(FieldProblem(where, detail["msg"]))
        return None


def _approval(config: Config, path: str) -> Problems:
    problems: Problems = []
    forbid = config.get("forbidSelfApproval")
    if forbid is not None and not isinstance(forbid, bool):
        problems.append(FieldProblem(child(path, "forbidSelfApproval"), "must be true or false"))
    problems += _duration(config, "deadline", path)
    action = config.get("onDeadline")
    if action is not None:
        if action not in DEADLINE_ACTIONS:
            choices = " or ".join(DEADLINE_ACTIONS)
            problems.append(FieldProblem(child(path, "onDeadline"), f"must be {choices}"))
        elif config.get("deadline") is None:
            problems.append(FieldProblem(child(path, "onDeadline"), "needs a deadline"))
    return problems


def _subprocess(config: Config, path: str) -> Problems:
    problems = _string(config, "processId", path, required=True)
    problems += _string(config, "inputSetId", path)
    inputs = config.get("inputs")
    if inputs is not None and not isinstance(inputs, dict):
        problems.append(FieldProblem(child(path, "inputs"), "must be an object of input values"))
    return problems


def _checkpoint(config: Config, path: str) -> Problems:
    return [FieldProblem(path, "a CHECKPOINT activity takes no config")] if config else []


_CHECKS: dict[ActivityKind, Callable[[Config, str], Problems]] = {
    ActivityKind.HTTP: _http,
    ActivityKind.WAIT: _wait,
    ActivityKind.MANUAL: _manual,
    ActivityKind.APPROVAL: _approval,
    ActivityKind.SUBPROCESS: _subprocess,
    ActivityKind.CHECKPOINT: _checkpoint,
}


def _approvers(activity: ActivityTemplate, path: str) -> Problems:
    approvers_path = child(path, "approvers")
    count_path = child(path, "requiredApprovals")
    if activity.kind is not ActivityKind.APPROVAL:
        problems = []
        if activity.approvers:
            problems.append(FieldProblem(approvers_path, "only APPROVAL activities have approvers"))
        if activity.required_approvals is not None:
            problems.append(FieldProblem(count_path, "only APPROVAL activities take approvals"))
        return problems
    approvers = activity.approvers or ()
    if not approvers:
        return [FieldProblem(approvers_path, "an APPROVAL activity needs at least one approver")]
    problems = []
    seen: set[str] = set()
    for index, approver in enumerate(approvers):
        if not approver.strip():
            problems.append(FieldProblem(item(approvers_path, index), "must not be empty"))
        elif approver in seen:
            problems.append(FieldProblem(item(approvers_path, index), f"{approver!r} repeats"))
        seen.add(approver)
    required = activity.required_approvals
    if required is not None and not 1 <= required <= len(approvers):
        problems.append(FieldProblem(count_path, f"must be between 1 and {len(approvers)}"))
    return problems


def check_activity_kind(activity: ActivityTemplate, path: str) -> list[FieldProblem]:
    """What is wrong with an activity for its kind: config fields, approvers, approvals."""
    config_path = child(path, "config")
    problems = _approvers(activity, path)
    if activity.config is None:
        needed = _CONFIG_NEEDED.get(activity.kind)
        return [*problems, FieldProblem(config_path, needed)] if needed else problems
    return problems + _CHECKS[activity.kind](activity.config, config_path)
