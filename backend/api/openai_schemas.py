"""Request and response bodies of the OpenAI-compatible API (`/v1`), as OpenAI's clients send
and read them, plus a `supportbot` object that carries the conversation and the escalation.

Fields that OpenAI defines and supportbot does not use (tools, logit_bias, ...) are accepted and
ignored, so that clients work unchanged; those that would change the answer and that supportbot
cannot honour (`n` above 1) are refused with a 400.
"""

import uuid
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
    field_validator,
)

from backend.api.schemas import MAX_MESSAGE_CHARS, NO_NUL
from backend.models import ConversationStatus

Text = Annotated[str, StringConstraints(pattern=NO_NUL)]


class TextPart(BaseModel):
    """A text part of a message's content (OpenAI's content-part array)."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["text"]
    text: Text


class ChatMessage(BaseModel):
    """One message of the request. Only the last user message is the customer's new message:
    supportbot keeps the conversation's history itself, and a caller's system message does
    not replace its prompt layer."""

    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: Text | list[TextPart | dict[str, Any]] | None = None

    def text(self) -> str:
        """The message's text, its text parts joined."""
        if isinstance(self.content, str):
            return self.content
        parts = self.content or []
        return "".join(p.text for p in parts if isinstance(p, TextPart))


class StreamOptions(BaseModel):
    """`stream_options`: whether the stream ends with a usage chunk."""

    model_config = ConfigDict(extra="ignore")

    include_usage: StrictBool = False


class ChatCompletionRequest(BaseModel):
    """`POST /v1/chat/completions`: the customer's message is the last user message."""

    model_config = ConfigDict(extra="ignore")

    model: Text = Field(description="`supportbot`, the served model, or a registered adapter.")
    messages: list[ChatMessage] = Field(min_length=1)
    stream: StrictBool = False
    stream_options: StreamOptions | None = None
    max_tokens: StrictInt | None = Field(None, ge=1, le=4096)
    max_completion_tokens: StrictInt | None = Field(None, ge=1, le=4096)
    temperature: StrictFloat | None = Field(None, ge=0, le=2)
    stop: Text | list[Annotated[Text, StringConstraints(min_length=1)]] | None = None
    n: StrictInt = Field(1, ge=1, le=1, description="Only one reply per request.")
    user: Annotated[Text, StringConstraints(min_length=1, max_length=200)] | None = Field(
        None, description="The caller's id for its customer: later calls continue their chat."
    )
    metadata: dict[str, str] | None = Field(
        None, description="`conversation_id`: continue that conversation (one of this key's)."
    )

    @field_validator("stop")
    @classmethod
    def _at_most_four(cls, value: str | list[str] | None) -> str | list[str] | None:
        if isinstance(value, list) and len(value) > 4:
            raise ValueError("at most 4 stop sequences")
        return value

    def customer_message(self) -> str:
        """The text of the last message, which must be the user's."""
        last = self.messages[-1]
        if last.role != "user":
            raise ValueError("the last message must be the user's")
        text = last.text().strip()
        if not text:
            raise ValueError("the last user message is empty")
        if len(text) > MAX_MESSAGE_CHARS:
            raise ValueError(f"the last user message is longer than {MAX_MESSAGE_CHARS} characters")
        return text

    def stop_sequences(self) -> tuple[str, ...]:
        """`stop` as a tuple."""
        if self.stop is None:
            return ()
        return (self.stop,) if isinstance(self.stop, str) else tuple(self.stop)

    def conversation_id(self) -> uuid.UUID | None:
        """The conversation `metadata` names, if any."""
        value = (self.metadata or {}).get("conversation_id")
        if value is None:
            return None
        try:
            return uuid.UUID(value)
        except ValueError as error:
            raise ValueError("metadata.conversation_id is not a conversation id") from error


class SupportbotInfo(BaseModel):
    """What supportbot adds to an OpenAI response: the conversation and who answers it."""

    conversation_id: uuid.UUID
    conversation_token: str | None = Field(
        None, description="Set once, when the conversation was created (for /api routes)."
    )
    message_id: uuid.UUID
    escalated: bool = False
    escalation_reason: str | None = None
    status: ConversationStatus = ConversationStatus.bot
    sources: list[dict[str, Any]] = Field(default_factory=list)


class Usage(BaseModel):
    """Token counts in the served model's tokenizer."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class AssistantMessage(BaseModel):
    """The reply."""

    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    """The only choice (`n` is 1). `finish_reason` is `content_filter` when the conversation
    went to a person: the bot's own answer was withheld, and `supportbot.escalated` says why."""

    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop", "length", "content_filter"]


class ChatCompletion(BaseModel):
    """`chat.completion`."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    supportbot: SupportbotInfo


class Model(BaseModel):
    """One model a request may name."""

    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "supportbot"


class ModelList(BaseModel):
    """`GET /v1/models`."""

    object: Literal["list"] = "list"
    data: list[Model]


class ErrorDetail(BaseModel):
    """OpenAI's error object."""

    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    """OpenAI's error shape: `{"error": {...}}`."""

    error: ErrorDetail
