"""Human support agents and their API keys (stored hashed)."""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from backend.models.columns import timestamp_column, utcnow


class Agent(SQLModel, table=True):
    """A person who answers escalated conversations; admins also manage help articles."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    key_hash: str = Field(max_length=64, unique=True)
    is_admin: bool = False
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=timestamp_column())
