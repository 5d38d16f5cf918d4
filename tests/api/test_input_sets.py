"""The input store through the GraphQL API: input sets, their revisions and validation."""

from __future__ import annotations

from typing import Any

from tests.factories import create_process, create_user, process_input
from tests.graphql_client import Api, codes

INPUT_SET_FIELDS = """
  id name description values version createdBy
  history { version actor values changed at }
  process { id name }
"""
CREATE = f"""mutation($input: CreateInputSetInput!) {{
  createInputSet(input: $input) {{ inputSet {{ {INPUT_SET_FIELDS} }} }} }}"""
UPDATE = f"""mutation($input: UpdateInputSetInput!) {{
  updateInputSet(input: $input) {{ inputSet {{ {INPUT_SET_FIELDS} }} }} }}"""
DELETE = "mutation($id: ID!) { deleteInputSet(input: {id: $id}) { deletedId } }"

MULTI_SERVICE_INPUTS = [
    {"name": "services", "type": "LIST", "required": True},
    {
        "name": "environment",
        "type": "STRING",
        "required": True,
        "allowedValues": ["PROD1", "PROD2"],
    },
    {"name": "replicas", "type": "NUMBER", "default": 2, "min": 1, "max": 10},
    {"name": "canary", "type": "BOOLEAN", "default": False},
]


async def _multi_service_process(api: Api) -> dict[str, Any]:
    return await create_process(
        api,
        name="Multi-Service Deployment " + process_input()["name"],
        inputs=MULTI_SERVICE_INPUTS,
        phases=[
            {
                "key": "deploy",
                "name": "Deploy",
                "activities": [{"key": "go", "name": "Go", "kind": "CHECKPOINT"}],
            }
        ],
    )


async def _create(
    api: Api, process_id: str, name: str, values: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    data = await api.gql(
        CREATE, {"input": {"processId": process_id, "name": name, "values": values}}, token=token
    )
    created: dict[str, Any] = data["createInputSet"]["inputSet"]
    return created


async def test_several_input_sets_per_process(api: Api) -> None:
    process = await _multi_service_process(api)
    prod1 = await _create(
        api,
        process["id"],
        "Deploy A,B,C to PROD1",
        {"services": ["A", "B", "C"], "environment": "PROD1"},
    )
    prod2 = await _create(
        api,
        process["id"],
        "Deploy A,B,C to PROD2",
        {"services": ["A", "B", "C"], "environment": "PROD2"},
    )
    await _create(
        api,
        process["id"],
        "Deploy D,E,F to PROD1",
        {"services": ["D", "E", "F"], "environment": "PROD1", "replicas": 4},
    )
    assert prod1["version"] == 1
    assert prod1["process"] == {"id": process["id"], "name": process["name"]}
    assert prod1["history"][0]["version"] == 1
    assert prod1["history"][0]["actor"] == "admin"
    assert prod1["history"][0]["changed"] == ["environment", "services"]

    listed = await api.gql(
        "query($id: ID!) { process(id: $id) { inputSets { name values } } }",
        {"id": process["id"]},
    )
    names = [s["name"] for s in listed["process"]["inputSets"]]
    assert names == ["Deploy A,B,C to PROD1", "Deploy A,B,C to PROD2", "Deploy D,E,F to PROD1"]
    node = await api.gql(
        "query($id: ID!) { node(id: $id) { ... on InputSet { name } } }", {"id": prod2["id"]}
    )
    assert node["node"]["name"] == "Deploy A,B,C to PROD2"


async def test_updates_are_tracked_as_revisions(api: Api) -> None:
    process = await _multi_service_process(api)
    created = await _create(
        api, process["id"], "PROD1", {"services": ["A"], "environment": "PROD1"}
    )
    _, manager = await create_user(api, "RELEASE_MANAGER")
    data = await api.gql(
        UPDATE,
        {
            "input": {
                "id": created["id"],
                "values": {"services": ["A", "B"], "environment": "PROD1", "canary": True},
            }
        },
        token=manager,
    )
    updated = data["updateInputSet"]["inputSet"]
    assert updated["version"] == 2
    assert updated["values"] == {"services": ["A", "B"], "environment": "PROD1", "canary": True}
    second = updated["history"][1]
    assert second["version"] == 2
    assert second["changed"] == ["canary", "services"]
    assert second["actor"].startswith("release_manager")
    assert updated["history"][0]["values"] == {"services": ["A"], "environment": "PROD1"}

    renamed = await api.gql(
        UPDATE, {"input": {"id": created["id"], "name": "PROD-1", "expectedVersion": 2}}
    )
    assert renamed["updateInputSet"]["inputSet"]["version"] == 3
    assert renamed["updateInputSet"]["inputSet"]["history"][2]["changed"] == []

    errors = await api.errors(
        UPDATE, {"input": {"id": created["id"], "name": "stale", "expectedVersion": 2}}
    )
    assert codes(errors) == ["CONFLICT"]


async def test_values_are_validated_against_the_process_inputs(api: Api) -> None:
    process = await _multi_service_process(api)
    errors = await api.errors(
        CREATE,
        {
            "input": {
                "processId": process["id"],
                "name": "bad",
                "values": {
                    "services": "A",
                    "environment": "PROD9",
                    "replicas": 11,
                    "canary": "yes",
                    "colour": "blue",
                },
            }
        },
    )
    assert codes(errors) == ["BAD_USER_INPUT"]
    paths = sorted(f["path"] for f in errors[0]["extensions"]["fields"])
    assert paths == [
        "values.canary",
        "values.colour",
        "values.environment",
        "values.replicas",
        "values.services",
    ]
    # Required inputs may be missing from a set: a release can still supply them.
    partial = await _create(api, process["id"], "only services", {"services": ["A"]})
    assert partial["values"] == {"services": ["A"]}

    errors = await api.errors(UPDATE, {"input": {"id": partial["id"], "values": {"replicas": 0}}})
    assert [f["path"] for f in errors[0]["extensions"]["fields"]] == ["values.replicas"]
    unchanged = await api.gql(
        "query($id: ID!) { inputSet(id: $id) { version values } }", {"id": partial["id"]}
    )
    assert unchanged["inputSet"] == {"version": 1, "values": {"services": ["A"]}}


async def test_names_are_unique_per_process(api: Api) -> None:
    process = await _multi_service_process(api)
    other = await _multi_service_process(api)
    await _create(api, process["id"], "PROD1", {})
    errors = await api.errors(CREATE, {"input": {"processId": process["id"], "name": "prod1"}})
    assert codes(errors) == ["CONFLICT"]
    await _create(api, other["id"], "PROD1", {})  # another process may reuse the name


async def test_unknown_process_and_non_object_values(api: Api) -> None:
    errors = await api.errors(CREATE, {"input": {"processId": "prc_nope", "name": "x"}})
    assert codes(errors) == ["NOT_FOUND"]
    process = await _multi_service_process(api)
    errors = await api.errors(
        CREATE, {"input": {"processId": process["id"], "name": "x", "values": ["a"]}}
    )
    assert codes(errors) == ["BAD_USER_INPUT"]


async def test_viewers_read_but_do_not_write(api: Api) -> None:
    process = await _multi_service_process(api)
    created = await _create(api, process["id"], "PROD1", {})
    _, viewer = await create_user(api, "VIEWER")
    errors = await api.errors(
        CREATE, {"input": {"processId": process["id"], "name": "x"}}, token=viewer
    )
    assert codes(errors) == ["FORBIDDEN"]
    errors = await api.errors(DELETE, {"id": created["id"]}, token=viewer)
    assert codes(errors) == ["FORBIDDEN"]
    read = await api.gql(
        "query($id: ID!) { inputSet(id: $id) { name } }", {"id": created["id"]}, token=viewer
    )
    assert read["inputSet"]["name"] == "PROD1"


async def test_delete_and_cascade_with_the_process(api: Api) -> None:
    process = await _multi_service_process(api)
    first = await _create(api, process["id"], "one", {})
    second = await _create(api, process["id"], "two", {})
    assert (await api.gql(DELETE, {"id": first["id"]}))["deleteInputSet"]["deletedId"] == first[
        "id"
    ]
    assert codes(await api.errors(DELETE, {"id": first["id"]})) == ["NOT_FOUND"]
    await api.gql(
        "mutation($id: ID!) { deleteProcess(input: {id: $id}) { deletedId } }",
        {"id": process["id"]},
    )
    gone = await api.gql("query($id: ID!) { inputSet(id: $id) { id } }", {"id": second["id"]})
    assert gone["inputSet"] is None
