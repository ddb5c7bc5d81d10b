"""Request and response bodies of the agents' inbox and the admin API."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from backend.api.schemas import MessageText
from backend.models import ConversationStatus, MessagePublic


class AgentPublic(BaseModel):
    """The signed-in agent."""

    name: str
    is_admin: bool


class QueueItem(BaseModel):
    """A conversation waiting for, or handled by, a person."""

    conversation_id: uuid.UUID
    status: ConversationStatus
    escalation_reason: str | None
    waiting_since: datetime
    waiting_seconds: float
    customer_name: str | None
    last_customer_message: str | None
    assigned_agent: str | None


class Queue(BaseModel):
    """The inbox, longest-waiting first."""

    items: list[QueueItem]


class OrderPublic(BaseModel):
    """An order of the customer."""

    order_number: str
    status: str
    total: float
    currency: str
    placed_at: datetime
    items: list[str]


class CustomerPublic(BaseModel):
    """What is known about the customer."""

    external_id: str | None
    name: str | None
    email: str | None
    facts: dict[str, str]
    orders: list[OrderPublic]


class Draft(BaseModel):
    """A reply the bot suggests, with what it is grounded in."""

    text: str
    sources: list[dict[str, Any]] = Field(default_factory=list)


class AgentConversation(BaseModel):
    """A conversation as an agent sees it."""

    id: uuid.UUID
    status: ConversationStatus
    escalation_reason: str | None
    waiting_since: datetime | None
    customer: CustomerPublic | None
    messages: list[MessagePublic]
    sources: list[dict[str, Any]] = Field(description="What the latest bot reply drew on.")
    draft: Draft | None = Field(description="The bot's withheld reply, if it wrote one.")


class AgentReply(BaseModel):
    """What the agent writes to the customer."""

    model_config = ConfigDict(extra="forbid")

    text: MessageText


class ConversationState(BaseModel):
    """The conversation's status after an agent's action."""

    id: uuid.UUID
    status: ConversationStatus


class ResolveRequest(BaseModel):
    """Close the conversation; approve it as training data or not."""

    model_config = ConfigDict(extra="forbid")

    approved_for_training: StrictBool = False


class Resolved(BaseModel):
    """The solved ticket a resolved conversation became."""

    conversation_id: uuid.UUID
    status: ConversationStatus
    ticket_id: uuid.UUID
    approved_for_training: bool
