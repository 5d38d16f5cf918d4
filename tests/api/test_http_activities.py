"""HTTP activities run by a worker against a real local server, with outputs and retries."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from tests.api.test_execution import _act, _activities, _state
from tests.api.test_release_lifecycle import _events
from tests.factories import activity, create_process, create_release, phase, unique
from tests.graphql_client import Api
from tests.http_target import Target, running_target

RunWorker = Callable[[], Awaitable[None]]
SECRET = "s3cr3t-ci-token"

HISTORY = """query($id: ID!) { release(id: $id) { phases { activities {
  key status attempts error output attemptHistory { number error inputs } } } } }"""


@pytest.fixture
def target() -> Iterator[Target]:
    with running_target() as running:
        yield running


def _ci_process(target: Target, *, record_retries: int = 3) -> dict[str, Any]:
    return {
        "inputs": [
            {"name": "releaseVersion", "type": "STRING", "required": True},
            {"name": "ciUrl", "type": "STRING", "default": target.base_url},
            {"name": "ciToken", "type": "STRING", "default": SECRET},
            {"name": "recordTo", "type": "STRING", "default": "records"},
        ],
        "phases": [
            phase(
                "build",
                activity(
                    "deploy",
                    "HTTP",
                    config={
                        "method": "POST",
                        "url": "${ciUrl}/deploy",
                        "headers": {"Authorization": "Bearer ${ciToken}"},
                        "body": {"tag": "${releaseVersion}"},
                        "successCodes": [201],
                        "outputs": {"deploymentId": "$.deployment.id"},
                    },
                ),
                activity(
                    "record",
                    "HTTP",
                    dependsOn=["deploy"],
                    retry={"maxAttempts": record_retries, "backoff": "0s"},
                    config={
                        "url": "${ciUrl}/flaky/${recordTo}",
                        "body": {"deployment": "${build.deploy.output.deploymentId}"},
                    },
                ),
                activity(
                    "watch",
                    "HTTP",
                    dependsOn=["record"],
                    config={
                        "method": "GET",
                        "url": "${ciUrl}/status/job-1",
                        "poll": {
                            "url": "${ciUrl}/status/job-1",
                            "intervalS": 0.05,
                            "timeoutS": 5,
                            "successWhen": '${state} == "done"',
                            "failureWhen": '${state} == "failed"',
                        },
                        "outputs": {"polls": "$.polls"},
                    },
                ),
            ),
        ],
    }


async def test_http_activities_pass_outputs_downstream_and_retry(
    api: Api, run_worker: RunWorker, target: Target
) -> None:
    target.failures_left["records"] = 2
    process = await create_process(api, **_ci_process(target))
    release = await create_release(api, process["id"], inputs={"releaseVersion": "2.1.3"})
    await _act(api, "startRelease", id=release["id"])
    await run_worker()

    state = await _state(api, release["id"])
    assert (state["status"], state["outcome"]) == ("COMPLETED", "SUCCESS")
    deploys = target.sent_to("/deploy")
    assert len(deploys) == 1
    assert deploys[0]["json"] == {"tag": "2.1.3"}
    assert deploys[0]["headers"]["authorization"] == f"Bearer {SECRET}"
    records = target.sent_to("/flaky/records")
    assert [r["json"] for r in records] == [{"deployment": "d-2.1.3"}] * 3
    assert target.polls["job-1"] >= 3

    history = await api.gql(HISTORY, {"id": release["id"]})
    acts = {a["key"]: a for p in history["release"]["phases"] for a in p["activities"]}
    assert acts["deploy"]["output"] == {"deploymentId": "d-2.1.3", "status": 201}
    assert acts["record"]["attempts"] == 3
    assert [a["error"] is not None for a in acts["record"]["attemptHistory"]] == [True, True, False]
    assert "503" in acts["record"]["attemptHistory"][0]["error"]
    assert acts["watch"]["output"]["polls"] >= 3

    # The secret header value is nowhere in what the API shows.
    everything = json.dumps([history, await _events(api, release["id"])])
    assert SECRET not in everything
    assert acts["deploy"]["attemptHistory"][0]["inputs"]["headers"]["Authorization"] == "***"


async def test_exhausted_retries_hold_then_fix_and_continue(
    api: Api, run_worker: RunWorker, target: Target
) -> None:
    target.failures_left["records"] = 100
    process = await create_process(api, **_ci_process(target, record_retries=2))
    release = await create_release(api, process["id"], inputs={"releaseVersion": "1.0.0"})
    await _act(api, "startRelease", id=release["id"])
    await run_worker()
    state = await _state(api, release["id"])
    record = _activities(state)["record"]
    assert state["status"] == "ON_HOLD"
    assert record["status"] == "FAILED"
    assert record["attempts"] == 2
    assert "503" in record["error"]
    assert record["waitingOn"][0].startswith("failed (")
    assert len(target.sent_to("/flaky/records")) == 2  # never more than the policy allows

    # Fix and continue: a corrected input for the retry, nothing restarts from scratch.
    await _act(
        api,
        "retryActivity",
        releaseId=release["id"],
        activityKey="record",
        inputs={"recordTo": "elsewhere"},
    )
    await run_worker()
    state = await _state(api, release["id"])
    assert (state["status"], state["outcome"]) == ("COMPLETED", "SUCCESS")
    assert len(target.sent_to("/deploy")) == 1
    assert len(target.sent_to("/flaky/elsewhere")) == 1
    types = [e["type"] for e in await _events(api, release["id"])]
    assert "ACTIVITY_RETRIED" in types


async def test_failures_notify_the_owner_team_webhook(
    api: Api, run_worker: RunWorker, target: Target
) -> None:
    team = unique("Ops")
    hook = f"{target.base_url}/hooks/ops?token=webhook-secret"
    await api.gql(
        "mutation($input: SetTeamWebhookInput!) { setTeamWebhook(input: $input) "
        "{ team configured } }",
        {"input": {"team": team, "url": hook}},
    )
    target.failures_left["records"] = 100
    spec = _ci_process(target, record_retries=1)
    spec["phases"][0]["owner"] = team
    process = await create_process(api, **spec)
    release = await create_release(api, process["id"], inputs={"releaseVersion": "1.0.0"})
    await _act(api, "startRelease", id=release["id"])
    await run_worker()
    posted = target.sent_to("/hooks/ops")
    assert len(posted) == 1
    assert "record failed" in posted[0]["json"]["text"].lower()
    sent = [e for e in await _events(api, release["id"]) if e["type"] == "NOTIFICATION_SENT"]
    assert sent[0]["data"]["delivered"] == [team]
    assert "webhook-secret" not in json.dumps(sent)
