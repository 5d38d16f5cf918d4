"""The answers an HTTP activity receives, and the values it reads out of them.

An answer keeps its status, its body parsed as JSON (or NOT_JSON) and a short excerpt for
error messages. Names in a poll's URL and conditions read an answer the same way in this
order: `${httpStatus}`, one of the activity's outputs, a top-level field of the body.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from app.domain.process import JsonValue
from app.domain.references import Lookup, Reference
from jobs.executors.http_failure import HttpFailure
from jobs.executors.http_redaction import scrub
from jobs.executors.json_path import JsonPath

EXCERPT_CHARS = 200
STATUS_NAME = "httpStatus"


class NotJson:
    """The type of NOT_JSON: a body that holds no JSON, distinct from a JSON null."""

    def __repr__(self) -> str:
        return "<not JSON>"


NOT_JSON = NotJson()


@dataclass(frozen=True)
class Answer:
    """One response, read whole: what polling and outputs need of it, and nothing secret."""

    label: str  # "METHOD url" as asked, safe to show
    status: int
    body: JsonValue  # NOT_JSON when the body is not JSON
    excerpt: str  # the start of the body, secrets scrubbed


def parse_json_body(raw: bytes) -> JsonValue:
    """The JSON `raw` holds, or NOT_JSON (also for NaN and Infinity, which JSON lacks)."""
    if not raw.strip():
        return NOT_JSON
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return NOT_JSON


def _refuse_constant(name: str) -> JsonValue:
    raise ValueError(f"{name} is not JSON")


def excerpt(raw: bytes, charset: str | None, secrets: Collection[str]) -> str:
    """The start of a body on one line, secrets scrubbed: enough to say what went wrong."""
    # Decode a bounded slice: whitespace collapses, so more than EXCERPT_CHARS bytes are read.
    try:
        text = raw[: EXCERPT_CHARS * 64].decode(charset or "utf-8", errors="replace")
    except LookupError:
        text = raw[: EXCERPT_CHARS * 64].decode("utf-8", errors="replace")
    text = scrub(" ".join(text.split()), secrets)
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def response_lookup(answer: Answer, outputs: Mapping[str, JsonPath], *, strict: bool) -> Lookup:
    """Names as they read a response: httpStatus, then outputs, then top-level fields."""

    def lookup(reference: Reference) -> JsonValue:
        name = str(reference.target)
        if name == STATUS_NAME:
            return answer.status
        if name in outputs and answer.body is not NOT_JSON:
            found, value, _ = outputs[name].find(answer.body)
            if found:
                return value
        if isinstance(answer.body, dict) and name in answer.body:
            return answer.body[name]
        if strict:
            raise HttpFailure(
                f"{reference.raw} is not in the answer of {answer.label}", answer.status
            )
        return None

    return lookup


def read_outputs(answer: Answer, paths: Mapping[str, JsonPath]) -> dict[str, JsonValue]:
    """The activity's output: `status` and the value at each output's path in `answer`."""
    output: dict[str, JsonValue] = {"status": answer.status}
    for name, path in paths.items():
        if answer.body is NOT_JSON:
            raise HttpFailure(
                f"output {name!r} ({path.text}): {answer.label} did not answer JSON", answer.status
            )
        found, value, why = path.find(answer.body)
        if not found:
            raise HttpFailure(
                f"output {name!r}: {answer.label} answered nothing at {path.text} ({why})",
                answer.status,
            )
        output[name] = value
    return output
