"""Customers: the people who write to support."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.models.columns import timestamp_column, utcnow


class Customer(SQLModel, table=True):
    """A known customer; anonymous web chats have none."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    external_id: str | None = Field(default=None, max_length=200, unique=True)
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    facts: dict[str, str] = Field(
        default_factory=dict, sa_type=sa.JSON, description="Extra facts, e.g. loyalty tier."
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=timestamp_column())
