"""The self-hosted GraphiQL page: same-origin assets only, an allow-list, a strict CSP.

Self-contained: a small Starlette app built from app.http.graphiql, no shared fixtures.
Tests that need the npm-installed files (`make assets`) skip when they are absent, except
under CI where they must be installed.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Message, Scope

from app.http import graphiql
from app.http.graphiql import (
    ASSETS,
    graphiql_page,
    graphiql_routes,
    missing_assets,
    render_graphiql,
    resolve_assets_dir,
    wants_graphiql,
)

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

INSTALLED = not missing_assets(resolve_assets_dir())
needs_assets = pytest.mark.skipif(
    not INSTALLED and not os.environ.get("CI"),
    reason="GraphiQL assets not installed: run `make assets`",
)


def make_app(assets_dir: Path | None = None) -> Starlette:
    async def graphql(request: Request) -> Response:
        if wants_graphiql(request):
            page = graphiql_page(assets_dir) if assets_dir is not None else render_graphiql
            return await page(request)
        return PlainTextResponse("graphql", status_code=200)

    return Starlette(
        routes=[*graphiql_routes(assets_dir), Route("/graphql", graphql, methods=["GET", "POST"])]
    )


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.links: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            src = found.get("src")
            if src is None:
                self.inline_scripts += 1
            else:
                self.scripts.append(src)
        elif tag == "link" and found.get("rel") == "stylesheet":
            self.links.append(found.get("href") or "")


def refs_of(page: str) -> _Refs:
    parser = _Refs()
    parser.feed(page)
    return parser


async def fetch_page(client: httpx.AsyncClient) -> httpx.Response:
    return await client.get("/graphql", headers={"Accept": BROWSER_ACCEPT})


@needs_assets
async def test_page_loads_with_strict_csp(client: httpx.AsyncClient) -> None:
    response = await fetch_page(client)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-eval" not in csp
    assert "connect-src 'self' ws: wss:" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert 'id="graphiql"' in response.text


@needs_assets
async def test_page_has_no_inline_script_and_no_remote_url(client: httpx.AsyncClient) -> None:
    page = (await fetch_page(client)).text
    refs = refs_of(page)
    assert refs.inline_scripts == 0
    assert "://" not in page  # no absolute URL at all: nothing from another origin


@needs_assets
async def test_every_asset_is_same_origin_and_served(client: httpx.AsyncClient) -> None:
    refs = refs_of((await fetch_page(client)).text)
    assert len(refs.scripts) == 5
    assert len(refs.links) == 1
    expected = [(url, "text/javascript") for url in refs.scripts]
    expected += [(url, "text/css") for url in refs.links]
    for url, media_type in expected:
        assert url.startswith("/static/"), url
        assert not url.startswith("//"), url
        response = await client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith(media_type), url
        assert response.headers["x-content-type-options"] == "nosniff"
        assert len(response.content) > 2000, url
        # The page asks for the current version: cacheable for a year.
        assert "immutable" in response.headers["cache-control"], url


@needs_assets
async def test_init_script_is_ours_and_wires_subscriptions(client: httpx.AsyncClient) -> None:
    refs = refs_of((await fetch_page(client)).text)
    (init,) = [url for url in refs.scripts if url.startswith("/static/graphiql-init.js")]
    body = (await client.get(init)).text
    assert "graphqlWs.createClient" in body
    assert "connectionParams" in body
    assert "wsClient" in body
    assert "Bearer <paste token>" in body


@needs_assets
async def test_unversioned_asset_is_revalidated_not_immutable(client: httpx.AsyncClient) -> None:
    response = await client.get("/static/graphiql/graphiql.min.js?v=stale")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    head = await client.head("/static/graphiql/graphiql.min.css")
    assert head.status_code == 200
    assert head.headers["content-type"].startswith("text/css")


@pytest.mark.parametrize(
    "path",
    [
        "/static/graphiql/package.json",
        "/static/graphiql/graphiql/package.json",
        "/static/graphiql/react/umd/react.production.min.js",
        "/static/graphiql/graphiql.min.js.map",
        "/static/graphiql/",
        "/static/graphiql/..%2Fpackage.json",
        "/static/graphiql/%2e%2e/%2e%2e/pyproject.toml",
        "/static/graphiql/..%2F..%2F..%2Fpyproject.toml",
        "/static/graphiql/%2e%2e%2f%2e%2e%2fapp%2fsettings.py",
        "/static/graphiql/react.production.min.js/../../../pyproject.toml",
        "/static/graphiql/../../pyproject.toml",
    ],
)
async def test_paths_outside_the_allow_list_are_404(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert "[project]" not in response.text


@pytest.mark.parametrize(
    "raw_path",
    [
        "/static/graphiql/../../pyproject.toml",
        "/static/graphiql/../graphiql/package.json",
        "/static/graphiql/./graphiql.min.js/../../../app/settings.py",
    ],
)
async def test_unnormalised_traversal_in_the_asgi_scope_is_404(raw_path: str) -> None:
    # httpx normalises "../" away before sending; hand the ASGI app such a path directly.
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1234),
    }
    await make_app()(scope, receive, send)
    assert sent[0]["status"] == 404
    body = b"".join(message.get("body", b"") for message in sent[1:])
    assert b"[project]" not in body


def test_allow_list_maps_only_plain_names_to_relative_paths() -> None:
    for name, asset in ASSETS.items():
        assert "/" not in name
        assert ".." not in asset.relative_path
        assert not asset.relative_path.startswith("/")


async def test_missing_assets_give_503_with_install_instructions(tmp_path: Path) -> None:
    transport = httpx.ASGITransport(app=make_app(assets_dir=tmp_path))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        page = await fetch_page(c)
        asset = await c.get("/static/graphiql/graphiql.min.js")
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert "make assets" in page.text
    assert "npm ci --prefix graphiql" in page.text
    assert "<script" not in page.text
    assert asset.status_code == 404


async def test_env_var_overrides_the_assets_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(graphiql.ASSETS_ENV_VAR, str(tmp_path))
    assert resolve_assets_dir() == tmp_path
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        page = await fetch_page(c)
    assert page.status_code == 503
    assert "graphiql/graphiql.min.js" in page.text
    assert str(tmp_path) not in page.text  # no server path disclosed


def test_default_assets_dir_is_the_repos_graphiql_node_modules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(graphiql.ASSETS_ENV_VAR, raising=False)
    repo = Path(__file__).resolve().parents[2]
    assert resolve_assets_dir() == repo / "graphiql" / "node_modules"
    assert (repo / "graphiql" / "package-lock.json").is_file()


def _request(method: str, query: str = "", accept: str | None = None) -> Request:
    headers = [] if accept is None else [(b"accept", accept.encode())]
    return Request(
        {
            "type": "http",
            "method": method,
            "path": "/graphql",
            "query_string": query.encode(),
            "headers": headers,
        }
    )


@pytest.mark.parametrize(
    ("method", "query", "accept", "expected"),
    [
        ("GET", "", BROWSER_ACCEPT, True),
        ("GET", "", "text/html", True),
        ("GET", "", "TEXT/HTML; charset=utf-8", True),
        ("GET", "", "application/json, text/html;q=0.5", True),
        ("GET", "", "text/html;q=0", False),
        ("GET", "", "application/json", False),
        ("GET", "", "application/graphql-response+json", False),
        ("GET", "", "*/*", False),
        ("GET", "", None, False),
        ("GET", "query=%7B__typename%7D", BROWSER_ACCEPT, False),
        ("GET", "query=", "text/html", False),
        ("GET", "operationName=x", "text/html", True),
        ("POST", "", BROWSER_ACCEPT, False),
        ("HEAD", "", BROWSER_ACCEPT, False),
    ],
)
def test_wants_graphiql(method: str, query: str, accept: str | None, expected: bool) -> None:
    assert wants_graphiql(_request(method, query, accept)) is expected


async def test_graphql_requests_are_not_answered_with_the_page(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/graphql", params={"query": "{ __typename }"})
    assert response.text == "graphql"
    response = await client.post("/graphql", headers={"Accept": BROWSER_ACCEPT}, json={})
    assert response.text == "graphql"
