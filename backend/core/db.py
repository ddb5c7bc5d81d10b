"""Database engine and schema migrations (Alembic), for SQLite and PostgreSQL alike."""

import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
DATABASE_RETRY_SECONDS = 2.0
T = TypeVar("T")

logger = logging.getLogger(__name__)


def create_db_engine(database_url: str) -> Engine:
    """An engine for the URL; SQLite gets foreign keys, WAL and cross-thread use."""
    if database_url.startswith("sqlite"):
        _ensure_sqlite_dir(database_url)
        engine = create_engine(database_url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(database_url, pool_pre_ping=True)


# SQLite lets one connection write at a time, and a writer that finds the lock taken sleeps
# in steps of 1, 2, 5, 10 ... ms (its busy handler) however soon the lock is free: 16 chats
# writing at once waited 40-80 ms each. Writers of this process queue on a lock instead.
_SQLITE_WRITER = threading.Lock()


def commit(session: Session) -> None:
    """Commit the session; on SQLite, after the other writers of this process have."""
    if session.get_bind().dialect.name != "sqlite":
        session.commit()
        return
    with _SQLITE_WRITER:
        session.commit()


def write_lock(engine: Engine) -> AbstractContextManager[object]:
    """Hold while writing outside `commit`: on SQLite, the lock this process's writers queue on."""
    return _SQLITE_WRITER if engine.dialect.name == "sqlite" else nullcontext()


def retry_while_unavailable(work: Callable[[], T], stop: threading.Event) -> T:
    """`work()`, tried again every few seconds while the database does not answer (it may start
    after the app does); once `stop` is set, the last error is raised."""
    while True:
        try:
            return work()
        except OperationalError as error:
            logger.warning("the database is unavailable (%s); trying again", error.orig)
            if stop.wait(DATABASE_RETRY_SECONDS):
                raise


def migrate(database_url: str) -> None:
    """Bring the schema to the newest Alembic revision."""
    if database_url.startswith("sqlite"):
        _ensure_sqlite_dir(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(config, "head")


@contextmanager
def throwaway_postgres_database(server_url: str, prefix: str = "supportbot_tmp") -> Iterator[str]:
    """A new empty PostgreSQL database on the server of `server_url`, dropped afterwards.

    For tests and benchmarks that need a clean database next to the real ones.
    """
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _ensure_sqlite_dir(database_url: str) -> None:
    path = database_url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
