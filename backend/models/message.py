"""Messages of a conversation, with the provenance of every bot reply."""

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.models.columns import enum_column, timestamp_column, utcnow


class Role(enum.StrEnum):
    """Who wrote a message."""

    customer = "customer"
    bot = "bot"
    agent = "agent"
    system = "system"


class MessageBase(SQLModel):
    role: Role = Field(sa_type=enum_column(Role))
    text: str = Field(sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=timestamp_column())
    escalated: bool = False
    escalation_reason: str | None = Field(default=None, max_length=300)
    sources: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)


class Message(MessageBase, table=True):
    """One message; bot messages record which model, adapter and prompt produced them.

    An escalated bot message tells the customer a person is coming; `draft` keeps the reply the
    model wrote but was not sent (low confidence), as a suggestion for the agent.
    """

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    conversation_id: uuid.UUID = Field(foreign_key="conversation.id", index=True)
    model: str | None = Field(default=None, max_length=300)
    adapter_version: str | None = Field(default=None, max_length=100)
    prompt_version: str | None = Field(default=None, max_length=100)
    latency_ms: float | None = None
    generated_tokens: int | None = None
    mean_logprob: float | None = None
    escalation_rule: str | None = Field(default=None, max_length=50)
    draft: str | None = Field(default=None, sa_type=sa.Text)
    agent_id: uuid.UUID | None = Field(default=None, foreign_key="agent.id")


class MessagePublic(MessageBase):
    """A message as the customer's API shows it."""

    id: uuid.UUID
    feedback: str | None = None
    author: str | None = Field(default=None, description="The agent's name on agent replies.")
