"""The `supportbot` command.

supportbot serve                 # migrate; first start: starter, first adapter; serve on :8000
supportbot build-starter         # (re)build the offline starter model
supportbot migrate               # bring the database schema up to date
supportbot import-kb PATH        # add or update help articles (markdown files or JSON)
supportbot import-tickets FILE   # solved tickets from a CSV/JSONL export (Bitext's format works)
supportbot retrain               # learn from newly approved tickets; promote if better
supportbot train [--data FILE]   # fine-tune (LoRA or every weight) on the approved tickets
supportbot eval --adapter DIR    # prompt vs fine-tune vs both vs retrieval on held-out tickets
supportbot adapters list|promote VERSION|rollback   # which adapter serves; workers follow
supportbot keys create NAME --role admin|agent|client   # a key, shown once (list, revoke NAME)
supportbot agents create NAME [--admin]  # = keys create NAME --role agent (admin); agents list
supportbot customer-link ID      # a chat link signed for a known customer (demo and testing)
"""

import argparse
import getpass
import logging
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session

from backend.core.config import STARTER_MODEL, Settings, get_settings
from backend.core.db import create_db_engine, migrate
from backend.models.api_key import ApiKey, KeyRole


def log_secrets(settings: Settings) -> list[str]:
    """The configured secrets' values, which the logs mask wherever they appear."""
    from sqlalchemy import make_url

    values = [s.get_secret_value() for s in (settings.llm_api_key, settings.identity_secret) if s]
    password = make_url(settings.database_url).password
    return [*values, str(password)] if password else values


def _serve(args: argparse.Namespace, settings: Settings) -> None:
    import uvicorn

    from backend.core.logging import configure_logging, logging_config
    from backend.runtime.artifacts import is_built
    from training.starter.build import StarterBuildArgs, build_starter

    secrets = log_secrets(settings)
    configure_logging(settings.log_level, secrets)
    migrate(settings.database_url)
    if settings.company_file is None:
        _seed_demo_shop(settings)
    if settings.base_model == STARTER_MODEL and not is_built(settings.starter_dir):
        print(f"Building the starter model into {settings.starter_dir} (first start only) ...")
        build_starter(
            StarterBuildArgs(output_dir=settings.starter_dir, max_steps=settings.starter_steps)
        )
    if (
        settings.first_adapter
        and settings.base_model == STARTER_MODEL
        and settings.llm_backend == "local"  # a model server's adapters are its operator's
        and not settings.adapter_path
    ):
        from training.workflow import ensure_first_adapter

        ensure_first_adapter(settings, create_db_engine(settings.database_url))
    port = args.port or settings.port
    if args.workers > 1:
        from backend.core.metrics import use_multiprocess_metrics

        use_multiprocess_metrics(settings.data_dir / "metrics" / str(port))
    uvicorn.run(
        "backend.api.main:create_app",
        factory=True,
        host=args.host or settings.host,
        port=port,
        workers=args.workers,
        log_level=settings.log_level,
        # X-Forwarded-For and -Proto count only from these (uvicorn trusts localhost otherwise).
        forwarded_allow_ips=[str(proxy) for proxy in settings.trusted_proxies],
        log_config=logging_config(settings.log_level, secrets),
    )


def _build_starter(args: argparse.Namespace, settings: Settings) -> None:
    from backend.runtime.artifacts import is_built
    from training.starter.build import StarterBuildArgs, build_starter

    output_dir = args.output_dir or settings.starter_dir
    if is_built(output_dir) and not args.force:
        print(f"A starter is already built in {output_dir}; pass --force to rebuild it.")
        return
    build_starter(
        StarterBuildArgs(
            output_dir=output_dir,
            max_steps=args.steps or settings.starter_steps,
        )
    )


def _migrate(args: argparse.Namespace, settings: Settings) -> None:
    migrate(settings.database_url)
    print("database schema is up to date")


def _seed_demo_shop(settings: Settings) -> None:
    from backend.services.demo import seed_demo_shop
    from training.demo_data.shop import demo_shop

    report = seed_demo_shop(create_db_engine(settings.database_url), demo_shop())
    if any(vars(report).values()):
        print(
            f"Demo shop added: {report.customers} customers, {report.orders} orders, "
            f"{report.articles} help articles, {report.tickets} solved tickets."
        )


def _import_kb(args: argparse.Namespace, settings: Settings) -> None:

    from backend.services.knowledge import KnowledgeFileError, read_articles, upsert_articles

    migrate(settings.database_url)
    try:
        articles = read_articles(args.path)
    except KnowledgeFileError as error:
        raise SystemExit(f"import-kb: {error}") from error
    with Session(create_db_engine(settings.database_url)) as session:
        result = upsert_articles(session, articles)
    print(
        f"{len(articles)} articles: {result.created} new, {result.updated} updated, "
        f"{result.unchanged} unchanged"
    )


def _import_tickets(args: argparse.Namespace, settings: Settings) -> None:
    from backend.services.ticket_import import TicketFileError, import_tickets

    migrate(settings.database_url)
    column_map = dict(pair.split("=", 1) for pair in args.map)
    try:
        report = import_tickets(
            create_db_engine(settings.database_url),
            args.file,
            source=args.source,
            approved=not args.not_approved,
            column_map=column_map,
            progress=print,
        )
    except TicketFileError as error:
        raise SystemExit(f"import-tickets: {error}") from error
    for error in report.errors[: args.show_errors]:
        print(f"line {error.line}: {error.message}")
    if len(report.errors) > args.show_errors:
        print(f"... and {len(report.errors) - args.show_errors} more bad rows")
    print(
        f"{report.valid_rows} valid rows: {report.created} new tickets, {report.updated} already "
        f"stored; {report.duplicates_in_file} duplicates in the file; {len(report.errors)} bad rows"
    )


def _train(args: argparse.Namespace, settings: Settings) -> None:
    from training.lora import parse_train_args
    from training.workflow import train_registered_adapter

    train_args = parse_train_args(args.extra)
    migrate(settings.database_url)
    try:
        info = train_registered_adapter(
            settings, create_db_engine(settings.database_url), train_args
        )
    except (ValueError, OSError) as error:  # OSError: a data file not found, a full disk
        raise SystemExit(f"train: {error}") from error
    print(
        f"Registered adapter {info['version']}. Evaluate it with `supportbot eval --adapter "
        f"{info['output_dir']}`, then `supportbot adapters promote {info['version']}`."
    )


def _retrain(args: argparse.Namespace, settings: Settings) -> None:
    from backend.services import retrain_runs
    from training.lora import parse_train_args
    from training.retrain import retrain

    train_args = parse_train_args(args.extra)
    migrate(settings.database_url)
    engine = create_db_engine(settings.database_url)
    run_id = args.run
    if run_id is None:
        options = retrain_runs.run_options(settings, args.fresh or None, args.replay_share)
        try:
            run = retrain_runs.start_run(
                engine, "cli", getpass.getuser(), options, settings.retrain_stale_seconds
            )
        except retrain_runs.RunInProgressError as error:
            raise SystemExit(
                f"retrain: {error}; `supportbot retrain` runs one at a time"
            ) from error
        run_id = run.id
    try:
        # A run the admin API queued writes its log through this process's output.
        finished = retrain(settings, engine, run_id, train_args, write_log=args.run is None)
    except retrain_runs.RunStateError as error:
        raise SystemExit(f"retrain: {error}") from error
    if finished.status != "succeeded":
        raise SystemExit(1)


def _eval(args: argparse.Namespace, settings: Settings) -> None:
    from training.workflow import evaluate_registered_adapter

    if not (args.adapter / "adapter_info.json").is_file():
        raise SystemExit(f"eval: {args.adapter} is not a trained adapter (no adapter_info.json)")
    migrate(settings.database_url)
    try:
        evaluate_registered_adapter(
            settings,
            create_db_engine(settings.database_url),
            args.adapter,
            data=args.data,
            base_model=args.base_model,
            limit=args.limit,
            max_new_tokens=args.max_new_tokens,
            output_dir=args.output_dir,
        )
    except ValueError as error:
        raise SystemExit(f"eval: {error}") from error


def _adapters(args: argparse.Namespace, settings: Settings) -> None:
    from backend.services import adapters as registry

    migrate(settings.database_url)
    with Session(create_db_engine(settings.database_url)) as session:
        try:
            if args.action == "promote":
                registry.promote(session, args.version, force=args.force)
            elif args.action == "rollback":
                registry.rollback(session)
        except registry.RegistryError as error:
            raise SystemExit(f"adapters {args.action}: {error}") from error
        serving = registry.serving_adapter(session)
        print(f"serving: {serving.version if serving else 'the base model (no adapter)'}")
        if args.action == "list":
            for adapter in registry.list_adapters(session):
                score = registry.gate_score(adapter)
                print(
                    f"{'*' if serving and adapter.id == serving.id else ' '} {adapter.version}  "
                    f"{adapter.hyperparameters.get('method', 'lora')} of {adapter.base_model}  "
                    f"prompt {adapter.prompt_version}  "
                    f"{adapter.train_tickets} tickets  on-intent "
                    f"{'not evaluated' if score is None else f'{score:.1%}'}"
                )


def _column_mapping(value: str) -> str:
    if "=" not in value:
        raise argparse.ArgumentTypeError("expected FIELD=COLUMN, e.g. customer_text=Body")
    return value


def _print_new_key(key: ApiKey, secret: str, agent_name: str | None) -> None:
    owner = f" of agent {agent_name!r}" if agent_name and agent_name != key.name else ""
    print(f"Created {key.role} key {key.name!r}{owner}. The key (shown only now):\n{secret}")


def _create_key(settings: Settings, name: str, role: KeyRole, agent: str | None) -> None:
    from backend.services import api_keys

    migrate(settings.database_url)
    engine = create_db_engine(settings.database_url)
    try:
        key, secret = api_keys.create_key(engine, name, role, agent_name=agent)
    except (api_keys.KeyNameTakenError, ValueError) as error:
        raise SystemExit(f"keys create: {error}") from error
    _print_new_key(key, secret, agent or (name if role.is_staff else None))


def _agents(args: argparse.Namespace, settings: Settings) -> None:
    from backend.services.agents import list_agents

    if args.action == "create":  # the same as `keys create NAME --role agent|admin`
        _create_key(settings, args.name, KeyRole.admin if args.admin else KeyRole.agent, None)
        return
    migrate(settings.database_url)
    with Session(create_db_engine(settings.database_url)) as session:
        for agent, keys in list_agents(session):
            held = ", ".join(f"{key.name}: {key.role}" for key in keys) or "no unrevoked key"
            print(f"{agent.name} ({held})")


def _keys(args: argparse.Namespace, settings: Settings) -> None:
    from backend.services import api_keys

    if args.action == "create":
        _create_key(settings, args.name, args.role, args.agent)
        return
    migrate(settings.database_url)
    engine = create_db_engine(settings.database_url)
    if args.action == "revoke":
        try:
            key = api_keys.revoke_key(engine, args.name)
        except api_keys.UnknownKeyError as error:
            raise SystemExit(f"keys revoke: {error}") from error
        print(f"Revoked {key.role} key {key.name!r}; it stops working at once on every worker.")
        return
    with Session(engine) as session:
        rows = [
            (
                key.name,
                str(key.role),
                agent_name or "-",
                f"{key.created_at:%Y-%m-%d %H:%M}",
                f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "-",
            )
            for key, agent_name in api_keys.list_keys(session)
        ]
    header = ("NAME", "ROLE", "AGENT", "CREATED", "REVOKED")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())


def _customer_link(args: argparse.Namespace, settings: Settings) -> None:
    from urllib.parse import urlencode

    from backend.services.customers import sign_customer_id

    if settings.identity_secret is None:
        raise SystemExit("customer-link: set SUPPORTBOT_IDENTITY_SECRET first")
    signature = sign_customer_id(settings.identity_secret.get_secret_value(), args.external_id)
    query = urlencode({"customer": args.external_id, "signature": signature})
    print(f"http://{settings.host}:{settings.port}/?{query}")


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
    build.add_argument("--steps", type=int, help="training steps (fixed, with a fixed seed)")
    build.add_argument("--force", action="store_true", help="rebuild even if one exists")
    build.set_defaults(handler=_build_starter)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(handler=_migrate)

    kb = commands.add_parser("import-kb", help="add or update help-center articles")
    kb.add_argument("path", type=Path, help="a .md file, a directory of them, or a .json file")
    kb.set_defaults(handler=_import_kb)

    tickets = commands.add_parser(
        "import-tickets", help="import solved tickets from a CSV or JSONL export (PII redacted)"
    )
    tickets.add_argument("file", type=Path, help="a .csv or .jsonl file (Bitext's format works)")
    tickets.add_argument(
        "--map",
        action="append",
        default=[],
        type=_column_mapping,
        metavar="FIELD=COLUMN",
        help="name the column of a field: customer_text, reply, intent, category, escalated,"
        " created_at (repeatable)",
    )
    tickets.add_argument("--source", help="recorded with each ticket; default: import:<file name>")
    tickets.add_argument(
        "--not-approved", action="store_true", help="store, but not for training or retrieval"
    )
    tickets.add_argument("--show-errors", type=int, default=20, help="bad rows to list")
    tickets.set_defaults(handler=_import_tickets)

    train = commands.add_parser(
        "train",
        help="fine-tuning (LoRA, or every weight of a small base) on solved tickets;"
        " `supportbot train -h` lists its arguments",
        add_help=False,
    )
    train.set_defaults(handler=_train)  # its own arguments are parsed by training.lora

    retrain = commands.add_parser(
        "retrain",
        help="train on the newly approved tickets and promote the adapter if it is better;"
        " flags of `supportbot train` (e.g. --max_steps) may follow",
    )
    retrain.add_argument(
        "--fresh",
        action="store_true",
        help="a fresh fine-tune of the base on every approved ticket",
    )
    retrain.add_argument(
        "--replay-share", type=float, help="share of replayed older tickets (default: setting)"
    )
    retrain.add_argument("--run", type=int, help="do this queued run (as the admin API starts)")
    retrain.set_defaults(handler=_retrain)

    evaluate = commands.add_parser(
        "eval", help="prompt-only, fine-tune-only, both and retrieval on the held-out tickets"
    )
    evaluate.add_argument("--adapter", type=Path, required=True, help="a trained adapter directory")
    evaluate.add_argument("--data", type=Path, help="a CSV/JSONL export; default: approved tickets")
    evaluate.add_argument("--base-model", help="default: the adapter's base (else the served one)")
    evaluate.add_argument("--limit", type=int, help="answer at most N held-out tickets (spread)")
    evaluate.add_argument(
        "--max-new-tokens", type=int, help="per reply; default: SUPPORTBOT_MAX_NEW_TOKENS"
    )
    evaluate.add_argument("--output-dir", type=Path, help="default: <adapter>/eval")
    evaluate.set_defaults(handler=_eval)

    adapters = commands.add_parser("adapters", help="the adapter registry: which adapter serves")
    adapter_actions = adapters.add_subparsers(dest="action", required=True)
    adapter_actions.add_parser("list", help="registered adapters and the serving one (*)")
    promote = adapter_actions.add_parser("promote", help="serve an adapter (after its eval)")
    promote.add_argument("version")
    promote.add_argument("--force", action="store_true", help="skip the evaluation gate")
    adapter_actions.add_parser("rollback", help="serve again what served before")
    adapters.set_defaults(handler=_adapters)

    agents = commands.add_parser(
        "agents", help="human agents; `agents create` is `keys create --role agent|admin`"
    )
    agent_actions = agents.add_subparsers(dest="action", required=True)
    create = agent_actions.add_parser("create", help="an agent's key (the agent is created)")
    create.add_argument("name")
    create.add_argument("--admin", action="store_true", help="an admin's key instead")
    agent_actions.add_parser("list", help="agents and their unrevoked keys")
    agents.set_defaults(handler=_agents)

    keys = commands.add_parser(
        "keys", help="API keys: admin and agent (the inbox, /api/admin), client (/v1)"
    )
    key_actions = keys.add_subparsers(dest="action", required=True)
    create_key = key_actions.add_parser("create", help="a new key, shown once, stored hashed")
    create_key.add_argument("name", help="the key's name (and its agent's, unless --agent)")
    create_key.add_argument(
        "--role",
        type=KeyRole,
        choices=list(KeyRole),
        default=KeyRole.client,
        help="admin: the inbox and /api/admin; agent: the inbox; client: /v1 (default)",
    )
    create_key.add_argument(
        "--agent", help="an admin's or agent's key: whose (created if new); default: NAME"
    )
    key_actions.add_parser("revoke", help="stop a key working, at once").add_argument("name")
    key_actions.add_parser("list", help="every key: name, role, agent, created, revoked")
    keys.set_defaults(handler=_keys)

    link = commands.add_parser("customer-link", help="print a chat link signed for a customer")
    link.add_argument("external_id", help="the shop's id of the customer, e.g. demo-001")
    link.set_defaults(handler=_customer_link)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `supportbot` console script."""
    parser = build_parser()
    args, args.extra = parser.parse_known_args(argv)
    if args.extra and args.command not in ("train", "retrain"):
        parser.error(f"unrecognized arguments: {' '.join(args.extra)}")
    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    handler: Callable[[argparse.Namespace, Settings], None] = args.handler
    handler(args, settings)


if __name__ == "__main__":  # `python -m backend.cli`, as the admin API starts a retraining run
    main()
