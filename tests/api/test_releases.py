"""Releases through the GraphQL API: from a process to a release ready to run."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.factories import (
    CREATE_RELEASE,
    activity,
    create_process,
    create_release,
    create_user,
    phase,
    release_action,
    unique,
)
from tests.graphql_client import Api, codes


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def in_hours(hours: float) -> str:
    return iso(datetime.now(UTC) + timedelta(hours=hours))


async def test_a_release_copies_the_process_and_keeps_it(api: Api) -> None:
    process = await create_process(api)
    release = await create_release(
        api,
        process["id"],
        description="Deliver 2.1.3",
        tags=["service:payments", "production"],
        version="2.1.3",
        services=["payments"],
        environments=["PROD"],
        links=[{"kind": "JIRA", "title": "PAY-1", "url": "https://jira.example/PAY-1"}],
        context={
            "purpose": "fix",
            "scope": "payments",
            "risks": "low",
            "rollbackPlan": "redeploy 2.1.2",
            "stakeholders": ["ops"],
        },
        owners=[{"phaseKey": "deployment", "owner": "SRE"}],
        inputs={"releaseVersion": "2.1.3"},
    )
    assert release["status"] == "DRAFT"
    assert release["cadence"] == "ON_DEMAND"
    assert release["processVersion"] == 1
    assert release["revision"] == 1
    assert release["createdBy"] == "admin"
    assert [p["key"] for p in release["phases"]] == ["build", "deployment"]
    assert release["phases"][1]["dependsOn"] == ["build"]
    assert release["owners"] == [
        {"phaseKey": "build", "owner": "Development Team"},
        {"phaseKey": "deployment", "owner": "SRE"},
    ]
    assert release["links"][0]["url"] == "https://jira.example/PAY-1"
    assert release["context"]["rollbackPlan"] == "redeploy 2.1.2"

    # Editing the process later never changes the release.
    await api.gql(
        "mutation($input: UpdateProcessInput!) { updateProcess(input: $input) "
        "{ process { version } } }",
        {"input": {"id": process["id"], "phases": [phase("only", activity("x"))]}},
    )
    again = await api.gql(
        "query($id: ID!) { release(id: $id) { processVersion "
        "process { version } phases { key } } }",
        {"id": release["id"]},
    )
    assert again["release"] == {
        "processVersion": 1,
        "process": {"version": 2},
        "phases": [{"key": "build"}, {"key": "deployment"}],
    }


async def test_effective_inputs_layer_defaults_input_set_and_overrides(api: Api) -> None:
    inputs = [
        {"name": "releaseVersion", "type": "STRING", "required": True},
        {"name": "environment", "type": "STRING", "default": "QA"},
        {"name": "timeout", "type": "STRING", "default": "30m"},
        {"name": "retryCount", "type": "NUMBER", "default": 3},
    ]
    process = await create_process(api, inputs=inputs)
    input_set = (
        await api.gql(
            "mutation($input: CreateInputSetInput!) { createInputSet(input: $input) "
            "{ inputSet { id } } }",
            {
                "input": {
                    "processId": process["id"],
                    "name": "PROD inputs",
                    "values": {"environment": "STAGING", "timeout": "45m"},
                }
            },
        )
    )["createInputSet"]["inputSet"]
    release = await create_release(
        api,
        process["id"],
        inputSetId=input_set["id"],
        inputs={"environment": "PROD", "releaseVersion": "2.1.3"},
    )
    assert release["inputs"] == {
        "releaseVersion": "2.1.3",
        "environment": "PROD",
        "timeout": "45m",
        "retryCount": 3,
    }
    assert release["overrides"] == {"environment": "PROD", "releaseVersion": "2.1.3"}
    assert release["inputSet"] == {"id": input_set["id"], "name": "PROD inputs"}


async def test_the_reference_variable_mapping_resolves(api: Api) -> None:
    process = await create_process(api)
    release = await create_release(api, process["id"], inputs={"releaseVersion": "2.1.3"})
    build, deployment = release["phases"]
    assert build["variables"] == [
        {"name": "buildVersion", "expression": "${releaseVersion}", "value": "2.1.3"}
    ]
    deploy = deployment["activities"][0]
    assert deploy["variables"] == [
        {"name": "artifactTag", "expression": "${buildVersion}", "value": "2.1.3"}
    ]


async def test_whole_value_expressions_keep_their_json_type(api: Api) -> None:
    process = await create_process(
        api,
        inputs=[
            {"name": "services", "type": "LIST", "default": ["a", "b"]},
            {"name": "replicas", "type": "NUMBER", "default": 3},
        ],
        variables=[
            {"name": "targets", "value": "${services}"},
            {"name": "summary", "value": "${replicas} x ${services}"},
        ],
        phases=[phase("go", activity("x"))],
    )
    release = await create_release(api, process["id"])
    values = {v["name"]: v["value"] for v in release["variables"]}
    assert values["targets"] == ["a", "b"]
    assert values["summary"] == '3 x ["a","b"]'


async def test_a_pattern_that_backtracks_without_end_is_refused_in_time(api: Api) -> None:
    # (a|aa)+$ against 'aaaa...!' backtracks exponentially; Python's `re` would hold the
    # server for hours. The value is refused, naming the field, well within a second.
    process = await create_process(
        api,
        inputs=[{"name": "code", "type": "STRING", "pattern": "(a|aa)+$"}],
        phases=[phase("go", activity("x"))],
    )
    started = time.monotonic()
    errors = await api.errors(
        CREATE_RELEASE,
        {"input": {"processId": process["id"], "name": "r", "inputs": {"code": "a" * 60 + "!"}}},
    )
    assert time.monotonic() - started < 5
    assert codes(errors) == ["BAD_USER_INPUT"]
    (problem,) = errors[0]["extensions"]["fields"]
    assert problem["path"] == "inputs.code"
    assert "in time" in problem["message"]
    fine = await create_release(api, process["id"], inputs={"code": "aaaa"})
    assert fine["status"] == "DRAFT"


async def test_bad_inputs_are_reported_all_at_once_and_nothing_is_stored(api: Api) -> None:
    process = await create_process(
        api,
        inputs=[
            {
                "name": "releaseVersion",
                "type": "STRING",
                "required": True,
                "pattern": r"\d+\.\d+\.\d+",
            },
            {"name": "environment", "type": "STRING", "allowedValues": ["QA", "PROD"]},
            {"name": "replicas", "type": "NUMBER", "min": 1, "max": 5},
            {"name": "flags", "type": "OBJECT"},
            {"name": "dryRun", "type": "BOOLEAN"},
        ],
        phases=[phase("go", activity("x"))],
    )
    errors = await api.errors(
        CREATE_RELEASE,
        {
            "input": {
                "processId": process["id"],
                "name": "payments-v1-prod",
                "inputs": {
                    "releaseVersion": "two",
                    "environment": "DEV",
                    "replicas": 9,
                    "flags": [1],
                    "dryRun": "no",
                    "ghost": 1,
                },
            }
        },
    )
    assert codes(errors) == ["BAD_USER_INPUT"]
    paths = sorted(f["path"] for f in errors[0]["extensions"]["fields"])
    assert paths == [
        "inputs.dryRun",
        "inputs.environment",
        "inputs.flags",
        "inputs.ghost",
        "inputs.releaseVersion",
        "inputs.replicas",
    ]
    listed = await api.gql(
        "query($p: ID) { releases(filter: {processId: $p}) { totalCount } }", {"p": process["id"]}
    )
    assert listed["releases"]["totalCount"] == 0


async def test_missing_required_inputs_block_scheduling_and_starting_not_drafting(
    api: Api,
) -> None:
    process = await create_process(api)
    release = await create_release(api, process["id"])  # no releaseVersion: fine for a draft
    for mutation, extra in (
        ("scheduleRelease", {"scheduledStart": in_hours(2)}),
        ("startRelease", {}),
    ):
        errors = await api.errors(
            f"mutation($input: {mutation[0].upper()}{mutation[1:]}Input!) "
            f"{{ {mutation}(input: $input) {{ release {{ status }} }} }}",
            {"input": {"id": release["id"], **extra}},
        )
        assert codes(errors) == ["BAD_USER_INPUT"], mutation
        assert "inputs.releaseVersion" in [f["path"] for f in errors[0]["extensions"]["fields"]]
    still = await api.gql(
        "query($id: ID!) { release(id: $id) { status revision } }", {"id": release["id"]}
    )
    assert still["release"] == {"status": "DRAFT", "revision": 1}


async def test_preview_resolves_without_saving(api: Api) -> None:
    process = await create_process(api)
    query = """query($input: PreviewReleaseInput!) { previewRelease(input: $input) {
        ready inputs problems { path message } variables { name value }
        phases { key variables { name value } activities { key variables { name value } } } } }"""
    missing = (await api.gql(query, {"input": {"processId": process["id"]}}))["previewRelease"]
    assert missing["ready"] is False
    assert [p["path"] for p in missing["problems"]] == ["inputs.releaseVersion"]

    ready = await api.gql(
        query, {"input": {"processId": process["id"], "inputs": {"releaseVersion": "2.1.3"}}}
    )
    preview = ready["previewRelease"]
    assert preview["ready"] is True
    assert preview["inputs"] == {"releaseVersion": "2.1.3", "environment": "QA"}
    assert preview["phases"][1]["activities"][0]["variables"] == [
        {"name": "artifactTag", "value": "2.1.3"}
    ]
    listed = await api.gql(
        "query($p: ID) { releases(filter: {processId: $p}) { totalCount } }", {"p": process["id"]}
    )
    assert listed["releases"]["totalCount"] == 0


async def test_clone_starts_a_new_draft_from_an_earlier_release(api: Api) -> None:
    process = await create_process(api)
    source = await create_release(
        api,
        process["id"],
        version="2.1.3",
        tags=["weekly"],
        services=["payments"],
        inputs={"releaseVersion": "2.1.3"},
    )
    await release_action(api, "startRelease", source["id"])
    await api.gql(
        "mutation($input: UpdateProcessInput!) { updateProcess(input: $input) "
        "{ process { version } } }",
        {"input": {"id": process["id"], "description": "v2"}},
    )
    data = await api.gql(
        "mutation($input: CloneReleaseInput!) { cloneRelease(input: $input) { release { "
        "id name status version tags services processVersion inputs revision } } }",
        {"input": {"id": source["id"], "name": "payments-v2.1.4-prod-deploy", "version": "2.1.4"}},
    )
    clone = data["cloneRelease"]["release"]
    assert clone["id"] != source["id"]
    assert clone["status"] == "DRAFT"
    assert clone["version"] == "2.1.4"
    assert clone["tags"] == ["weekly"]
    assert clone["services"] == ["payments"]
    assert clone["processVersion"] == 1  # the source's version, not the process's latest
    assert clone["inputs"]["releaseVersion"] == "2.1.3"


async def test_owners_and_links_are_validated(api: Api) -> None:
    process = await create_process(api)
    errors = await api.errors(
        CREATE_RELEASE,
        {
            "input": {
                "processId": process["id"],
                "name": " ",
                "owners": [{"phaseKey": "nope", "owner": "x"}],
                "links": [{"kind": "PR", "url": "javascript:alert(1)"}],
                "scheduledStart": in_hours(3),
                "scheduledEnd": in_hours(2),
            }
        },
    )
    paths = sorted(f["path"] for f in errors[0]["extensions"]["fields"])
    assert paths == ["links[0].url", "name", "owners.nope", "scheduledEnd"]


async def test_unknown_process_or_foreign_input_set(api: Api) -> None:
    errors = await api.errors(CREATE_RELEASE, {"input": {"processId": "prc_x", "name": "a"}})
    assert errors[0]["extensions"]["fields"][0]["path"] == "processId"
    one = await create_process(api)
    other = await create_process(api)
    foreign = (
        await api.gql(
            "mutation($input: CreateInputSetInput!) { createInputSet(input: $input) "
            "{ inputSet { id } } }",
            {"input": {"processId": other["id"], "name": "x"}},
        )
    )["createInputSet"]["inputSet"]
    errors = await api.errors(
        CREATE_RELEASE,
        {"input": {"processId": one["id"], "name": "a", "inputSetId": foreign["id"]}},
    )
    assert errors[0]["extensions"]["fields"][0]["path"] == "inputSetId"


async def test_viewers_and_members_read_but_do_not_change_releases(api: Api) -> None:
    process = await create_process(api)
    release = await create_release(api, process["id"], inputs={"releaseVersion": "1.0.0"})
    for role in ("VIEWER", "MEMBER"):
        _, token = await create_user(api, role)
        errors = await api.errors(
            CREATE_RELEASE, {"input": {"processId": process["id"], "name": "x"}}, token=token
        )
        assert codes(errors) == ["FORBIDDEN"]
        errors = await api.errors(
            "mutation($id: ID!) { startRelease(input: {id: $id}) { release { id } } }",
            {"id": release["id"]},
            token=token,
        )
        assert codes(errors) == ["FORBIDDEN"]
        seen = await api.gql(
            "query($id: ID!) { release(id: $id) { status } }", {"id": release["id"]}, token=token
        )
        assert seen["release"]["status"] == "DRAFT"
    _, manager = await create_user(api, "RELEASE_MANAGER")
    started = await release_action(api, "startRelease", release["id"], token=manager)
    assert started["status"] == "RUNNING"


async def test_the_process_of_a_release_cannot_be_deleted(api: Api) -> None:
    process = await create_process(api)
    await create_release(api, process["id"])
    errors = await api.errors(
        "mutation($id: ID!) { deleteProcess(input: {id: $id}) { deletedId } }",
        {"id": process["id"]},
    )
    assert codes(errors) == ["CONFLICT"]


async def test_node_finds_releases(api: Api) -> None:
    process = await create_process(api)
    release = await create_release(api, process["id"])
    data = await api.gql(
        "query($id: ID!) { node(id: $id) { ... on Release { name status } } }",
        {"id": release["id"]},
    )
    assert data["node"] == {"name": release["name"], "status": "DRAFT"}


def _names(data: dict[str, Any]) -> list[str]:
    return [e["node"]["name"] for e in data["releases"]["edges"]]


async def test_release_list_filters_and_order(api: Api) -> None:
    tag = unique("train")
    process = await create_process(api)
    later = await create_release(
        api,
        process["id"],
        name=unique("later"),
        tags=[tag],
        services=["payments"],
        environments=["PROD"],
        scheduledStart=in_hours(48),
        duration="2h",
    )
    sooner = await create_release(
        api,
        process["id"],
        name=unique("sooner"),
        tags=[tag],
        services=["search"],
        environments=["QA"],
        scheduledStart=in_hours(24),
    )
    running = await create_release(
        api,
        process["id"],
        name=unique("running"),
        tags=[tag],
        inputs={"releaseVersion": "1.0.0"},
        owners=[{"phaseKey": "build", "owner": "Night Shift"}],
    )
    await release_action(api, "startRelease", running["id"])

    query = """query($f: ReleaseFilter, $first: Int, $after: String) {
        releases(filter: $f, first: $first, after: $after) {
          totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }"""
    everything = await api.gql(query, {"f": {"tags": [tag]}})
    # Ordered by scheduled start (the running one started now, before the scheduled ones).
    assert _names(everything) == [running["name"], sooner["name"], later["name"]]
    assert everything["releases"]["totalCount"] == 3

    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"statuses": ["RUNNING"]}, [running["name"]]),
        ({"services": ["payments"]}, [later["name"]]),
        ({"environments": ["QA"]}, [sooner["name"]]),
        ({"teams": ["Night Shift"]}, [running["name"]]),
        ({"search": sooner["name"][2:10].upper()}, [sooner["name"]]),
        ({"from": in_hours(30), "to": in_hours(60)}, [later["name"]]),
        ({"processId": process["id"], "statuses": ["DRAFT"]}, [sooner["name"], later["name"]]),
    ]
    for extra, expected in cases:
        found = await api.gql(query, {"f": {"tags": [tag], **extra}})
        assert _names(found) == expected, extra

    first = await api.gql(query, {"f": {"tags": [tag]}, "first": 2})
    assert first["releases"]["pageInfo"]["hasNextPage"] is True
    rest = await api.gql(
        query,
        {"f": {"tags": [tag]}, "first": 2, "after": first["releases"]["pageInfo"]["endCursor"]},
    )
    assert _names(rest) == [later["name"]]
