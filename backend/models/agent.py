"""Human support agents; their keys (and roles) are `ApiKey` rows."""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from backend.models.columns import timestamp_column, utcnow


class Agent(SQLModel, table=True):
    """A person who answers escalated conversations, with the keys of `ApiKey.agent_id`."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=timestamp_column())
