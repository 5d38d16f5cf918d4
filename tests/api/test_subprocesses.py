"""SUBPROCESS activities: another process runs as a child release, nested at most 3 deep."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.api.test_execution import _act, _activities, _state
from tests.factories import activity, create_process, create_release, phase
from tests.graphql_client import Api

RunWorker = Callable[[], Awaitable[None]]

CHILDREN = """query($p: ID) { releases(filter: {processId: $p}) { edges { node {
  id name status outcome inputs phases { activities { key status error } } } } } }"""


async def _releases_of(api: Api, process_id: str) -> list[dict[str, Any]]:
    data = await api.gql(CHILDREN, {"p": process_id})
    return [e["node"] for e in data["releases"]["edges"]]


async def test_a_subprocess_runs_as_a_child_release(api: Api, run_worker: RunWorker) -> None:
    child_process = await create_process(
        api, phases=[phase("inner", activity("one"), activity("two", dependsOn=["one"]))]
    )
    parent_process = await create_process(
        api,
        phases=[
            phase(
                "outer",
                activity(
                    "nested",
                    "SUBPROCESS",
                    config={
                        "processId": child_process["id"],
                        "inputs": {"releaseVersion": "${releaseVersion}"},
                    },
                ),
                activity("after", dependsOn=["nested"]),
            )
        ],
    )
    release = await create_release(api, parent_process["id"], inputs={"releaseVersion": "3.0.0"})
    await _act(api, "startRelease", id=release["id"])
    await run_worker()

    state = await _state(api, release["id"])
    assert (state["status"], state["outcome"]) == ("COMPLETED", "SUCCESS")
    children = await _releases_of(api, child_process["id"])
    assert len(children) == 1
    child = children[0]
    assert child["status"] == "COMPLETED"
    assert child["inputs"]["releaseVersion"] == "3.0.0"
    assert child["name"].startswith(release["name"])
    assert _activities(state)["nested"]["output"] == {
        "releaseId": child["id"],
        "outcome": "SUCCESS",
    }


async def test_aborting_the_parent_aborts_the_child(api: Api, run_worker: RunWorker) -> None:
    child_process = await create_process(api, phases=[phase("inner", activity("sign", "MANUAL"))])
    parent_process = await create_process(
        api,
        phases=[
            phase(
                "outer",
                activity(
                    "nested",
                    "SUBPROCESS",
                    config={
                        "processId": child_process["id"],
                        "inputs": {"releaseVersion": "1.0.0"},
                    },
                ),
            )
        ],
    )
    release = await create_release(api, parent_process["id"], inputs={"releaseVersion": "1.0.0"})
    await _act(api, "startRelease", id=release["id"])
    await run_worker()
    child = (await _releases_of(api, child_process["id"]))[0]
    assert child["status"] == "ON_HOLD"  # waiting for the sign-off
    assert (await _state(api, release["id"]))["status"] == "RUNNING"  # its subprocess runs
    await _act(api, "abortRelease", id=release["id"], reason="called off")
    child = (await _releases_of(api, child_process["id"]))[0]
    assert (child["status"], child["outcome"]) == ("COMPLETED", "ABORTED")


async def test_subprocesses_nest_at_most_three_deep(api: Api, run_worker: RunWorker) -> None:
    process = await create_process(api, phases=[phase("p", activity("x"))])
    await api.gql(
        "mutation($input: UpdateProcessInput!) { updateProcess(input: $input) "
        "{ process { version } } }",
        {
            "input": {
                "id": process["id"],
                "phases": [
                    phase(
                        "p",
                        activity(
                            "again",
                            "SUBPROCESS",
                            config={
                                "processId": process["id"],
                                "inputs": {"releaseVersion": "1.0.0"},
                            },
                        ),
                    )
                ],
            }
        },
    )
    release = await create_release(api, process["id"], inputs={"releaseVersion": "1.0.0"})
    await _act(api, "startRelease", id=release["id"])
    await run_worker()
    everything = await _releases_of(api, process["id"])
    assert len(everything) == 4  # the release and three nested levels
    deepest = [r for r in everything if r["status"] == "ON_HOLD"]
    assert len(deepest) == 1
    error = deepest[0]["phases"][0]["activities"][0]["error"]
    assert error == "subprocesses nest at most 3 deep"
