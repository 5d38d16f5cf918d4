"""The HTTP executor against a real server on 127.0.0.1; a mock only where no network may go."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from app.domain.expressions import render_value
from app.domain.process import JsonValue
from jobs.executors.http import HttpOutcome, describe_request, run_http
from jobs.executors.http_redaction import redact_headers, safe_url
from jobs.executors.json_path import parse_json_path
from tests.redis_server import free_port
from tests.server import serving

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
DATA: dict[str, JsonValue] = {
    "id": 7,
    "build": {"url": "https://ci.example/b/7", "tags": ["a", "b", "c"]},
    "items": [{"id": "x1"}],
    "weird key": {"a b": 1},
    "nothing": None,
}


# --- the server -------------------------------------------------------------------------------


class Jobs:
    """Jobs that answer `running` to their first polls, then their result."""

    def __init__(self) -> None:
        self.jobs: dict[str, dict[str, Any]] = {}

    async def create(self, request: Request) -> Response:
        job = await request.json()
        job_id = request.path_params.get("job_id") or uuid.uuid4().hex
        self.jobs[job_id] = {**job, "seen": 0}
        return JSONResponse({"id": job_id}, status_code=202)

    async def poll(self, request: Request) -> Response:
        job = self.jobs.get(request.path_params["job_id"])
        if job is None:
            return JSONResponse({"error": "no such job"}, status_code=404)
        job["seen"] += 1
        if job["seen"] < job["polls"]:
            body = {"state": "running", "polls": job["seen"]}
            return JSONResponse(body, status_code=job.get("pendingStatus", 200))
        return JSONResponse(
            {
                "state": job["result"],
                "polls": job["seen"],
                "reason": job.get("reason"),
                "detail": {"phase": "finished"},
                "artifact": {"url": "https://artifacts.example/7.tgz"},
            }
        )


async def echo(request: Request) -> Response:
    raw = await request.body()
    body = {
        "method": request.method,
        "headers": dict(request.headers),
        "json": json.loads(raw) if raw else None,
        "path": request.url.path,
    }
    return JSONResponse(body, status_code=int(request.query_params.get("status", "200")))


async def refuse(request: Request) -> Response:
    """An error page that repeats the caller's credentials, as careless servers do."""
    authorization = request.headers.get("authorization", "")
    return PlainTextResponse(f"no access for {authorization}", status_code=503)


async def data(request: Request) -> Response:
    return JSONResponse(DATA)


async def text(request: Request) -> Response:
    return PlainTextResponse("plain words, not JSON")


async def slow(request: Request) -> Response:
    await asyncio.sleep(float(request.query_params["s"]))
    return JSONResponse({"slept": True})


async def redirect(request: Request) -> Response:
    code = int(request.query_params.get("code", "302"))
    return RedirectResponse(request.query_params["to"], status_code=code)


async def hops(request: Request) -> Response:
    left = int(request.path_params["left"])
    if left == 0:
        return JSONResponse({"arrived": True})
    return RedirectResponse(f"/hops/{left - 1}", status_code=302)


def build_app() -> Starlette:
    jobs = Jobs()
    return Starlette(
        routes=[
            Route("/echo", echo, methods=METHODS),
            Route("/refuse", refuse, methods=METHODS),
            Route("/data", data),
            Route("/text", text),
            Route("/slow", slow, methods=METHODS),
            Route("/redirect", redirect, methods=METHODS),
            Route("/hops/{left:int}", hops, methods=METHODS),
            Route("/jobs", jobs.create, methods=["POST"]),
            Route("/jobs/{job_id}", jobs.create, methods=["POST"]),
            Route("/jobs/{job_id}", jobs.poll, methods=["GET"]),
        ]
    )


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """A real uvicorn server on a free port of 127.0.0.1, ready before the first test."""
    with serving(build_app(), ready_path="/data") as url:
        yield url


class Recording(httpx.AsyncBaseTransport):
    """The real transport, noting every host a request was sent to."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.hosts: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.hosts.append(request.url.host)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
async def transport() -> AsyncIterator[Recording]:
    recording = Recording()
    yield recording
    await recording.aclose()


@pytest.fixture
async def client(transport: Recording) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=transport, trust_env=False) as real:
        yield real


@dataclass
class Mock:
    """A client whose requests never leave the process; `requests` holds what it was asked."""

    client: httpx.AsyncClient
    requests: list[httpx.Request]


@pytest.fixture
async def mock() -> AsyncIterator[Mock]:
    requests: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if request.method == "GET" and request.url.path.startswith("/jobs/"):
            return httpx.Response(200, json={"state": "running"})
        return httpx.Response(200, json={"id": "1", "instance": "i-123"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as mocked:
        yield Mock(mocked, requests)


def routed(*addresses: str) -> Any:
    """A resolver answering `addresses` for every host: DNS under the test's control."""

    async def resolve(host: str, port: int) -> Sequence[str]:
        return addresses

    return resolve


def failed(outcome: HttpOutcome) -> str:
    assert not outcome.ok, outcome
    assert outcome.output == {}
    assert outcome.error is not None
    return outcome.error


# --- the request ------------------------------------------------------------------------------


async def test_sends_the_method_headers_and_json_body_configured(
    base_url: str, client: httpx.AsyncClient
) -> None:
    config: dict[str, JsonValue] = {
        "method": "PUT",
        "url": f"{base_url}/echo",
        "headers": {"X-Trace": "abc-1", "Authorization": "Bearer t0ken-value"},
        "body": {"version": "1.2.3", "targets": ["eu", "us"], "dry": False},
        "outputs": {
            "method": "$.method",
            "trace": "$.headers.x-trace",
            "auth": '$.headers["authorization"]',
            "contentType": "$.headers.content-type",
            "agent": "$.headers.user-agent",
            "body": "$.json",
        },
    }

    outcome = await run_http(config, client=client)

    assert outcome == HttpOutcome(
        ok=True,
        output={
            "status": 200,
            "method": "PUT",
            "trace": "abc-1",
            "auth": "Bearer t0ken-value",
            "contentType": "application/json",
            "agent": "Cadenza",
            "body": {"version": "1.2.3", "targets": ["eu", "us"], "dry": False},
        },
        error=None,
        status=200,
    )


async def test_posts_without_a_body_by_default(base_url: str, client: httpx.AsyncClient) -> None:
    outcome = await run_http(
        {"url": f"{base_url}/echo", "outputs": {"method": "$.method", "body": "$.json"}},
        client=client,
    )

    assert outcome.output == {"status": 200, "method": "POST", "body": None}


@pytest.mark.parametrize(
    ("status", "success_codes", "ok"),
    [
        (200, None, True),
        (204, None, True),
        (299, None, True),
        (404, None, False),
        (201, [201], True),
        (200, [201], False),
        (409, [200, 409], True),
        (500, [200, 409], False),
    ],
)
async def test_success_codes_decide_whether_it_worked(
    base_url: str,
    client: httpx.AsyncClient,
    status: int,
    success_codes: list[int] | None,
    ok: bool,
) -> None:
    config: dict[str, JsonValue] = {"url": f"{base_url}/echo?status={status}"}
    if success_codes is not None:
        config["successCodes"] = list(success_codes)

    outcome = await run_http(config, client=client)

    assert (outcome.ok, outcome.status) == (ok, status)
    if not ok:
        assert outcome.error is not None
        assert outcome.error.startswith(f"POST {base_url}/echo?status={status} answered {status}")


@pytest.mark.parametrize(
    ("userinfo", "headers", "shown"),
    [
        ("", {"Authorization": "Bearer s3cr3t-token-value", "X-Api-Key": "k3y-value-123"}, "***"),
        ("deploy:hunter22@", {"X-Trace": "t-1"}, "Basic ***"),
    ],
)
async def test_an_error_never_shows_a_header_password_or_token(
    base_url: str,
    client: httpx.AsyncClient,
    userinfo: str,
    headers: dict[str, JsonValue],
    shown: str,
) -> None:
    secrets = ["s3cr3t-token-value", "k3y-value-123", "hunter22", "querysecret"]
    url = base_url.replace("http://", f"http://{userinfo}")
    config: dict[str, JsonValue] = {
        "url": f"{url}/refuse?api_token=querysecret",
        "headers": headers,
        "body": {"ok": True},
    }

    outcome = await run_http(config, client=client)

    error = failed(outcome)
    assert outcome.status == 503
    assert error == f"POST {base_url}/refuse?api_token=*** answered 503: no access for {shown}"
    assert not [secret for secret in secrets if secret in error]


async def test_a_long_error_body_is_cut_to_200_characters(
    base_url: str, client: httpx.AsyncClient
) -> None:
    outcome = await run_http(
        {"url": f"{base_url}/echo?status=500", "body": {"filler": "x" * 1000}}, client=client
    )

    error = failed(outcome)
    excerpt = error.split(" answered 500: ", 1)[1]
    assert len(excerpt) == 200
    assert excerpt.endswith("…")


# --- outputs ----------------------------------------------------------------------------------


async def test_outputs_read_nested_fields_list_items_and_odd_keys(
    base_url: str, client: httpx.AsyncClient
) -> None:
    outputs: dict[str, JsonValue] = {
        "id": "$.id",
        "buildUrl": "$.build.url",
        "firstTag": "$.build.tags[0]",
        "lastTag": "$.build.tags[-1]",
        "itemId": "$.items[0].id",
        "weird": "$['weird key'][\"a b\"]",
        "nothing": "$.nothing",
        "everything": "$",
    }

    outcome = await run_http(
        {"method": "GET", "url": f"{base_url}/data", "outputs": outputs}, client=client
    )

    assert outcome.ok, outcome.error
    assert outcome.output == {
        "status": 200,
        "id": 7,
        "buildUrl": "https://ci.example/b/7",
        "firstTag": "a",
        "lastTag": "c",
        "itemId": "x1",
        "weird": 1,
        "nothing": None,
        "everything": DATA,
    }


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("$.items[3].id", "$.items has 1 items"),
        ("$.build.branch", "$.build has no .branch"),
        ("$.id.value", "$.id is number, not an object"),
        ("$.build[0]", "$.build is object, not a list"),
    ],
)
async def test_a_missing_output_fails_naming_the_output_and_its_path(
    base_url: str, client: httpx.AsyncClient, path: str, why: str
) -> None:
    outcome = await run_http(
        {"method": "GET", "url": f"{base_url}/data", "outputs": {"wanted": path}}, client=client
    )

    assert failed(outcome) == (
        f"output 'wanted': GET {base_url}/data answered nothing at {path} ({why})"
    )
    assert outcome.status == 200


async def test_a_body_that_is_not_json_fails_only_when_an_output_reads_it(
    base_url: str, client: httpx.AsyncClient
) -> None:
    config: dict[str, JsonValue] = {"method": "GET", "url": f"{base_url}/text"}

    plain = await run_http(config, client=client)
    reading = await run_http({**config, "outputs": {"words": "$.words"}}, client=client)

    assert plain == HttpOutcome(ok=True, output={"status": 200}, error=None, status=200)
    assert failed(reading) == f"output 'words' ($.words): GET {base_url}/text did not answer JSON"


# --- polling ----------------------------------------------------------------------------------


def job_config(base_url: str, job: dict[str, JsonValue], **poll: JsonValue) -> dict[str, JsonValue]:
    return {
        "url": f"{base_url}/jobs",
        "body": job,
        "successCodes": [202],
        "outputs": {"polls": "$.polls", "artifact": "$.artifact.url"},
        "poll": {
            "url": "/jobs/${id}",  # the id the first answer gave, left for the executor
            "intervalS": 0.05,
            "timeoutS": 5,
            "successWhen": '${state} == "done"',
            "failureWhen": '${state} == "failed"',
            **poll,
        },
    }


async def test_polls_until_done_and_takes_outputs_from_the_last_answer(
    base_url: str, client: httpx.AsyncClient
) -> None:
    outcome = await run_http(job_config(base_url, {"polls": 3, "result": "done"}), client=client)

    assert outcome == HttpOutcome(
        ok=True,
        output={"status": 200, "polls": 3, "artifact": "https://artifacts.example/7.tgz"},
        error=None,
        status=200,
    )


async def test_a_process_escapes_what_the_poll_reads_from_the_rendering_of_its_config(
    base_url: str, client: httpx.AsyncClient
) -> None:
    written: dict[str, JsonValue] = {
        "url": "${ciUrl}/jobs",
        "body": {"polls": 2, "result": "done"},
        "poll": {
            "url": "${ciUrl}/jobs/$${id}",
            "intervalS": 0.05,
            "timeoutS": 5,
            "successWhen": '$${state} == "${wanted}"',
        },
    }
    inputs: dict[str, JsonValue] = {"ciUrl": base_url, "wanted": "done"}

    rendered = render_value(written, lambda reference: inputs[str(reference.target)])
    outcome = await run_http(rendered, client=client)

    assert rendered["poll"]["successWhen"] == '${state} == "done"'
    assert outcome == HttpOutcome(ok=True, output={"status": 200}, error=None, status=200)


async def test_conditions_read_the_status_code_and_outputs_by_name(
    base_url: str, client: httpx.AsyncClient
) -> None:
    config = job_config(
        base_url,
        {"polls": 2, "result": "done", "pendingStatus": 202},
        successWhen='${httpStatus} == 200 && ${phase} == "finished"',
    )
    config["outputs"] = {"phase": "$.detail.phase", "polls": "$.polls"}

    outcome = await run_http(config, client=client)

    assert outcome.output == {"status": 200, "phase": "finished", "polls": 2}


async def test_a_failed_job_fails_quoting_the_condition(
    base_url: str, client: httpx.AsyncClient
) -> None:
    job: dict[str, JsonValue] = {"polls": 2, "result": "failed", "reason": "disk full"}

    outcome = await run_http(job_config(base_url, job), client=client)

    error = failed(outcome)
    assert error.startswith(f"GET {base_url}/jobs/")
    assert 'says it failed: failureWhen `${state} == "failed"` holds (200: {' in error
    assert '"reason":"disk full"' in error
    assert outcome.status == 200


async def test_a_job_still_running_at_the_timeout_fails(
    base_url: str, client: httpx.AsyncClient
) -> None:
    job_id = uuid.uuid4().hex
    config = job_config(base_url, {"polls": 10_000, "result": "done"}, timeoutS=0.3)
    config["url"] = f"{base_url}/jobs/{job_id}"

    started = time.monotonic()
    outcome = await run_http(config, client=client)

    assert time.monotonic() - started < 3
    assert failed(outcome).startswith(
        f"GET {base_url}/jobs/{job_id} still not done after 0.3 s "
        '(successWhen `${state} == "done"` never held; the last answer was 200: '
        '{"state":"running","polls":'
    )


async def test_a_poll_answering_an_error_fails(base_url: str, client: httpx.AsyncClient) -> None:
    config = job_config(base_url, {"polls": 1, "result": "done"})
    config["poll"] = {**config["poll"], "url": f"{base_url}/jobs/nobody"}

    outcome = await run_http(config, client=client)

    assert failed(outcome) == f'GET {base_url}/jobs/nobody answered 404: {{"error":"no such job"}}'
    assert outcome.status == 404


async def test_polling_waits_its_interval_and_stops_at_the_timeout(mock: Mock) -> None:
    clock = [0.0]
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += seconds

    config: dict[str, JsonValue] = {
        "url": "http://ci.example/jobs",
        "poll": {
            "url": "http://ci.example/jobs/${id}",
            "intervalS": 0.25,
            "timeoutS": 1,
            "successWhen": '${state} == "done"',
        },
    }

    outcome = await run_http(
        config, client=mock.client, sleep=sleep, now=lambda: clock[0], resolve=routed("10.0.0.5")
    )

    assert "still not done after 1 s" in failed(outcome)
    assert sleeps == [0.25, 0.25, 0.25, 0.25]
    assert [(r.method, r.url.path) for r in mock.requests] == [("POST", "/jobs")] + [
        ("GET", "/jobs/1")
    ] * 4
    # Plain http goes to the address that was checked, under its own name.
    assert {(r.url.host, r.headers["host"]) for r in mock.requests} == {("10.0.0.5", "ci.example")}


# --- failures on the wire ---------------------------------------------------------------------


async def test_a_request_slower_than_its_timeout_fails(
    base_url: str, client: httpx.AsyncClient
) -> None:
    config: dict[str, JsonValue] = {"url": f"{base_url}/slow?s=2", "requestTimeoutS": 0.3}

    outcome = await run_http(config, client=client)

    assert failed(outcome) == f"POST {base_url}/slow?s=2 did not answer within 0.3 s"
    assert outcome.status is None


async def test_nothing_listening_fails_with_a_connection_error(client: httpx.AsyncClient) -> None:
    url = f"http://127.0.0.1:{free_port()}/hooks"

    outcome = await run_http({"url": url}, client=client)

    assert failed(outcome).startswith(f"POST {url} failed: could not connect")


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ({"url": "ftp://example.com/x"}, "config.url must be an http:// or https:// URL"),
        ({"url": 42}, "config.url must be a string, not number"),
        ({"url": "http://h/", "method": "TRACE"}, "config.method must be one of GET, POST"),
        ({"url": "http://h/", "headers": {"X-A": {"b": 1}}}, "config.headers.X-A must be a"),
        ({"url": "http://h/", "headers": {"X-A": "a\r\nX-B: b"}}, "cannot hold line breaks"),
        ({"url": "http://h/", "outputs": {"id": "$.a["}}, "config.outputs.id: '$.a[' is not"),
        ({"url": "http://h/", "outputs": {"status": "$.s"}}, "'status' is the HTTP status code"),
        ({"url": "http://h/", "successCodes": []}, "config.successCodes must be a non-empty"),
        ({"url": "http://h/", "requestTimeoutS": 0}, "config.requestTimeoutS must be a number"),
        ({"url": "http://h/", "poll": {"url": "http://h/s"}}, "successWhen is required"),
        (
            {"url": "http://h/", "poll": {"url": "http://h/s", "successWhen": "${state} = 1"}},
            "config.poll.successWhen: unexpected '='",
        ),
        (
            {"url": "http://h/", "poll": {"url": "http://h/s", "successWhen": "${p.a.output.x}"}},
            "${p.a.output.x} cannot be read here",
        ),
    ],
)
async def test_a_bad_config_fails_before_any_request(
    mock: Mock, config: dict[str, JsonValue], error: str
) -> None:
    outcome = await run_http(config, client=mock.client, resolve=routed("10.0.0.5"))

    assert error in failed(outcome)
    assert outcome.status is None
    assert mock.requests == []


# --- redirects --------------------------------------------------------------------------------


async def test_redirects_are_followed_the_way_browsers_do(
    base_url: str, client: httpx.AsyncClient
) -> None:
    outputs: dict[str, JsonValue] = {"method": "$.method", "body": "$.json", "path": "$.path"}
    config: dict[str, JsonValue] = {"body": {"a": 1}, "outputs": outputs}

    see_other = await run_http(
        {**config, "url": f"{base_url}/redirect?to=/echo&code=303"}, client=client
    )
    temporary = await run_http(
        {**config, "url": f"{base_url}/redirect?to=/echo&code=307"}, client=client
    )

    assert see_other.output == {"status": 200, "method": "GET", "body": None, "path": "/echo"}
    assert temporary.output == {"status": 200, "method": "POST", "body": {"a": 1}, "path": "/echo"}


async def test_a_redirect_listed_in_the_success_codes_is_not_followed(
    base_url: str, client: httpx.AsyncClient
) -> None:
    config: dict[str, JsonValue] = {
        "url": f"{base_url}/redirect?to=/echo",
        "successCodes": [302],
    }

    assert await run_http(config, client=client) == HttpOutcome(
        ok=True, output={"status": 302}, error=None, status=302
    )


async def test_a_redirect_to_another_origin_drops_the_secret_headers(
    base_url: str, client: httpx.AsyncClient
) -> None:
    port = base_url.rsplit(":", 1)[1]
    config: dict[str, JsonValue] = {
        "url": f"{base_url}/redirect?to=http://localhost:{port}/echo&code=307",
        "headers": {"Authorization": "Bearer t0ken-value", "X-Trace": "t-1"},
        "outputs": {"headers": "$.headers"},
    }

    outcome = await run_http(config, client=client)

    assert outcome.ok, outcome.error
    headers = outcome.output["headers"]
    assert "authorization" not in headers
    assert (headers["x-trace"], headers["host"]) == ("t-1", f"localhost:{port}")


async def test_more_than_five_redirects_fail(base_url: str, client: httpx.AsyncClient) -> None:
    five = await run_http({"method": "GET", "url": f"{base_url}/hops/5"}, client=client)
    six = await run_http({"method": "GET", "url": f"{base_url}/hops/6"}, client=client)

    assert five.ok, five.error
    assert failed(six) == f"GET {base_url}/hops/6 redirected more than 5 times"


# --- cloud metadata ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is"),
        ("http://169.254.170.2/v2/credentials", "169.254.170.2 is"),
        ("http://[fd00:ec2::254]/latest/meta-data/", "fd00:ec2::254 is"),
        ("http://100.100.100.200/latest/meta-data/", "100.100.100.200 is"),
        ("http://metadata.google.internal/computeMetadata/v1/", "metadata.google.internal is"),
        ("http://METADATA.google.internal./computeMetadata/v1/", "metadata.google.internal. is"),
        ("http://[::ffff:169.254.169.254]/", "::ffff:169.254.169.254 is"),
        ("https://169.254.169.254/", "169.254.169.254 is"),
    ],
)
async def test_a_metadata_address_is_refused_before_any_connection(
    mock: Mock, url: str, why: str
) -> None:
    outcome = await run_http({"method": "GET", "url": url}, client=mock.client)

    error = failed(outcome)
    assert error == f"GET {safe_url(str(httpx.URL(url)))} refused: {why} a cloud metadata address"
    assert mock.requests == []


@pytest.mark.parametrize(
    "addresses",
    [("169.254.169.254",), ("10.1.2.3", "169.254.169.254"), ("64:ff9b::a9fe:a9fe",)],
)
async def test_a_name_resolving_to_a_metadata_address_is_refused(
    mock: Mock, addresses: tuple[str, ...]
) -> None:
    outcome = await run_http(
        {"url": "http://innocent.example/hook"}, client=mock.client, resolve=routed(*addresses)
    )

    assert failed(outcome).startswith("POST http://innocent.example/hook refused: innocent.example")
    assert "a cloud metadata address" in failed(outcome)
    assert mock.requests == []


async def test_a_redirect_to_a_metadata_address_is_refused(
    base_url: str, client: httpx.AsyncClient, transport: Recording
) -> None:
    target = "http://169.254.169.254/latest/meta-data/iam/"
    config: dict[str, JsonValue] = {"method": "GET", "url": f"{base_url}/redirect?to={target}"}

    outcome = await run_http(config, client=client)

    assert failed(outcome) == (
        f"GET {base_url}/redirect?to={target} redirected to {target} "
        "refused: 169.254.169.254 is a cloud metadata address"
    )
    assert outcome.status is None
    assert transport.hosts == ["127.0.0.1"]


async def test_a_metadata_address_is_called_when_allowed(mock: Mock) -> None:
    outcome = await run_http(
        {"method": "GET", "url": "http://169.254.169.254/latest/meta-data/", "outputs": {}},
        client=mock.client,
        allow_metadata=True,
    )

    assert outcome.ok, outcome.error
    assert [str(r.url) for r in mock.requests] == ["http://169.254.169.254/latest/meta-data/"]


async def test_private_and_loopback_addresses_are_allowed(mock: Mock) -> None:
    for address in ("10.0.0.5", "192.168.1.9", "172.16.0.3", "127.0.0.1", "::1"):
        outcome = await run_http(
            {"url": "http://ci.internal/hook"}, client=mock.client, resolve=routed(address)
        )
        assert outcome.ok, outcome.error
    assert len(mock.requests) == 5


# --- what may be logged -----------------------------------------------------------------------


def test_redact_headers_hides_every_secret_looking_value() -> None:
    headers: dict[str, JsonValue] = {
        "Authorization": "Bearer a",
        "proxy-authorization": "Basic b",
        "Cookie": "session=c",
        "Set-Cookie": "id=d",
        "X-Api-Key": "e",
        "X-Auth-Token": "f",
        "X-Client-Secret": "g",
        "X-Signing-KEY": "h",
        "X-Db-Password": "i",
        "Content-Type": "application/json",
        "X-Trace": "t-1",
        "X-Count": 3,
    }

    assert redact_headers(headers) == {
        "Authorization": "***",
        "proxy-authorization": "***",
        "Cookie": "***",
        "Set-Cookie": "***",
        "X-Api-Key": "***",
        "X-Auth-Token": "***",
        "X-Client-Secret": "***",
        "X-Signing-KEY": "***",
        "X-Db-Password": "***",
        "Content-Type": "application/json",
        "X-Trace": "t-1",
        "X-Count": "3",
    }
    assert redact_headers(None) == {}


def test_describe_request_keeps_no_secret_and_no_body() -> None:
    config: dict[str, JsonValue] = {
        "method": "put",
        "url": "https://deploy:pa55word@ci.example:8443/hooks?build=7&access_token=abc#top",
        "headers": {"Authorization": "Bearer xyz", "X-Trace": "t-1"},
        "body": {"password": "body-secret"},
        "poll": {"url": "https://ci.example/jobs/1?sig=s1gn4ture", "successWhen": "${done}"},
    }

    assert describe_request(config) == {
        "method": "PUT",
        "url": "https://ci.example:8443/hooks?build=7&access_token=***",
        "headers": {"Authorization": "***", "X-Trace": "t-1"},
        "pollUrl": "https://ci.example/jobs/1?sig=***",
    }
    assert describe_request({}) == {"method": "POST", "url": None, "headers": {}}


@pytest.mark.parametrize(
    ("text", "document", "value"),
    [
        ("$", [1], [1]),
        ("$.a.b", {"a": {"b": 2}}, 2),
        ("$.items[0].id", {"items": [{"id": "x"}]}, "x"),
        ("$.items[-1]", {"items": [1, 2, 3]}, 3),
        ('$.a["weird key"]', {"a": {"weird key": True}}, True),
        ("$['it\\'s']", {"it's": 1}, 1),
        ("$.build-id", {"build-id": "b"}, "b"),
        ("$[0][1]", [[1, 2]], 2),
    ],
)
def test_json_paths_find_their_value(text: str, document: JsonValue, value: JsonValue) -> None:
    assert parse_json_path(text).find(document) == (True, value, "")


@pytest.mark.parametrize(
    "text", ["", "a.b", "$.", "$..a", "$.a[", "$[*]", "$.a[?(@.x)]", "$['a]", "$.__import__()"]
)
def test_anything_else_is_not_a_json_path(text: str) -> None:
    with pytest.raises(ValueError, match=r"JSON path|must start with"):
        parse_json_path(text)
