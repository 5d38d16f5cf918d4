"""GraphQL over HTTP: methods, media types and status codes per the GraphQL-over-HTTP spec."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN
from tests.server import RunningServer

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
GQL_RESPONSE = "application/graphql-response+json"


@pytest.fixture
async def http(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
        yield client


async def test_post_answers_with_graphql_response_media_type(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql",
        json={"query": "{ viewer { name roles } }"},
        headers={**AUTH, "Accept": GQL_RESPONSE},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GQL_RESPONSE)
    assert response.json() == {"data": {"viewer": {"name": "admin", "roles": ["ADMIN"]}}}
    assert response.headers["x-request-id"]


async def test_legacy_json_media_type_is_served_on_request(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql",
        json={"query": "{ viewer { name } }"},
        headers={**AUTH, "Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")


async def test_missing_accept_header_means_graphql_response(http: httpx.AsyncClient) -> None:
    request = http.build_request(
        "POST", "/graphql", json={"query": "{ viewer { name } }"}, headers=AUTH
    )
    del request.headers["accept"]
    response = await http.send(request)
    assert response.headers["content-type"].startswith(GQL_RESPONSE)


async def test_unacceptable_media_type_is_406(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", json={"query": "{ viewer { name } }"}, headers={**AUTH, "Accept": "text/csv"}
    )
    assert response.status_code == 406


async def test_get_runs_queries(http: httpx.AsyncClient) -> None:
    response = await http.get(
        "/graphql",
        params={
            "query": "query($n: Int) { processes(first: $n) { totalCount } }",
            "variables": json.dumps({"n": 1}),
        },
        headers={**AUTH, "Accept": GQL_RESPONSE},
    )
    assert response.status_code == 200
    assert response.json()["data"]["processes"]["totalCount"] >= 0


async def test_get_refuses_mutations_with_405(http: httpx.AsyncClient) -> None:
    response = await http.get(
        "/graphql",
        params={"query": 'mutation { deleteProcess(input: {id: "x"}) { deletedId } }'},
        headers={**AUTH, "Accept": GQL_RESPONSE},
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b'["a list"]', "application/json", 400),
        (b'{"query": 42}', "application/json", 400),
        (b'{"query": "{ viewer { name } }", "variables": "x"}', "application/json", 400),
        (b"query { viewer { name } }", "text/plain", 415),
    ],
)
async def test_malformed_requests_are_refused_without_data(
    http: httpx.AsyncClient, body: bytes, content_type: str, status: int
) -> None:
    response = await http.post(
        "/graphql",
        content=body,
        headers={**AUTH, "Accept": GQL_RESPONSE, "Content-Type": content_type},
    )
    assert response.status_code == status
    payload = response.json()
    assert "data" not in payload
    assert payload["errors"][0]["message"]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ viewer { name ", "GRAPHQL_PARSE_FAILED"),
        ("{ viewer { nope } }", "GRAPHQL_VALIDATION_FAILED"),
    ],
)
async def test_request_errors_are_400_without_data(
    http: httpx.AsyncClient, query: str, code: str
) -> None:
    response = await http.post(
        "/graphql", json={"query": query}, headers={**AUTH, "Accept": GQL_RESPONSE}
    )
    assert response.status_code == 400
    payload = response.json()
    assert "data" not in payload
    assert payload["errors"][0]["extensions"]["code"] == code


async def test_request_errors_under_legacy_json_are_200_without_data(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post(
        "/graphql",
        json={"query": "{ viewer { nope } }"},
        headers={**AUTH, "Accept": "application/json"},
    )
    assert response.status_code == 200
    assert "data" not in response.json()


async def test_variable_coercion_failure_is_a_request_error(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql",
        json={
            "query": "query($n: Int) { processes(first: $n) { totalCount } }",
            "variables": {"n": "ten"},
        },
        headers={**AUTH, "Accept": GQL_RESPONSE},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_oversized_body_is_413(http: httpx.AsyncClient) -> None:
    padding = "x" * 1_100_000
    response = await http.post(
        "/graphql",
        json={"query": "{ viewer { name } }", "variables": {"p": padding}},
        headers={**AUTH, "Accept": GQL_RESPONSE},
    )
    assert response.status_code == 413


async def test_other_methods_are_405(http: httpx.AsyncClient) -> None:
    response = await http.put("/graphql", json={"query": "{ viewer { name } }"}, headers=AUTH)
    assert response.status_code == 405
    assert "POST" in response.headers["allow"]
