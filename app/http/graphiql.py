"""GraphiQL served by the app itself: no CDN, so it works on a machine with no internet.

The third-party browser files (React 18 and GraphiQL 3 UMD builds, graphql-ws) are never
copied into the repository: `make assets` runs `npm ci --prefix graphiql`, which installs
the versions pinned, integrity-checked, in graphiql/package-lock.json into
graphiql/node_modules. This module serves an explicit allow-list of files from there under
/static/graphiql/, our own boot script as /static/graphiql-init.js, and the page itself
(app/static/graphiql.html) with a strict Content-Security-Policy: no inline script, no
eval, nothing from another origin.

Asset URLs in the page get a `?v=<content hash>` at render time, so they are cached for a
year (immutable) yet change whenever `npm ci` installs other files.
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

logger = logging.getLogger(__name__)

ASSETS_ENV_VAR = "CADENZA_GRAPHIQL_ASSETS"
"""Overrides where the npm-installed assets (a node_modules directory) are looked for."""

DEFAULT_ASSETS_DIR = Path(__file__).resolve().parents[2] / "graphiql" / "node_modules"
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
PAGE_FILE = STATIC_DIR / "graphiql.html"
INIT_SCRIPT_FILE = STATIC_DIR / "graphiql-init.js"

ASSETS_URL_PREFIX = "/static/graphiql/"
INIT_SCRIPT_URL = "/static/graphiql-init.js"

JS = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Asset:
    """One servable file: its path inside node_modules and its content type."""

    relative_path: str
    media_type: str


ASSETS: dict[str, Asset] = {
    "react.production.min.js": Asset("react/umd/react.production.min.js", JS),
    "react-dom.production.min.js": Asset("react-dom/umd/react-dom.production.min.js", JS),
    "graphql-ws.min.js": Asset("graphql-ws/umd/graphql-ws.min.js", JS),
    "graphiql.min.js": Asset("graphiql/graphiql.min.js", JS),
    "graphiql.min.css": Asset("graphiql/graphiql.min.css", CSS),
}
"""The allow-list: URL name under /static/graphiql/ -> file in node_modules. Nothing else
under node_modules is reachable."""

# GraphiQL 3 needs no eval; its editors and popovers inject <style> elements and set style
# attributes, hence 'unsafe-inline' for styles only. Its CSS embeds fonts and icons as
# data: URLs. The websocket for subscriptions is on the page's own path.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self' ws: wss:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

INSTALL_HINT = "make assets"
INSTALL_COMMAND = "npm ci --prefix graphiql"


def resolve_assets_dir(assets_dir: Path | None = None) -> Path:
    """Where the npm-installed files are: the argument, else $CADENZA_GRAPHIQL_ASSETS, else
    the repository's graphiql/node_modules."""
    if assets_dir is not None:
        return assets_dir
    from_env = os.environ.get(ASSETS_ENV_VAR, "").strip()
    return Path(from_env) if from_env else DEFAULT_ASSETS_DIR


def missing_assets(assets_dir: Path) -> list[str]:
    """Relative paths of allow-listed files that are not installed under assets_dir."""
    return [
        asset.relative_path
        for asset in ASSETS.values()
        if not (assets_dir / asset.relative_path).is_file()
    ]


@lru_cache(maxsize=64)
def _digest(path: Path, mtime_ns: int, size: int) -> str:
    # Keyed on mtime and size too: a new `npm ci` yields a new hash without a restart.
    del mtime_ns, size
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def content_version(path: Path) -> str:
    """A short content hash of a file, for cache-busting its URL."""
    stat = path.stat()
    return _digest(path, stat.st_mtime_ns, stat.st_size)


def _versioned(html_text: str, url: str, path: Path) -> str:
    return html_text.replace(f'"{url}"', f'"{url}?v={content_version(path)}"')


def _static_headers(request: Request, path: Path) -> dict[str, str]:
    wanted = request.query_params.get("v")
    fresh = wanted is not None and wanted == content_version(path)
    return {
        "Cache-Control": IMMUTABLE if fresh else REVALIDATE,
        "X-Content-Type-Options": "nosniff",
    }


def _not_found() -> Response:
    return PlainTextResponse(
        "Not Found", status_code=404, headers={"X-Content-Type-Options": "nosniff"}
    )


def _assets_missing_page(assets_dir: Path, missing: list[str]) -> Response:
    # The absolute path goes to the log, not to whoever opened the page.
    logger.warning(
        "GraphiQL assets missing under %s: %s; run `%s`", assets_dir, missing, INSTALL_HINT
    )
    items = "".join(f"<li><code>{html.escape(name)}</code></li>" for name in missing)
    body = f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>GraphiQL assets not installed</title></head>
<body>
<h1>GraphiQL is not installed</h1>
<p>This server serves GraphiQL from local files (no CDN), and these are missing from its
<code>graphiql/node_modules</code> (or <code>${ASSETS_ENV_VAR}</code>):</p>
<ul>{items}</ul>
<p>Install them from the repository root with <code>{INSTALL_HINT}</code>, which runs
<code>{INSTALL_COMMAND}</code> (pinned, integrity-checked versions from
<code>graphiql/package-lock.json</code>), then reload this page. Set
<code>{ASSETS_ENV_VAR}</code> to use a <code>node_modules</code> directory elsewhere.</p>
<p>The GraphQL API itself works without them: POST queries to this URL.</p>
</body>
</html>
"""
    return HTMLResponse(body, status_code=503, headers=PAGE_HEADERS)


def graphiql_page(
    assets_dir: Path | None = None,
) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint rendering the GraphiQL page against the given (or default) assets."""

    def build(directory: Path) -> Response:
        missing = missing_assets(directory)
        if missing:
            return _assets_missing_page(directory, missing)
        page = PAGE_FILE.read_text(encoding="utf-8")
        for name, asset in ASSETS.items():
            page = _versioned(page, ASSETS_URL_PREFIX + name, directory / asset.relative_path)
        page = _versioned(page, INIT_SCRIPT_URL, INIT_SCRIPT_FILE)
        return HTMLResponse(page, headers=PAGE_HEADERS)

    async def render(request: Request) -> Response:
        # File reads and (first-time) hashing stay off the event loop.
        return await run_in_threadpool(build, resolve_assets_dir(assets_dir))

    return render


_render_default = graphiql_page()


async def render_graphiql(request: Request) -> Response:
    """The GraphiQL page (assets from $CADENZA_GRAPHIQL_ASSETS or graphiql/node_modules);
    503 with install instructions when the assets are not installed."""
    return await _render_default(request)


def graphiql_routes(assets_dir: Path | None = None) -> list[BaseRoute]:
    """Routes serving the page's static files: the allow-listed npm files under
    /static/graphiql/{name} and our boot script at /static/graphiql-init.js."""

    def serve(request: Request, path: Path, media_type: str) -> Response:
        if not path.is_file():
            return _not_found()
        return FileResponse(path, media_type=media_type, headers=_static_headers(request, path))

    async def asset(request: Request) -> Response:
        found = ASSETS.get(request.path_params["name"])
        if found is None:
            return _not_found()
        path = resolve_assets_dir(assets_dir) / found.relative_path
        return await run_in_threadpool(serve, request, path, found.media_type)

    async def init_script(request: Request) -> Response:
        return await run_in_threadpool(serve, request, INIT_SCRIPT_FILE, JS)

    return [
        Route(ASSETS_URL_PREFIX + "{name:path}", asset, methods=["GET", "HEAD"]),
        Route(INIT_SCRIPT_URL, init_script, methods=["GET", "HEAD"]),
    ]


def _accepts_html(accept: str) -> bool:
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        if media.lower() != "text/html":
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            return True
    return False


def wants_graphiql(request: Request) -> bool:
    """A browser navigating to the endpoint: a GET accepting text/html, with no `query`
    parameter (a GET carrying a query is a GraphQL request, whatever it accepts)."""
    if request.method != "GET" or "query" in request.query_params:
        return False
    return _accepts_html(request.headers.get("accept", ""))
