"""Query limits, error masking, and operator-like strings that must stay plain data."""

from __future__ import annotations

import logging

import httpx
import pytest

from app.settings import Settings
from tests.conftest import ADMIN_TOKEN
from tests.factories import CREATE_PROCESS, create_process, process_input
from tests.graphql_client import Api, codes
from tests.server import RunningServer, running_server


async def test_deep_queries_are_refused(settings: Settings) -> None:
    shallow = "{ processes { edges { node { name } } } }"
    deep = "{ processes { edges { node { phases { activities { retry { maxAttempts } } } } } } }"
    with running_server(settings.model_copy(update={"max_query_depth": 5})) as server:
        async with httpx.AsyncClient() as client:
            api = Api(server.graphql_url, ADMIN_TOKEN, client)
            await api.gql(shallow)
            response = await api.post({"query": deep})
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


async def test_too_many_aliases_are_refused(api: Api) -> None:
    query = "{ " + " ".join(f"a{i}: viewer {{ name }}" for i in range(40)) + " }"
    response = await api.post({"query": query})
    assert response.status_code == 400
    assert "aliases" in response.json()["errors"][0]["message"]


async def test_huge_documents_are_refused(api: Api) -> None:
    query = "{ viewer { " + " ".join(["name"] * 3000) + " } }"
    response = await api.post({"query": query})
    assert response.status_code == 400
    assert "token" in response.json()["errors"][0]["message"].lower()


async def test_unexpected_errors_are_masked_and_logged(
    api: Api, server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    process = await create_process(api)
    services = server.app.state.services

    async def broken(process_id: str) -> None:
        raise RuntimeError("secret database detail")

    services.processes.get = broken
    with caplog.at_level(logging.ERROR, logger="cadenza.errors"):
        errors = await api.errors(
            "query($id: ID!) { process(id: $id) { name } }", {"id": process["id"]}
        )
    assert errors[0]["message"] == "Internal server error"
    assert "secret" not in str(errors)
    request_id = errors[0]["extensions"]["requestId"]
    assert codes(errors) == ["INTERNAL"]
    assert any(request_id in r.getMessage() for r in caplog.records)
    assert any("secret database detail" in str(r.exc_info) for r in caplog.records)


OPERATOR_LIKE = ['{"$gt": ""}', "$where", "a.b", "^.*$", "(a+)+$", "{'$ne': null}"]


@pytest.mark.parametrize("text", OPERATOR_LIKE)
async def test_operator_like_strings_are_plain_data(api: Api, text: str) -> None:
    process = await create_process(api, name=f"{text} process", tags=[text])
    assert process["name"] == f"{text} process"
    found = await api.gql(
        "query($f: ProcessFilter) { processes(filter: $f) { totalCount edges { node { id } } } }",
        {"f": {"search": text, "tag": text}},
    )
    assert [e["node"]["id"] for e in found["processes"]["edges"]] == [process["id"]]
    nothing = await api.gql(
        "query($f: ProcessFilter) { processes(filter: $f) { totalCount } }",
        {"f": {"search": text + " nothing"}},
    )
    assert nothing["processes"]["totalCount"] == 0


async def test_operator_like_json_values_round_trip(api: Api) -> None:
    tricky = {"$gt": "", "a.b": {"$where": "1"}, "n": 1, "f": 1.5}
    inputs = [*process_input()["inputs"], {"name": "payload", "type": "OBJECT", "default": tricky}]
    process = await create_process(api, inputs=inputs)
    assert process["inputs"][-1]["default"] == tricky
    stored = await api.gql(
        "query($id: ID!) { process(id: $id) { inputs { default } } }", {"id": process["id"]}
    )
    assert stored["process"]["inputs"][-1]["default"] == tricky


async def test_operator_objects_in_id_arguments_are_refused(api: Api) -> None:
    response = await api.post(
        {"query": "query($id: ID!) { process(id: $id) { name } }", "variables": {"id": {"$gt": ""}}}
    )
    assert response.status_code == 400
    assert codes(response.json()["errors"]) == ["BAD_USER_INPUT"]


async def test_bad_cursors_are_bad_user_input(api: Api) -> None:
    errors = await api.errors('{ processes(after: "bm9wZQ==") { totalCount } }')
    assert codes(errors) == ["BAD_USER_INPUT"]
    assert errors[0]["extensions"]["fields"][0]["path"] == "after"
    errors = await api.errors("{ processes(first: 100000) { totalCount } }")
    assert errors[0]["extensions"]["fields"][0]["path"] == "first"


async def test_failed_writes_change_nothing(api: Api) -> None:
    before = await api.gql("{ processes { totalCount } }")
    bad = process_input(phases=[{"key": "a", "name": "A", "dependsOn": ["a"]}])
    errors = await api.errors(CREATE_PROCESS, {"input": bad})
    assert codes(errors) == ["BAD_USER_INPUT"]
    after = await api.gql("{ processes { totalCount } }")
    assert after == before
