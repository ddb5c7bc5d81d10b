"""The `supportbot` command.

supportbot serve                 # migrate, build the starter if needed, serve on :8000
supportbot build-starter         # (re)build the offline starter model
supportbot migrate               # bring the database schema up to date
"""

import argparse
import logging
from collections.abc import Callable
from pathlib import Path

from backend.core.config import STARTER_MODEL, Settings, get_settings
from backend.core.db import migrate


def _serve(args: argparse.Namespace, settings: Settings) -> None:
    import uvicorn

    from training.starter.artifact import is_built
    from training.starter.build import StarterBuildArgs, build_starter

    migrate(settings.database_url)
    if settings.base_model == STARTER_MODEL and not is_built(settings.starter_dir):
        print(f"Building the starter model into {settings.starter_dir} (first start only) ...")
        build_starter(
            StarterBuildArgs(
                output_dir=settings.starter_dir, train_minutes=settings.starter_train_minutes
            )
        )
    uvicorn.run(
        "backend.api.main:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers,
        log_level=settings.log_level,
    )


def _build_starter(args: argparse.Namespace, settings: Settings) -> None:
    from training.starter.artifact import is_built
    from training.starter.build import StarterBuildArgs, build_starter

    output_dir = args.output_dir or settings.starter_dir
    if is_built(output_dir) and not args.force:
        print(f"A starter is already built in {output_dir}; pass --force to rebuild it.")
        return
    build_starter(
        StarterBuildArgs(
            output_dir=output_dir,
            train_minutes=args.train_minutes or settings.starter_train_minutes,
        )
    )


def _migrate(args: argparse.Namespace, settings: Settings) -> None:
    migrate(settings.database_url)
    print("database schema is up to date")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per job."""
    parser = argparse.ArgumentParser(prog="supportbot", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the chat server")
    serve.add_argument("--host", help="default: SUPPORTBOT_HOST")
    serve.add_argument("--port", type=int, help="default: SUPPORTBOT_PORT")
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    serve.set_defaults(handler=_serve)

    build = commands.add_parser("build-starter", help="train the offline starter model")
    build.add_argument("--output-dir", type=Path, help="default: <data_dir>/models/starter")
    build.add_argument("--train-minutes", type=float, help="training time budget")
    build.add_argument("--force", action="store_true", help="rebuild even if one exists")
    build.set_defaults(handler=_build_starter)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(handler=_migrate)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `supportbot` console script."""
    args = build_parser().parse_args(argv)
    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    handler: Callable[[argparse.Namespace, Settings], None] = args.handler
    handler(args, settings)
