"""The command line: `python -m app serve|worker|create-token|export-schema|seed-examples`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from app.domain.accounts import Role
from app.domain.errors import CadenzaError
from app.logging_setup import configure_logging
from app.runtime import tune_gc
from app.settings import Settings

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from app.main import create_app

    app = create_app(settings, seed_examples=args.seed_examples)
    tune_gc()
    uvicorn.run(
        app,
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=10,
        proxy_headers=False,
        ws_per_message_deflate=settings.ws_per_message_deflate,
    )
    return 0


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from jobs.worker import run_worker

    tune_gc()
    return run_worker(settings, burst=args.burst)


async def _create_token(args: argparse.Namespace, settings: Settings) -> int:
    from app.services import open_services
    from app.usecases.accounts import create_token, create_user

    if settings.is_embedded_store:
        print(
            "create-token writes to the shared store, but MONGODB_URL is not set: in embedded "
            "mode the store lives inside the server process. Use the createUser/createToken "
            "mutations there, or set CADENZA_ADMIN_TOKEN before starting the server.",
            file=sys.stderr,
        )
        return 2
    async with open_services(settings) as services:
        if await services.users.get(args.user) is None:
            _, issued = await create_user(
                services,
                actor=None,
                name=args.user,
                teams=tuple(args.team),
                roles=(Role(args.role),),
            )
        else:
            issued = await create_token(services, actor=None, user_name=args.user)
    print(issued.secret)
    return 0


def _export_schema(args: argparse.Namespace, settings: Settings) -> int:
    from schema.export import schema_sdl

    target = Path(args.output) if args.output else SCHEMA_FILE
    target.write_text(schema_sdl(settings))
    print(f"wrote {target}")
    return 0


async def _seed_examples(args: argparse.Namespace, settings: Settings) -> int:
    from app.examples import seed_over_http

    token = args.token or (
        settings.cadenza_admin_token.get_secret_value() if settings.cadenza_admin_token else None
    )
    if not token:
        print("give --token or set CADENZA_ADMIN_TOKEN", file=sys.stderr)
        return 2
    for line in await seed_over_http(args.url, token):
        print(line)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the GraphQL API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument(
        "--seed-examples", action="store_true", help="load the example processes at start-up"
    )

    worker = commands.add_parser("worker", help="run an arq worker (needs REDIS_URL)")
    worker.add_argument("--burst", action="store_true", help="exit when the queue is empty")

    token = commands.add_parser("create-token", help="print a new token (creates the user)")
    token.add_argument("--user", required=True)
    token.add_argument("--team", action="append", default=[])
    token.add_argument("--role", choices=[r.value for r in Role], default=Role.MEMBER.value)

    export = commands.add_parser("export-schema", help="write schema.graphql")
    export.add_argument("--output")

    seed = commands.add_parser("seed-examples", help="create the example processes via the API")
    seed.add_argument("--url", default="http://127.0.0.1:8000/graphql")
    seed.add_argument("--token")

    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level)
    try:
        if args.command == "serve":
            return _serve(args, settings)
        if args.command == "worker":
            return _worker(args, settings)
        if args.command == "create-token":
            return asyncio.run(_create_token(args, settings))
        if args.command == "export-schema":
            return _export_schema(args, settings)
        return asyncio.run(_seed_examples(args, settings))
    except CadenzaError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
