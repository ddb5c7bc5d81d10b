"""The agents' inbox: the queue, a conversation, reply, suggested draft, hand back, resolve."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from starlette.concurrency import run_in_threadpool

from backend.api.agent_schemas import (
    AgentConversation,
    AgentPublic,
    AgentReply,
    ConversationState,
    Draft,
    Queue,
    Resolved,
    ResolveRequest,
)
from backend.api.deps import AgentDep, AssistantDep, EngineDep, SessionDep
from backend.api.errors import AGENT_KEY, RATE_LIMITED, UNAVAILABLE, error
from backend.api.links import RESOLVED_LINKS
from backend.models import Conversation, MessagePublic
from backend.runtime.base import GenerationError
from backend.runtime.solved_replies import whole_reply
from backend.services import handoff, inbox
from backend.services.chat import NothingToAnswerError, prepare_draft
from backend.services.conversations import public_messages
from prompts.placeholders import fill_placeholders

router = APIRouter(
    prefix="/api/agent", tags=["agents"], responses={**AGENT_KEY, **RATE_LIMITED, **UNAVAILABLE}
)

_NOT_FOUND = error(404, "conversation not found")


def get_conversation(conversation_id: uuid.UUID, session: SessionDep) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="conversation not found")
    return conversation


ConversationDep = Annotated[Conversation, Depends(get_conversation)]


@router.get("/me")
def me(agent: AgentDep) -> AgentPublic:
    """The agent the API key belongs to."""
    return AgentPublic(name=agent.name, is_admin=agent.is_admin)


@router.get("/queue")
def read_queue(agent: AgentDep, session: SessionDep) -> Queue:
    """Conversations waiting for a person (and those agents handle), longest-waiting first."""
    return Queue(items=inbox.queue(session))


@router.get("/conversations/{conversation_id}", responses=_NOT_FOUND)
def read_conversation(
    agent: AgentDep, conversation: ConversationDep, session: SessionDep
) -> AgentConversation:
    """A conversation with the customer's facts, the bot's sources and its draft."""
    return inbox.agent_conversation(session, conversation)


@router.post(
    "/conversations/{conversation_id}/draft",
    responses={
        **_NOT_FOUND,
        **error(409, "no customer message to answer"),
        **error(503, "the model is not ready or could not write the draft"),
    },
)
async def suggest_draft(
    agent: AgentDep, conversation: ConversationDep, engine: EngineDep, assistant: AssistantDep
) -> Draft:
    """The reply the bot would write now, as a suggestion for the agent."""

    try:
        prepared = await run_in_threadpool(prepare_draft, engine, conversation.id, assistant)
    except NothingToAnswerError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(error)) from error
    try:
        generation = await whole_reply(
            assistant.model, prepared.prompt_messages, prepared.solved_replies
        )
    except GenerationError as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(error)) from error
    return Draft(
        text=fill_placeholders(generation.text, prepared.placeholder_values),
        sources=prepared.sources,
    )


@router.post(
    "/conversations/{conversation_id}/messages",
    responses={**_NOT_FOUND, **error(409, "the conversation is resolved")},
)
def reply(
    body: AgentReply, agent: AgentDep, conversation: ConversationDep, session: SessionDep
) -> MessagePublic:
    """Answer the customer; the agent takes over the conversation (the bot stays silent)."""
    try:
        message = handoff.agent_reply(session, conversation, agent.id, body.text)
    except handoff.HandoffError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(error)) from error
    return next(m for m in public_messages(session, conversation.id) if m.id == message.id)


@router.post(
    "/conversations/{conversation_id}/hand-back",
    responses={**_NOT_FOUND, **error(409, "no person handles the conversation")},
)
def hand_back(
    agent: AgentDep, conversation: ConversationDep, session: SessionDep
) -> ConversationState:
    """Let the bot answer the conversation again."""
    try:
        handoff.hand_back(session, conversation)
    except handoff.HandoffError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(error)) from error
    return ConversationState(id=conversation.id, status=conversation.status)


@router.post(
    "/conversations/{conversation_id}/resolve",
    responses={**_NOT_FOUND, **error(409, "nothing to resolve")},
    openapi_extra=RESOLVED_LINKS,
)
def resolve(
    body: ResolveRequest, agent: AgentDep, conversation: ConversationDep, session: SessionDep
) -> Resolved:
    """Close the conversation; it becomes a solved ticket in the review list.

    Ticked `approved_for_training` by an admin agent (a reviewer), it is approved at once.
    """
    approved_by = agent.name if body.approved_for_training and agent.is_admin else None
    try:
        ticket = handoff.resolve(session, conversation, approved_by)
    except handoff.HandoffError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(error)) from error
    return Resolved(
        conversation_id=conversation.id,
        status=conversation.status,
        ticket_id=ticket.id,
        approved_for_training=ticket.approved_for_training,
    )
