"""API keys of agents, admins and programs (stored hashed)."""

import enum
import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from backend.models.columns import enum_column, timestamp_column, utcnow


class KeyRole(enum.StrEnum):
    """What a key may do; each role reaches its own routes only."""

    admin = "admin"  # an agent who also runs /api/admin: articles, adapters, review, retraining
    agent = "agent"  # answers handed-off conversations in the inbox (/api/agent)
    client = "client"  # chats through /v1 as its own customers; sees only its conversations

    @property
    def is_staff(self) -> bool:
        """Whether the key belongs to a person of the support team (an `Agent`)."""
        return self is not KeyRole.client


class ApiKey(SQLModel, table=True):
    """A named key; only its SHA-256 hash is stored, and a revoked key stops working at once.

    An admin's or agent's key belongs to an `Agent` (the name the inbox shows); a client's to none.
    """

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    role: KeyRole = Field(default=KeyRole.client, sa_type=enum_column(KeyRole))
    agent_id: uuid.UUID | None = Field(default=None, foreign_key="agent.id", index=True)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=timestamp_column())
    revoked_at: datetime | None = Field(default=None, sa_type=timestamp_column())
