"""Request and response bodies of the chat API (the contract in DESIGN.md)."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from backend.models import ConversationStatus, MessagePublic, Rating

MAX_MESSAGE_CHARS = 4000

# No text takes NUL (U+0000): PostgreSQL cannot store it.
NO_NUL = r"^[^\x00]*$"
# Unicode's White_Space, what `strip_whitespace` strips: a message needs another character.
_SPACE = r"\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"

MessageText = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=1,
        max_length=MAX_MESSAGE_CHARS,
        pattern=rf"^[^\x00]*[^\x00{_SPACE}][^\x00]*$",
    ),
]


class CustomerIdentity(BaseModel):
    """A signed-in customer: the shop's id for them and its HMAC-SHA256 signature."""

    model_config = ConfigDict(extra="forbid")

    external_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NO_NUL)
    ]
    signature: Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=NO_NUL)]


class ChatRequest(BaseModel):
    """A customer message; without conversation_id it starts a new conversation."""

    model_config = ConfigDict(extra="forbid")

    message: MessageText
    conversation_id: uuid.UUID | None = None
    customer: CustomerIdentity | None = Field(
        None, description="Who is chatting, when the shop knows; only for a new conversation."
    )


class ChatResponse(BaseModel):
    """The bot's reply. `conversation_token` is set only when the conversation was created."""

    conversation_id: uuid.UUID
    conversation_token: str | None = Field(
        None, description="Secret for later calls (X-Conversation-Token); returned once."
    )
    message_id: uuid.UUID = Field(
        description="The reply; the customer's message when a person handles the conversation."
    )
    reply: str = Field(description="Empty while a person handles the conversation.")
    escalated: bool = False
    escalation_reason: str | None = None
    sources: list[dict[str, Any]] = Field(default_factory=list)
    status: ConversationStatus = ConversationStatus.bot


class ConversationPublic(BaseModel):
    """A conversation with all its messages, oldest first."""

    id: uuid.UUID
    status: ConversationStatus
    created_at: datetime
    messages: list[MessagePublic]


class FeedbackRequest(BaseModel):
    """Thumbs up or down on one bot reply."""

    model_config = ConfigDict(extra="forbid")

    message_id: uuid.UUID
    rating: Rating
    comment: (
        Annotated[str, StringConstraints(max_length=MAX_MESSAGE_CHARS, pattern=NO_NUL)] | None
    ) = None


class FeedbackPublic(BaseModel):
    """The rating now stored for a message, and whether it handed the chat to a person."""

    message_id: uuid.UUID
    rating: Rating
    escalated: bool = False
    escalation_reason: str | None = None
    status: ConversationStatus


class ServiceInfo(BaseModel):
    """What the chat page shows about the service."""

    company_name: str
    model: str | None
    adapter_version: str | None
    prompt_version: str | None
    low_confidence: Literal["on", "off", "unavailable", "unknown"] = Field(
        "on",
        description="The low-confidence escalation rule: `unavailable` where the model server"
        " returns no log-probabilities, `unknown` until it has answered once.",
    )
