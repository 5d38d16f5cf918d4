"""Authentication on every operation, tokens and users, roles."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import CREATE_PROCESS, create_process, create_user, process_input
from tests.graphql_client import Api, GraphQLErrors, codes
from tests.server import RunningServer


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Bearer nope", "Basic YWRtaW46YWRtaW4=", "cdz_x"]
)
async def test_operations_need_a_valid_token(
    server: RunningServer, authorization: str | None
) -> None:
    headers = {"Accept": "application/graphql-response+json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    async with httpx.AsyncClient() as client:
        response = await client.post(
            server.graphql_url, json={"query": "{ viewer { name } }"}, headers=headers
        )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert "data" not in body
    assert codes(body["errors"]) == ["UNAUTHENTICATED"]


async def test_health_checks_need_no_token(server: RunningServer) -> None:
    async with httpx.AsyncClient() as client:
        health = await client.get(f"{server.base_url}/healthz")
        ready = await client.get(f"{server.base_url}/readyz")
    assert health.json() == {"status": "ok"}
    detail = ready.json()
    assert ready.status_code == 200
    assert detail["status"] == "ready"
    assert {c["name"].split(" ")[0] for c in detail["checks"]} == {"store", "redis"}
    assert all(c["ok"] for c in detail["checks"])


async def test_admin_creates_a_user_whose_token_works(api: Api) -> None:
    name, token = await create_user(api, "RELEASE_MANAGER", teams=["Operations Team"])
    viewer = await api.gql("{ viewer { name teams roles } }", token=token)
    assert viewer["viewer"] == {
        "name": name,
        "teams": ["Operations Team"],
        "roles": ["RELEASE_MANAGER"],
    }
    users = await api.gql("{ users(first: 100) { totalCount edges { node { name } } } }")
    assert name in [e["node"]["name"] for e in users["users"]["edges"]]


async def test_only_admins_create_users_and_tokens(api: Api) -> None:
    _, token = await create_user(api, "RELEASE_MANAGER")
    errors = await api.errors(
        'mutation { createUser(input: {name: "mallory", roles: [ADMIN]}) { token } }',
        token=token,
    )
    assert codes(errors) == ["FORBIDDEN"]
    errors = await api.errors(
        'mutation { createToken(input: {user: "admin"}) { token } }', token=token
    )
    assert codes(errors) == ["FORBIDDEN"]
    users = await api.gql("{ users(first: 100) { edges { node { name } } } }")
    assert "mallory" not in [e["node"]["name"] for e in users["users"]["edges"]]


async def test_duplicate_and_malformed_user_names_are_refused(api: Api) -> None:
    name, _ = await create_user(api, "MEMBER")
    errors = await api.errors(
        "mutation($n: String!) { createUser(input: {name: $n}) { token } }", {"n": name}
    )
    assert codes(errors) == ["CONFLICT"]
    errors = await api.errors(
        'mutation($n: String!) { createUser(input: {name: $n, teams: [""]}) { token } }',
        {"n": '{"$gt": ""}'},
    )
    assert codes(errors) == ["BAD_USER_INPUT"]
    paths = [f["path"] for f in errors[0]["extensions"]["fields"]]
    assert paths == ["name", "teams[0]"]


async def test_revoked_tokens_stop_working(api: Api) -> None:
    name, _ = await create_user(api, "MEMBER")
    issued = await api.gql(
        'mutation($u: String!) { createToken(input: {user: $u, label: "ci"}) '
        "{ token tokenInfo { id user label revokedAt } } }",
        {"u": name},
    )
    token = issued["createToken"]["token"]
    info = issued["createToken"]["tokenInfo"]
    assert info["user"] == name
    assert info["label"] == "ci"
    assert info["revokedAt"] is None
    assert (await api.gql("{ viewer { name } }", token=token))["viewer"]["name"] == name

    revoked = await api.gql(
        "mutation($id: ID!) { revokeToken(input: {id: $id}) { tokenInfo { revokedAt } } }",
        {"id": info["id"]},
        token=token,  # people may revoke their own tokens
    )
    assert revoked["revokeToken"]["tokenInfo"]["revokedAt"] is not None
    response = await api.post({"query": "{ viewer { name } }"}, token=token)
    assert response.status_code == 401


async def test_members_cannot_revoke_other_peoples_tokens(api: Api) -> None:
    _, member_token = await create_user(api, "MEMBER")
    other, _ = await create_user(api, "MEMBER")
    issued = await api.gql(
        "mutation($u: String!) { createToken(input: {user: $u}) { tokenInfo { id } } }",
        {"u": other},
    )
    errors = await api.errors(
        "mutation($id: ID!) { revokeToken(input: {id: $id}) { tokenInfo { id } } }",
        {"id": issued["createToken"]["tokenInfo"]["id"]},
        token=member_token,
    )
    assert codes(errors) == ["FORBIDDEN"]


@pytest.mark.parametrize("role", ["MEMBER", "VIEWER"])
async def test_process_writes_need_release_manager_or_admin(api: Api, role: str) -> None:
    _, token = await create_user(api, role)
    with pytest.raises(GraphQLErrors) as refused:
        await create_process(api, token=token)
    assert codes(refused.value.errors) == ["FORBIDDEN"]
    # ... but they can read.
    process = await create_process(api)
    found = await api.gql(
        "query($id: ID!) { process(id: $id) { name } }", {"id": process["id"]}, token=token
    )
    assert found["process"]["name"] == process["name"]


async def test_release_managers_write_processes(api: Api) -> None:
    _, token = await create_user(api, "RELEASE_MANAGER")
    data = await api.gql(CREATE_PROCESS, {"input": process_input()}, token=token)
    assert data["createProcess"]["process"]["version"] == 1
