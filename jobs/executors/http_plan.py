"""An HTTP activity's rendered config, checked and read into the plan the executor follows.

Everything the config gets wrong is found here, before anything is sent: the method, URLs,
headers, body, success codes, output paths, timeouts and the poll's URL and conditions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import httpx

from app.domain.activity_config import HTTP_METHODS
from app.domain.conditions import Condition, parse_condition
from app.domain.expressions import parse_template, stringify
from app.domain.json_values import is_number, type_name
from app.domain.process import JsonValue
from app.domain.references import ExpressionError, NameRef, Reference
from jobs.executors.http_answers import STATUS_NAME
from jobs.executors.http_failure import HttpFailure
from jobs.executors.http_redaction import safe_url
from jobs.executors.json_path import JsonPath, parse_json_path

DEFAULT_METHOD = "POST"
DEFAULT_SUCCESS_CODES = range(200, 300)
DEFAULT_REQUEST_TIMEOUT_S = 30.0
DEFAULT_POLL_INTERVAL_S = 5.0
DEFAULT_POLL_TIMEOUT_S = 600.0
USER_AGENT = "Cadenza"

_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


@dataclass(frozen=True)
class PollPlan:
    """How to poll the job the first request started, and how to tell when it is done."""

    url: str  # may still hold ${...} naming the first response
    headers: httpx.Headers
    interval_s: float
    timeout_s: float
    success_when: Condition
    failure_when: Condition | None
    success_codes: Collection[int]


@dataclass(frozen=True)
class HttpPlan:
    """The first request, what counts as its success, the outputs to read, and any polling."""

    method: str
    url: httpx.URL
    headers: httpx.Headers
    content: bytes | None
    success_codes: Collection[int]
    outputs: dict[str, JsonPath]
    request_timeout_s: float
    poll: PollPlan | None


def parse_url(value: JsonValue, where: str) -> httpx.URL:
    """`value` as an absolute http(s) URL; `where` names it in the error."""
    if not isinstance(value, str):
        raise HttpFailure(f"{where} must be a string, not {type_name(value)}")
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL:
        raise HttpFailure(f"{where} is not a valid URL: {safe_url(value)}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise HttpFailure(f"{where} must be an http:// or https:// URL: {safe_url(value)}")
    return url


def _headers(value: JsonValue, where: str) -> httpx.Headers:
    headers = httpx.Headers({"User-Agent": USER_AGENT})
    if value is None:
        return headers
    if not isinstance(value, Mapping):
        raise HttpFailure(f"{where} must be an object of strings")
    for name, raw in value.items():
        if not _HEADER_NAME.fullmatch(str(name)):
            raise HttpFailure(f"{where}: {str(name)!r} is not a valid header name")
        if not (isinstance(raw, str) or is_number(raw)):
            raise HttpFailure(f"{where}.{name} must be a string, not {type_name(raw)}")
        text = stringify(raw)
        if any(char in text for char in "\r\n\0"):
            raise HttpFailure(f"{where}.{name} cannot hold line breaks or NUL characters")
        headers[str(name)] = text
    return headers


def _seconds(config: Mapping[str, JsonValue], key: str, where: str, default: float) -> float:
    value = config.get(key)
    if value is None:
        return default
    if not is_number(value) or value <= 0:
        raise HttpFailure(f"{where}.{key} must be a number greater than 0")
    return float(value)


def _codes(value: JsonValue, where: str) -> Collection[int]:
    if value is None:
        return DEFAULT_SUCCESS_CODES
    if not isinstance(value, list) or not value or not all(_is_status(c) for c in value):
        raise HttpFailure(f"{where} must be a non-empty list of status codes")
    return frozenset(value)


def _is_status(value: JsonValue) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599


def _condition(value: JsonValue, where: str) -> Condition | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise HttpFailure(f"{where} must be a string, not {type_name(value)}")
    try:
        condition = parse_condition(value)
    except ExpressionError as error:
        raise HttpFailure(f"{where}: {error}") from None
    _names_only(condition.references, where)
    return condition


def _names_only(references: Sequence[Reference], where: str) -> None:
    for reference in references:
        if not isinstance(reference.target, NameRef):
            raise HttpFailure(
                f"{where}: {reference.raw} cannot be read here; name a field of the response, "
                f"an output or ${{{STATUS_NAME}}}"
            )


def _poll(value: JsonValue, headers: httpx.Headers) -> PollPlan | None:
    if value is None:
        return None
    where = "config.poll"
    if not isinstance(value, Mapping):
        raise HttpFailure(f"{where} must be an object with url, intervalS and timeoutS")
    url = value.get("url")
    if not isinstance(url, str):
        raise HttpFailure(f"{where}.url must be a string, not {type_name(url)}")
    try:
        _names_only([p for p in parse_template(url) if isinstance(p, Reference)], f"{where}.url")
    except ExpressionError as error:
        raise HttpFailure(f"{where}.url: {error}") from None
    success_when = _condition(value.get("successWhen"), f"{where}.successWhen")
    if success_when is None:
        raise HttpFailure(f"{where}.successWhen is required: the condition that says it is done")
    own_headers = value.get("headers")
    return PollPlan(
        url=url,
        headers=headers if own_headers is None else _headers(own_headers, f"{where}.headers"),
        interval_s=_seconds(value, "intervalS", where, DEFAULT_POLL_INTERVAL_S),
        timeout_s=_seconds(value, "timeoutS", where, DEFAULT_POLL_TIMEOUT_S),
        success_when=success_when,
        failure_when=_condition(value.get("failureWhen"), f"{where}.failureWhen"),
        success_codes=_codes(value.get("successCodes"), f"{where}.successCodes"),
    )


def read_plan(config: Mapping[str, JsonValue]) -> HttpPlan:
    """The plan `config` describes; HttpFailure naming the first thing wrong with it."""
    method = config.get("method", DEFAULT_METHOD)
    if not isinstance(method, str) or method.upper() not in HTTP_METHODS:
        raise HttpFailure(f"config.method must be one of {', '.join(HTTP_METHODS)}")
    headers = _headers(config.get("headers"), "config.headers")
    content = None
    if config.get("body") is not None:
        try:
            text = json.dumps(config["body"], ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise HttpFailure(f"config.body cannot be sent as JSON: {error}") from None
        content = text.encode()
        headers.setdefault("Content-Type", "application/json")
    outputs = config.get("outputs") or {}
    if not isinstance(outputs, Mapping):
        raise HttpFailure("config.outputs must map output names to JSON paths")
    paths = {}
    for name, path in outputs.items():
        if name == "status":
            raise HttpFailure(
                "config.outputs.status: 'status' is the HTTP status code; pick another"
            )
        try:
            paths[str(name)] = parse_json_path(path if isinstance(path, str) else "")
        except ValueError as error:
            raise HttpFailure(f"config.outputs.{name}: {error}") from None
    return HttpPlan(
        method=method.upper(),
        url=parse_url(config.get("url"), "config.url"),
        headers=headers,
        content=content,
        success_codes=_codes(config.get("successCodes"), "config.successCodes"),
        outputs=paths,
        request_timeout_s=_seconds(config, "requestTimeoutS", "config", DEFAULT_REQUEST_TIMEOUT_S),
        poll=_poll(config.get("poll"), headers),
    )
