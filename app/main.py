"""The Starlette application: routes, and a lifespan that owns every client."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from app.examples import seed_in_process
from app.http.calendar_feed import calendar_feed, redact_tokens
from app.http.graphiql import graphiql_routes
from app.http.graphql_http import GraphQLHTTP
from app.http.health import healthz, readyz
from app.http.websocket import GraphQLWebSocket
from app.services import Services, open_services
from app.settings import Settings
from app.usecases.accounts import ensure_admin_token, ensure_admin_user, issue_token
from jobs.local import in_process_jobs
from schema import build_schema

log = logging.getLogger("cadenza")


async def bootstrap_admin(services: Services, *, announce: bool) -> None:
    """Make sure someone can log in: the configured admin token, or a fresh one if no admin."""
    settings = services.settings
    if settings.cadenza_admin_token is not None:
        await ensure_admin_token(services, settings.cadenza_admin_token.get_secret_value())
        return
    if await services.users.any_admin():
        return
    admin = await ensure_admin_user(services)
    issued = await issue_token(services, admin, label="bootstrap")
    if announce:
        # Printed, not logged: shown once to the person starting the server, kept out of
        # log pipelines. Set CADENZA_ADMIN_TOKEN to choose a stable token instead.
        print(
            "\n  Cadenza admin token (shown once): "
            f"{issued.secret}\n  GraphiQL → Headers: "
            f'{{"Authorization": "Bearer {issued.secret}"}}\n',
            file=sys.stderr,
            flush=True,
        )


def create_app(
    settings: Settings,
    *,
    embedded_client: Any | None = None,
    announce_admin: bool = True,
    seed_examples: bool = False,
) -> Starlette:
    schema = build_schema(settings)
    redact_tokens()  # /calendar.ics takes its token in the URL, which the access log prints

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with (
            open_services(
                settings, embedded_client=embedded_client, listen_for_events=True
            ) as services,
            contextlib.AsyncExitStack() as stack,
        ):
            app.state.services = services
            services.bus.on_revoked(websocket.connections.close_revoked)
            log.info("Cadenza starting: %s", services.mode)
            await stack.enter_async_context(in_process_jobs(services))
            await bootstrap_admin(services, announce=announce_admin)
            if seed_examples:
                admin = await ensure_admin_user(services)
                for line in await seed_in_process(schema, services, admin):
                    log.info("example process: %s", line)
            yield
            log.info("Cadenza stopping")

    websocket = GraphQLWebSocket(
        schema,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
    )
    routes = [
        Route(
            "/graphql",
            GraphQLHTTP(schema).handle,
            methods=["GET", "POST", "PUT", "DELETE", "PATCH"],
        ),
        WebSocketRoute("/graphql", websocket),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/calendar.ics", calendar_feed, methods=["GET"]),
        *graphiql_routes(),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
