"""One chat turn: store the customer's message, prepare the prompt, store the bot's reply.

The database steps are synchronous and open their own sessions, so that the async routes can
run them in the thread pool while generation streams on the event loop.
"""

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from backend.api.schemas import ChatRequest, ChatResponse
from backend.models import Conversation, Message, Role
from backend.models.columns import utcnow
from backend.runtime.assistant import Assistant
from backend.runtime.base import Generation
from backend.services.conversations import (
    conversation_messages,
    find_conversation,
    hash_token,
    new_conversation_token,
)
from prompts import ChatMessages, Turn


class ConversationNotFoundError(LookupError):
    """No conversation with that id and token."""


@dataclass(frozen=True)
class StartedTurn:
    """A stored customer message and everything its reply needs."""

    conversation_id: uuid.UUID
    new_token: str | None
    prompt_messages: ChatMessages
    sources: list[dict[str, Any]] = field(default_factory=list)
    placeholder_values: dict[str, str] = field(default_factory=dict)


def start_turn(
    engine: Engine, request: ChatRequest, token: str | None, assistant: Assistant
) -> StartedTurn:
    """Store the customer's message (creating the conversation if needed) and render the prompt."""
    with Session(engine) as session:
        new_token = None
        if request.conversation_id is None:
            new_token = new_conversation_token()
            conversation = Conversation(token_hash=hash_token(new_token))
            session.add(conversation)
        else:
            found = find_conversation(session, request.conversation_id, token)
            if found is None:
                raise ConversationNotFoundError(str(request.conversation_id))
            conversation = found
        conversation_id = conversation.id
        history = [
            Turn(m.role.value, m.text)
            for m in conversation_messages(session, conversation_id)
            if m.role != Role.system
        ]
        session.add(
            Message(conversation_id=conversation_id, role=Role.customer, text=request.message)
        )
        conversation.updated_at = utcnow()
        session.commit()

    prompt, model = assistant.prompt, assistant.model
    context = prompt.context_for(history, request.message)
    messages = prompt.render_within_budget(
        history, request.message, model.count_tokens, model.prompt_budget, context.text
    )
    return StartedTurn(
        conversation_id=conversation_id,
        new_token=new_token,
        prompt_messages=messages,
        sources=context.sources,
        placeholder_values=prompt.placeholder_values(history, request.message),
    )


def record_reply(
    engine: Engine, turn: StartedTurn, text: str, generation: Generation, assistant: Assistant
) -> ChatResponse:
    """Store the bot's reply with the model, adapter and prompt that made it."""
    with Session(engine) as session:
        message = Message(
            conversation_id=turn.conversation_id,
            role=Role.bot,
            text=text,
            model=assistant.model.info.name,
            adapter_version=assistant.model.info.adapter_version,
            prompt_version=assistant.prompt.version,
            latency_ms=generation.latency_ms,
            generated_tokens=generation.generated_tokens,
            mean_logprob=generation.mean_logprob,
        )
        session.add(message)
        session.commit()
        return ChatResponse(
            conversation_id=turn.conversation_id,
            conversation_token=turn.new_token,
            message_id=message.id,
            reply=message.text,
            sources=turn.sources,
        )
