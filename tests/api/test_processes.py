"""Process blueprints through the GraphQL API: create, read, update, list, delete."""

from __future__ import annotations

import asyncio

import pytest

from tests.factories import (
    CREATE_PROCESS,
    PROCESS_FIELDS,
    activity,
    create_process,
    create_release,
    phase,
    process_input,
    unique,
)
from tests.graphql_client import Api, GraphQLErrors, codes

UPDATE = f"""
mutation($input: UpdateProcessInput!) {{
  updateProcess(input: $input) {{ process {{ {PROCESS_FIELDS} }} }}
}}
"""
DELETE = "mutation($id: ID!) { deleteProcess(input: {id: $id}) { deletedId } }"
GET = f"query($id: ID!, $v: Int) {{ process(id: $id, version: $v) {{ {PROCESS_FIELDS} }} }}"


async def test_create_returns_the_full_blueprint(api: Api) -> None:
    sent = process_input(
        phases=[
            phase(
                "build",
                activity(
                    "compile",
                    "HTTP",
                    config={"url": "http://ci/build"},
                    timeout="PT30M",
                    retry={"maxAttempts": 3, "backoff": "exponential:10s"},
                ),
            ),
            phase(
                "approve",
                activity("gate", "APPROVAL", approvers=["qa"], requiredApprovals=1),
                dependsOn=["build"],
            ),
        ]
    )
    data = await api.gql(CREATE_PROCESS, {"input": sent})
    process = data["createProcess"]["process"]
    assert process["id"].startswith("prc_")
    assert process["version"] == 1
    assert process["createdBy"] == "admin"
    assert process["name"] == sent["name"]
    assert process["inputs"][1]["default"] == "QA"
    compile_ = process["phases"][0]["activities"][0]
    assert compile_["config"] == {"url": "http://ci/build"}
    assert compile_["retry"] == {"maxAttempts": 3, "backoff": "exponential:10s"}
    assert process["phases"][1]["dependsOn"] == ["build"]
    assert process["phases"][1]["activities"][0]["approvers"] == ["qa"]

    read = await api.gql(GET, {"id": process["id"]})
    assert read["process"] == process
    node = await api.gql(
        "query($id: ID!) { node(id: $id) { id ... on Process { name version } } }",
        {"id": process["id"]},
    )
    assert node["node"] == {"id": process["id"], "name": process["name"], "version": 1}


async def test_unknown_ids_read_as_null(api: Api) -> None:
    data = await api.gql('{ process(id: "prc_nope") { id } node(id: "nope") { id } }')
    assert data == {"process": None, "node": None}


async def test_update_bumps_version_and_keeps_old_versions(api: Api) -> None:
    process = await create_process(api)
    new_name = unique("Renamed")
    data = await api.gql(
        UPDATE, {"input": {"id": process["id"], "name": new_name, "tags": ["renamed"]}}
    )
    updated = data["updateProcess"]["process"]
    assert updated["version"] == 2
    assert updated["name"] == new_name
    assert updated["tags"] == ["renamed"]
    assert updated["phases"] == process["phases"]  # untouched fields stay

    first = await api.gql(GET, {"id": process["id"], "v": 1})
    assert first["process"]["name"] == process["name"]
    assert first["process"]["version"] == 1
    current = await api.gql(GET, {"id": process["id"]})
    assert current["process"]["version"] == 2


async def test_update_with_a_stale_version_is_a_conflict(api: Api) -> None:
    process = await create_process(api)
    await api.gql(UPDATE, {"input": {"id": process["id"], "description": "v2"}})
    errors = await api.errors(
        UPDATE, {"input": {"id": process["id"], "expectedVersion": 1, "description": "lost update"}}
    )
    assert codes(errors) == ["CONFLICT"]
    current = await api.gql(GET, {"id": process["id"]})
    assert current["process"]["description"] == "v2"


async def test_concurrent_updates_each_get_their_own_version(api: Api) -> None:
    process = await create_process(api)
    results = await asyncio.gather(
        *[
            api.gql(UPDATE, {"input": {"id": process["id"], "description": f"edit {i}"}})
            for i in range(5)
        ]
    )
    versions = sorted(r["updateProcess"]["process"]["version"] for r in results)
    assert versions == [2, 3, 4, 5, 6]


async def test_invalid_updates_change_nothing(api: Api) -> None:
    process = await create_process(api)
    errors = await api.errors(
        UPDATE,
        {
            "input": {
                "id": process["id"],
                "phases": [phase("a", dependsOn=["b"]), phase("b", dependsOn=["a"])],
            }
        },
    )
    assert codes(errors) == ["BAD_USER_INPUT"]
    assert any(
        "a -> b -> a" in f["message"] or "b -> a -> b" in f["message"]
        for f in errors[0]["extensions"]["fields"]
    )
    current = await api.gql(GET, {"id": process["id"]})
    assert current["process"]["version"] == 1


async def test_duplicate_names_are_a_conflict(api: Api) -> None:
    process = await create_process(api)
    with pytest.raises(GraphQLErrors) as duplicate:
        await create_process(api, name=process["name"].upper())
    assert codes(duplicate.value.errors) == ["CONFLICT"]
    other = await create_process(api)
    errors = await api.errors(UPDATE, {"input": {"id": other["id"], "name": process["name"]}})
    assert codes(errors) == ["CONFLICT"]


async def test_every_problem_is_reported_at_once(api: Api) -> None:
    bad = process_input(
        inputs=[
            {"name": "n", "type": "NUMBER", "default": "ten"},
            {"name": "m", "type": "NUMBER", "min": 5, "max": 1},
        ],
        phases=[
            phase(
                "build",
                activity("call", "HTTP", config={}),
                activity("call", dependsOn=["missing"]),
            ),
            phase("build", activity("wait", "WAIT", config={"duration": "soon"})),
            phase(
                "deploy",
                activity("x", variables=[{"name": "v", "value": "${nowhere}"}]),
                dependsOn=["ghost"],
            ),
        ],
    )
    errors = await api.errors(CREATE_PROCESS, {"input": bad})
    assert codes(errors) == ["BAD_USER_INPUT"]
    paths = {f["path"] for f in errors[0]["extensions"]["fields"]}
    expected = {
        "inputs[0].default",
        "inputs[1].max",
        "phases[0].activities[0].config.url",
        "phases[0].activities[1].key",
        "phases[0].activities[1].dependsOn[0]",
        "phases[1].key",
        "phases[1].activities[0].config.duration",
        "phases[2].dependsOn[0]",
        "phases[2].activities[0].variables[0].value",
    }
    assert expected <= paths, paths


async def test_list_filters_by_kind_tag_and_name(api: Api) -> None:
    tag = unique("tag")
    hotfix = await create_process(api, kind="HOTFIX", tags=[tag], name=unique("Zebra Hotfix"))
    standard = await create_process(api, kind="STANDARD", tags=[tag])
    query = """query($f: ProcessFilter, $first: Int, $after: String) {
      processes(filter: $f, first: $first, after: $after) {
        totalCount edges { cursor node { id kind } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""

    both = (await api.gql(query, {"f": {"tag": tag}}))["processes"]
    assert both["totalCount"] == 2
    assert [e["node"]["id"] for e in both["edges"]] == [hotfix["id"], standard["id"]]
    by_kind = (await api.gql(query, {"f": {"tag": tag, "kind": "HOTFIX"}}))["processes"]
    assert [e["node"]["id"] for e in by_kind["edges"]] == [hotfix["id"]]
    by_name = (await api.gql(query, {"f": {"search": "zebra HOT"}}))["processes"]
    assert [e["node"]["id"] for e in by_name["edges"]] == [hotfix["id"]]

    page1 = (await api.gql(query, {"f": {"tag": tag}, "first": 1}))["processes"]
    assert page1["pageInfo"]["hasNextPage"] is True
    assert page1["pageInfo"]["hasPreviousPage"] is False
    page2 = (
        await api.gql(
            query, {"f": {"tag": tag}, "first": 1, "after": page1["pageInfo"]["endCursor"]}
        )
    )["processes"]
    assert [e["node"]["id"] for e in page2["edges"]] == [standard["id"]]
    assert page2["pageInfo"]["hasNextPage"] is False
    assert page2["pageInfo"]["hasPreviousPage"] is True


async def test_backward_pagination(api: Api) -> None:
    tag = unique("tag")
    made = [await create_process(api, tags=[tag]) for _ in range(3)]
    data = await api.gql(
        "query($t: String) { processes(filter: {tag: $t}, last: 2) "
        "{ edges { node { id } } pageInfo { hasPreviousPage hasNextPage } } }",
        {"t": tag},
    )
    assert [e["node"]["id"] for e in data["processes"]["edges"]] == [m["id"] for m in made[1:]]
    assert data["processes"]["pageInfo"]["hasPreviousPage"] is True


async def test_delete_removes_the_process_and_its_versions(api: Api) -> None:
    process = await create_process(api)
    await api.gql(UPDATE, {"input": {"id": process["id"], "description": "v2"}})
    data = await api.gql(DELETE, {"id": process["id"]})
    assert data["deleteProcess"]["deletedId"] == process["id"]
    gone = await api.gql(GET, {"id": process["id"], "v": 1})
    assert gone["process"] is None
    errors = await api.errors(DELETE, {"id": process["id"]})
    assert codes(errors) == ["NOT_FOUND"]


async def test_seeded_examples_are_valid(api: Api) -> None:
    from app.examples import example_inputs

    for example in example_inputs():
        example = {**example, "name": unique(example["name"])}
        data = await api.gql(CREATE_PROCESS, {"input": example})
        assert data["createProcess"]["process"]["kind"] == example["kind"]


async def test_a_process_in_use_by_a_release_cannot_be_deleted(api: Api) -> None:
    process = await create_process(api)
    await create_release(api, process["id"])
    errors = await api.errors(DELETE, {"id": process["id"]})
    assert codes(errors) == ["CONFLICT"]
    assert (await api.gql(GET, {"id": process["id"]}))["process"] is not None
