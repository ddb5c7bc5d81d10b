"""API keys of programs that call the OpenAI-compatible API (stored hashed)."""

import enum
import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from backend.models.columns import enum_column, timestamp_column, utcnow


class KeyRole(enum.StrEnum):
    """What a key may do."""

    client = "client"  # chats through /v1 as its own customers; sees only its conversations


class ApiKey(SQLModel, table=True):
    """A named key; only its SHA-256 hash is stored, and a revoked key stops working at once."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    role: KeyRole = Field(default=KeyRole.client, sa_type=enum_column(KeyRole))
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=timestamp_column())
    revoked_at: datetime | None = Field(default=None, sa_type=timestamp_column())
