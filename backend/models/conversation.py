"""Conversations between a customer and the bot or a human agent."""

import enum
import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from backend.models.columns import enum_column, timestamp_column, utcnow


class ConversationStatus(enum.StrEnum):
    """Who answers the conversation now."""

    bot = "bot"
    waiting_for_agent = "waiting_for_agent"
    agent = "agent"
    resolved = "resolved"


class Conversation(SQLModel, table=True):
    """A conversation; only holders of its secret token (stored hashed) may see it."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    customer_id: uuid.UUID | None = Field(default=None, foreign_key="customer.id", index=True)
    token_hash: str = Field(max_length=64)
    status: ConversationStatus = Field(
        default=ConversationStatus.bot, sa_type=enum_column(ConversationStatus), index=True
    )
    channel: str = Field(default="web", max_length=32)
    api_key_id: uuid.UUID | None = Field(
        default=None,
        foreign_key="apikey.id",
        index=True,
        description="The API key that started it through /v1; only that key reaches it there.",
    )
    api_user: str | None = Field(
        default=None, max_length=200, description="The `user` the API client named it by."
    )
    escalation_reason: str | None = Field(default=None, max_length=300)
    waiting_since: datetime | None = Field(
        default=None, sa_type=timestamp_column(), description="When it was handed to a person."
    )
    assigned_agent_id: uuid.UUID | None = Field(default=None, foreign_key="agent.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=timestamp_column())
