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
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import socket
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import httpx

from app.domain.activity_config import HTTP_METHODS
from app.domain.conditions import Condition, ConditionError, parse_condition
from app.domain.expressions import parse_template, render, stringify
from app.domain.json_values import is_number, type_name
from app.domain.process import JsonValue
from app.domain.references import ExpressionError, Lookup, NameRef, Reference

log = logging.getLogger("cadenza.jobs.http")

DEFAULT_METHOD = "POST"
DEFAULT_SUCCESS_CODES = range(200, 300)
DEFAULT_REQUEST_TIMEOUT_S = 30.0
DEFAULT_POLL_INTERVAL_S = 5.0
DEFAULT_POLL_TIMEOUT_S = 600.0
MAX_REDIRECTS = 5
MAX_RESPONSE_BYTES = 10_000_000
EXCERPT_CHARS = 200
STATUS_NAME = "httpStatus"
USER_AGENT = "Cadenza"
REDACTED = "***"

_METADATA_HOSTS = frozenset({"metadata.google.internal"})
_METADATA_NETWORKS = tuple(
    ip_network(network) for network in ("169.254.0.0/16", "100.100.100.200/32", "fd00:ec2::254/128")
)
_NAT64 = ip_network("64:ff9b::/96")
_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
_SECRET_WORDS = ("token", "secret", "key", "password", "auth")
_SECRET_QUERY_WORDS = (*_SECRET_WORDS, "signature", "credential")
_MIN_SECRET_CHARS = 4  # shorter values would scrub ordinary words out of messages
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_PATH_STEP = re.compile(
    r"""\.(?P<name>[A-Za-z0-9_-]+)
    | \[\s*(?P<index>-?\d+)\s*\]
    | \[\s*(?P<quoted>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\]""",
    re.VERBOSE | re.DOTALL,
)

Sleep = Callable[[float], Awaitable[object]]
Clock = Callable[[], float]
Resolve = Callable[[str, int], Awaitable[Sequence[str]]]


@dataclass(frozen=True)
class HttpOutcome:
    """What an HTTP activity came to: its output when ok, else a short error for people."""

    ok: bool
    output: dict[str, JsonValue]
    error: str | None
    status: int | None  # the last HTTP status received, if any


class _Failure(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# --- JSON paths -------------------------------------------------------------------------------


@dataclass(frozen=True)
class JsonPath:
    """A simple JSONPath: `$`, `$.a.b`, `$.items[0].id`, `$.a["weird key"]`, `$.list[-1]`."""

    text: str
    steps: tuple[tuple[str | int, str], ...]  # (key or index, as written)

    def find(self, document: JsonValue) -> tuple[bool, JsonValue, str]:
        """(found, value, why not): the value at this path, or where the path stops."""
        value, walked = document, "$"
        for step, written in self.steps:
            if isinstance(step, int) and isinstance(value, list):
                if not -len(value) <= step < len(value):
                    return False, None, f"{walked} has {len(value)} items"
                value = value[step]
            elif isinstance(step, str) and isinstance(value, dict):
                if step not in value:
                    return False, None, f"{walked} has no {written}"
                value = value[step]
            else:
                wanted = "a list" if isinstance(step, int) else "an object"
                return False, None, f"{walked} is {type_name(value)}, not {wanted}"
            walked += written
        return True, value, ""


def parse_json_path(text: str) -> JsonPath:
    """The path `text` describes; ValueError when it is not one this executor reads."""
    if not text.startswith("$"):
        raise ValueError(f"{text!r} must start with '$'")
    steps: list[tuple[str | int, str]] = []
    position = 1
    while position < len(text):
        match = _PATH_STEP.match(text, position)
        if match is None:
            raise ValueError(
                f"{text!r} is not a JSON path read here (at position {position}); "
                "use $.a.b, $.items[0] or $['some key']"
            )
        if match["name"] is not None:
            steps.append((match["name"], match.group()))
        elif match["index"] is not None:
            steps.append((int(match["index"]), match.group()))
        else:
            key = re.sub(r"\\(.)", r"\1", match["quoted"][1:-1], flags=re.DOTALL)
            steps.append((key, match.group()))
        position = match.end()
    return JsonPath(text, tuple(steps))


# --- secrets ----------------------------------------------------------------------------------


def _is_secret_header(name: str) -> bool:
    lowered = name.lower()
    return lowered in _SECRET_HEADERS or any(word in lowered for word in _SECRET_WORDS)


def _is_secret_parameter(name: str) -> bool:
    lowered = name.lower()
    return lowered == "sig" or any(word in lowered for word in _SECRET_QUERY_WORDS)


def redact_headers(headers: Mapping[str, JsonValue] | None) -> dict[str, str]:
    """`headers` fit for logs and events: secret-looking values replaced by `***`."""
    return {
        str(name): REDACTED if _is_secret_header(str(name)) else stringify(value)
        for name, value in (headers or {}).items()
    }


def safe_url(url: str) -> str:
    """`url` fit for logs: no user or password, no fragment, secret-looking query values hidden."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(_is_secret_parameter(name) for name, _ in pairs):
        hidden = [(n, REDACTED if _is_secret_parameter(n) else v) for n, v in pairs]
        query = urlencode(hidden, safe="*")
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


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


def _url_secrets(url: str) -> set[str]:
    try:
        parts = urlsplit(url)
    except ValueError:
        return set()
    found = {v for n, v in parse_qsl(parts.query) if _is_secret_parameter(n)}
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    if user or password:
        found |= {user, password, base64.b64encode(f"{user}:{password}".encode()).decode()}
    return found


def _secrets_of(config: Mapping[str, JsonValue]) -> frozenset[str]:
    """Every value of `config` that must not show in an error: the scrubbing list."""
    poll = config.get("poll")
    parts = [config, poll] if isinstance(poll, Mapping) else [config]
    found: set[str] = set()
    for part in parts:
        url, headers = part.get("url"), part.get("headers")
        if isinstance(url, str):
            found |= _url_secrets(url)
        if isinstance(headers, Mapping):
            for name, value in headers.items():
                if isinstance(value, str) and _is_secret_header(str(name)):
                    found |= {value, value.partition(" ")[2].strip()}
    return frozenset(secret for secret in found if len(secret) >= _MIN_SECRET_CHARS)


def _scrub(text: str, secrets: Collection[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


# --- the plan: the config, checked ------------------------------------------------------------


@dataclass(frozen=True)
class _Poll:
    url: str  # may still hold ${...} naming the first response
    headers: httpx.Headers
    interval_s: float
    timeout_s: float
    success_when: Condition
    failure_when: Condition | None
    success_codes: Collection[int]


@dataclass(frozen=True)
class _Plan:
    method: str
    url: httpx.URL
    headers: httpx.Headers
    content: bytes | None
    success_codes: Collection[int]
    outputs: dict[str, JsonPath]
    request_timeout_s: float
    poll: _Poll | None


def _url(value: JsonValue, where: str) -> httpx.URL:
    if not isinstance(value, str):
        raise _Failure(f"{where} must be a string, not {type_name(value)}")
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL:
        raise _Failure(f"{where} is not a valid URL: {safe_url(value)}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise _Failure(f"{where} must be an http:// or https:// URL: {safe_url(value)}")
    return url


def _headers(value: JsonValue, where: str) -> httpx.Headers:
    headers = httpx.Headers({"User-Agent": USER_AGENT})
    if value is None:
        return headers
    if not isinstance(value, Mapping):
        raise _Failure(f"{where} must be an object of strings")
    for name, raw in value.items():
        if not _HEADER_NAME.fullmatch(str(name)):
            raise _Failure(f"{where}: {str(name)!r} is not a valid header name")
        if not (isinstance(raw, str) or is_number(raw)):
            raise _Failure(f"{where}.{name} must be a string, not {type_name(raw)}")
        text = stringify(raw)
        if any(char in text for char in "\r\n\0"):
            raise _Failure(f"{where}.{name} cannot hold line breaks or NUL characters")
        headers[str(name)] = text
    return headers


def _seconds(config: Mapping[str, JsonValue], key: str, where: str, default: float) -> float:
    value = config.get(key)
    if value is None:
        return default
    if not is_number(value) or value <= 0:
        raise _Failure(f"{where}.{key} must be a number greater than 0")
    return float(value)


def _codes(value: JsonValue, where: str) -> Collection[int]:
    if value is None:
        return DEFAULT_SUCCESS_CODES
    if not isinstance(value, list) or not value or not all(_is_status(c) for c in value):
        raise _Failure(f"{where} must be a non-empty list of status codes")
    return frozenset(value)


def _is_status(value: JsonValue) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599


def _condition(value: JsonValue, where: str) -> Condition | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Failure(f"{where} must be a string, not {type_name(value)}")
    try:
        condition = parse_condition(value)
    except ExpressionError as error:
        raise _Failure(f"{where}: {error}") from None
    _names_only(condition.references, where)
    return condition


def _names_only(references: Sequence[Reference], where: str) -> None:
    for reference in references:
        if not isinstance(reference.target, NameRef):
            raise _Failure(
                f"{where}: {reference.raw} cannot be read here; name a field of the response, "
                f"an output or ${{{STATUS_NAME}}}"
            )


def _poll(value: JsonValue, headers: httpx.Headers) -> _Poll | None:
    if value is None:
        return None
    where = "config.poll"
    if not isinstance(value, Mapping):
        raise _Failure(f"{where} must be an object with url, intervalS and timeoutS")
    url = value.get("url")
    if not isinstance(url, str):
        raise _Failure(f"{where}.url must be a string, not {type_name(url)}")
    try:
        _names_only([p for p in parse_template(url) if isinstance(p, Reference)], f"{where}.url")
    except ExpressionError as error:
        raise _Failure(f"{where}.url: {error}") from None
    success_when = _condition(value.get("successWhen"), f"{where}.successWhen")
    if success_when is None:
        raise _Failure(f"{where}.successWhen is required: the condition that says it is done")
    own_headers = value.get("headers")
    return _Poll(
        url=url,
        headers=headers if own_headers is None else _headers(own_headers, f"{where}.headers"),
        interval_s=_seconds(value, "intervalS", where, DEFAULT_POLL_INTERVAL_S),
        timeout_s=_seconds(value, "timeoutS", where, DEFAULT_POLL_TIMEOUT_S),
        success_when=success_when,
        failure_when=_condition(value.get("failureWhen"), f"{where}.failureWhen"),
        success_codes=_codes(value.get("successCodes"), f"{where}.successCodes"),
    )


def _plan(config: Mapping[str, JsonValue]) -> _Plan:
    method = config.get("method", DEFAULT_METHOD)
    if not isinstance(method, str) or method.upper() not in HTTP_METHODS:
        raise _Failure(f"config.method must be one of {', '.join(HTTP_METHODS)}")
    headers = _headers(config.get("headers"), "config.headers")
    content = None
    if config.get("body") is not None:
        try:
            text = json.dumps(config["body"], ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise _Failure(f"config.body cannot be sent as JSON: {error}") from None
        content = text.encode()
        headers.setdefault("Content-Type", "application/json")
    outputs = config.get("outputs") or {}
    if not isinstance(outputs, Mapping):
        raise _Failure("config.outputs must map output names to JSON paths")
    paths = {}
    for name, path in outputs.items():
        if name == "status":
            raise _Failure("config.outputs.status: 'status' is the HTTP status code; pick another")
        try:
            paths[str(name)] = parse_json_path(path if isinstance(path, str) else "")
        except ValueError as error:
            raise _Failure(f"config.outputs.{name}: {error}") from None
    return _Plan(
        method=method.upper(),
        url=_url(config.get("url"), "config.url"),
        headers=headers,
        content=content,
        success_codes=_codes(config.get("successCodes"), "config.successCodes"),
        outputs=paths,
        request_timeout_s=_seconds(config, "requestTimeoutS", "config", DEFAULT_REQUEST_TIMEOUT_S),
        poll=_poll(config.get("poll"), headers),
    )


# --- the wire ---------------------------------------------------------------------------------


class _NotJson:
    def __repr__(self) -> str:
        return "<not JSON>"


NOT_JSON = _NotJson()


@dataclass(frozen=True)
class _Answer:
    label: str  # "METHOD url" as asked, safe to show
    status: int
    body: JsonValue  # NOT_JSON when the body is not JSON
    excerpt: str  # the start of the body, secrets scrubbed


def _parse_json(raw: bytes) -> JsonValue:
    if not raw.strip():
        return NOT_JSON
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return NOT_JSON


def _refuse_constant(name: str) -> JsonValue:
    raise ValueError(f"{name} is not JSON")


def _excerpt(raw: bytes, charset: str | None, secrets: Collection[str]) -> str:
    try:
        text = raw[: EXCERPT_CHARS * 64].decode(charset or "utf-8", errors="replace")
    except LookupError:
        text = raw[: EXCERPT_CHARS * 64].decode("utf-8", errors="replace")
    text = _scrub(" ".join(text.split()), secrets)
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def _is_metadata(address: str) -> bool:
    try:
        ip = ip_address(address.partition("%")[0])
    except ValueError:
        return False
    if isinstance(ip, IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    elif isinstance(ip, IPv6Address) and ip in _NAT64:
        ip = IPv4Address(int(ip) & 0xFFFF_FFFF)
    return any(ip.version == net.version and ip in net for net in _METADATA_NETWORKS)


async def resolve_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, the way the connection would resolve it."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _same_origin(left: httpx.URL, right: httpx.URL) -> bool:
    return (left.scheme, left.raw_host, left.port) == (right.scheme, right.raw_host, right.port)


class _Wire:
    """Requests with timeouts, checked addresses, hand-followed redirects and capped bodies."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        allow_metadata: bool,
        resolve: Resolve,
        timeout_s: float,
        secrets: Collection[str],
    ) -> None:
        self.client = client
        self.allow_metadata = allow_metadata
        self.resolve = resolve
        self.timeout_s = timeout_s
        self.secrets = secrets

    async def fetch(
        self,
        method: str,
        url: httpx.URL,
        headers: httpx.Headers,
        content: bytes | None,
        success_codes: Collection[int],
    ) -> _Answer:
        label = f"{method} {safe_url(str(url))}"
        try:
            async with asyncio.timeout(self.timeout_s):
                answer = await self._follow(method, url, headers, content, success_codes, label)
        except (TimeoutError, httpx.TimeoutException):
            raise _Failure(f"{label} did not answer within {stringify(self.timeout_s)} s") from None
        except httpx.LocalProtocolError:
            # Its message may quote a header value; say what happened without it.
            raise _Failure(f"{label} could not be sent: malformed headers or body") from None
        except httpx.HTTPError as error:
            raise _Failure(f"{label} failed: {type(error).__name__}: {error}") from None
        except httpx.InvalidURL:
            raise _Failure(f"{label} failed: an invalid URL on the way") from None
        if answer.status not in success_codes:
            detail = f": {answer.excerpt}" if answer.excerpt else ""
            raise _Failure(f"{label} answered {answer.status}{detail}", answer.status)
        return answer

    async def _follow(
        self,
        method: str,
        url: httpx.URL,
        headers: httpx.Headers,
        content: bytes | None,
        success_codes: Collection[int],
        label: str,
    ) -> _Answer:
        where = label
        for hop in range(MAX_REDIRECTS + 1):
            response, raw = await self._send(method, url, headers, content, where)
            status = response.status_code
            if status in success_codes or not response.has_redirect_location:
                excerpt = _excerpt(raw, response.charset_encoding, self.secrets)
                return _Answer(label, status, _parse_json(raw), excerpt)
            if hop == MAX_REDIRECTS:
                raise _Failure(f"{label} redirected more than {MAX_REDIRECTS} times", status)
            try:
                target = url.join(response.headers["Location"])
            except httpx.InvalidURL:
                raise _Failure(f"{label} redirected to an invalid URL", status) from None
            where = f"{label} redirected to {safe_url(str(target))}"
            if target.scheme not in ("http", "https"):
                raise _Failure(f"{where}, which is not http(s)", status)
            if not _same_origin(url, target):
                # Credentials (and a Host the config set) belong to the origin asked.
                kept = [(k, v) for k, v in headers.multi_items() if k.lower() != "host"]
                headers = httpx.Headers([(k, v) for k, v in kept if not _is_secret_header(k)])
            if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
                method, content = "GET", None
                headers = httpx.Headers(
                    [(k, v) for k, v in headers.multi_items() if k.lower() != "content-type"]
                )
            url = target
        raise AssertionError("unreachable: the loop returns or raises")

    async def _checked_addresses(self, url: httpx.URL, where: str) -> list[str]:
        host = url.raw_host.decode("ascii")
        if not self.allow_metadata and host.rstrip(".").lower() in _METADATA_HOSTS:
            raise _Failure(f"{where} refused: {host} is a cloud metadata address")
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            addresses = list(dict.fromkeys(await self.resolve(host, port)))
        except OSError as error:
            raise _Failure(f"{where} failed: cannot resolve {host} ({error})") from None
        if not addresses:
            raise _Failure(f"{where} failed: {host} resolves to no address")
        refused = [] if self.allow_metadata else [a for a in addresses if _is_metadata(a)]
        if refused:
            how = "is" if refused[0] == host else f"resolves to {refused[0]},"
            raise _Failure(f"{where} refused: {host} {how} a cloud metadata address")
        return addresses

    async def _send(
        self,
        method: str,
        url: httpx.URL,
        headers: httpx.Headers,
        content: bytes | None,
        where: str,
    ) -> tuple[httpx.Response, bytes]:
        addresses = await self._checked_addresses(url, where)
        if url.scheme == "http":
            # Connect to the very address checked; a scoped (link-local v6) one cannot be a URL.
            targets = [url.copy_with(host=a) for a in addresses if "%" not in a]
        else:
            targets = [url]
        sent = headers.copy()
        sent.setdefault("Host", url.netloc.decode("ascii"))
        timeout = httpx.Timeout(self.timeout_s).as_dict()
        error: httpx.ConnectError | None = None
        for target in targets:
            request = httpx.Request(
                method, target, headers=sent, content=content, extensions={"timeout": timeout}
            )
            try:
                response = await self.client.send(request, stream=True, follow_redirects=False)
            except httpx.ConnectError as failure:
                error = failure  # nothing was sent: the next address may answer
                continue
            try:
                raw = await self._read(response, where)
            finally:
                await response.aclose()
            return response, raw
        raise _Failure(f"{where} failed: could not connect ({error or 'no usable address'})")

    async def _read(self, response: httpx.Response, where: str) -> bytes:
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                limit = MAX_RESPONSE_BYTES // 1_000_000
                raise _Failure(f"{where} answered more than {limit} MB", response.status_code)
            chunks.append(chunk)
        return b"".join(chunks)


# --- the activity -----------------------------------------------------------------------------


def _response_lookup(answer: _Answer, outputs: Mapping[str, JsonPath], *, strict: bool) -> Lookup:
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
            raise _Failure(f"{reference.raw} is not in the answer of {answer.label}", answer.status)
        return None

    return lookup


def _outputs(answer: _Answer, paths: Mapping[str, JsonPath]) -> dict[str, JsonValue]:
    output: dict[str, JsonValue] = {"status": answer.status}
    for name, path in paths.items():
        if answer.body is NOT_JSON:
            raise _Failure(
                f"output {name!r} ({path.text}): {answer.label} did not answer JSON", answer.status
            )
        found, value, why = path.find(answer.body)
        if not found:
            raise _Failure(
                f"output {name!r}: {answer.label} answered nothing at {path.text} ({why})",
                answer.status,
            )
        output[name] = value
    return output


def _holds(condition: Condition, key: str, answer: _Answer, plan: _Plan) -> bool:
    try:
        return condition.evaluate(_response_lookup(answer, plan.outputs, strict=False))
    except ConditionError as error:
        raise _Failure(
            f"poll.{key} `{condition.text}` cannot be evaluated on {answer.label}: {error}",
            answer.status,
        ) from None


async def _poll_until_done(
    wire: _Wire, plan: _Plan, poll: _Poll, first: _Answer, *, sleep: Sleep, now: Clock
) -> _Answer:
    text = stringify(render(poll.url, _response_lookup(first, plan.outputs, strict=True)))
    try:
        # A relative URL (a path the first answer gave) is read against the request's URL.
        joined = str(plan.url.join(text))
    except httpx.InvalidURL:
        joined = text
    url = _url(joined, "config.poll.url")
    deadline = now() + poll.timeout_s
    last: _Answer | None = None
    while (remaining := deadline - now()) > 0:
        await sleep(min(poll.interval_s, remaining))
        last = await wire.fetch("GET", url, poll.headers, None, poll.success_codes)
        if poll.failure_when is not None and _holds(poll.failure_when, "failureWhen", last, plan):
            raise _Failure(
                f"{last.label} says it failed: failureWhen `{poll.failure_when.text}` holds"
                f" ({last.status}: {last.excerpt})",
                last.status,
            )
        if _holds(poll.success_when, "successWhen", last, plan):
            return last
    detail = f"; the last answer was {last.status}: {last.excerpt}" if last else ""
    raise _Failure(
        f"GET {safe_url(str(url))} still not done after {stringify(poll.timeout_s)} s "
        f"(successWhen `{poll.success_when.text}` never held{detail})",
        last.status if last else first.status,
    )


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
    secrets = _secrets_of(config)
    log.info("HTTP activity starts: %s", summary)
    status: int | None = None
    try:
        plan = _plan(config)
        wire = _Wire(
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
            answer = await _poll_until_done(wire, plan, plan.poll, answer, sleep=sleep, now=now)
        output = _outputs(answer, plan.outputs)
    except _Failure as failure:
        status = failure.status if failure.status is not None else status
        log.info("HTTP activity failed (last status %s): %s", status, summary)
        return HttpOutcome(
            ok=False, output={}, error=_scrub(failure.message, secrets), status=status
        )
    log.info("HTTP activity done (status %s): %s", answer.status, summary)
    return HttpOutcome(ok=True, output=output, error=None, status=answer.status)
