"""The Alembic migrations create exactly the schema the SQLModel tables describe."""

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import Session, SQLModel

import backend.models  # noqa: F401  (registers the tables)
from backend.core.db import create_db_engine, migrate
from backend.models import Message, Role


def test_migrations_match_the_models(database_url):
    engine = create_db_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    engine.dispose()
    assert differences == []


def test_migrating_twice_is_harmless(database_url):
    migrate(database_url)
    engine = create_db_engine(database_url)
    assert {"customer", "conversation", "message", "feedback"} <= set(
        sa.inspect(engine).get_table_names()
    )
    engine.dispose()


def test_foreign_keys_are_enforced(database_url):
    engine = create_db_engine(database_url)
    with Session(engine) as session:
        session.add(Message(conversation_id=uuid.uuid4(), role=Role.bot, text="orphan"))
        with pytest.raises(sa.exc.IntegrityError):
            session.commit()
    engine.dispose()
