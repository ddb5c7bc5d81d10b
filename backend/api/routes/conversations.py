"""A customer's view of their conversation: messages, live updates, and feedback on replies."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Engine
from sqlmodel import Session, select
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from backend.api.deps import EngineDep, PolicyDep, SessionDep, VisibleConversationDep
from backend.api.errors import RATE_LIMITED, UNAVAILABLE, error
from backend.api.rate_limits import limit_conversation
from backend.api.schemas import ConversationPublic, FeedbackPublic, FeedbackRequest
from backend.models import Conversation, ConversationStatus, Feedback, Message, Role
from backend.services.conversations import public_messages
from backend.services.handoff import hand_to_person

router = APIRouter(
    prefix="/api/conversations", tags=["conversations"], responses={**RATE_LIMITED, **UNAVAILABLE}
)

_NOT_FOUND = error(404, "conversation not found")

EVENTS_POLL_SECONDS = 1.0


@router.get("/{conversation_id}", responses=_NOT_FOUND)
def read_conversation(
    conversation: VisibleConversationDep, session: SessionDep
) -> ConversationPublic:
    """The conversation and its messages; needs the conversation's token."""
    return ConversationPublic(
        id=conversation.id,
        status=conversation.status,
        created_at=conversation.created_at,
        messages=public_messages(session, conversation.id),
    )


@router.get(
    "/{conversation_id}/events",
    response_class=EventSourceResponse,
    responses={
        200: {"description": "`status` events, and a `message` event for every new message."},
        **_NOT_FOUND,
    },
)
async def conversation_events(
    conversation: VisibleConversationDep,
    engine: EngineDep,
    after: Annotated[
        datetime | None, Query(description="Only messages created after this time.")
    ] = None,
) -> EventSourceResponse:
    """Live updates of the conversation (an agent's replies, status changes) as server-sent events.

    The database is read about once a second, so an update written by any worker arrives.
    """
    return EventSourceResponse(_updates(engine, conversation.id, after), ping=15)


async def _updates(
    engine: Engine, conversation_id: uuid.UUID, after: datetime | None
) -> AsyncIterator[ServerSentEvent]:
    last_status: ConversationStatus | None = None
    while True:
        current, messages = await run_in_threadpool(_read_updates, engine, conversation_id, after)
        if current != last_status:
            last_status = current
            yield ServerSentEvent(json.dumps({"status": current.value}), event="status")
        for message in messages:
            after = message.created_at
            yield ServerSentEvent(message.model_dump_json(), event="message")
        await asyncio.sleep(EVENTS_POLL_SECONDS)


def _read_updates(
    engine: Engine, conversation_id: uuid.UUID, after: datetime | None
) -> tuple[ConversationStatus, list]:
    with Session(engine) as session:
        conversation = session.get_one(Conversation, conversation_id)
        return conversation.status, public_messages(session, conversation_id, after)


@router.post(
    "/{conversation_id}/feedback",
    dependencies=[Depends(limit_conversation)],
    responses=error(404, "conversation or message not found"),
)
def give_feedback(
    body: FeedbackRequest,
    conversation: VisibleConversationDep,
    session: SessionDep,
    policy: PolicyDep,
) -> FeedbackPublic:
    """Rate a bot reply; a new rating replaces the old one. A thumbs-down may fetch a person."""
    message = session.get(Message, body.message_id)
    if message is None or message.conversation_id != conversation.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="message not found")
    if message.role != Role.bot or message.escalated:
        issue = {
            "type": "value_error",
            "loc": ("body", "message_id"),
            "msg": "only bot replies can be rated (not agents' replies or hand-off notices)",
            "input": str(body.message_id),
        }
        raise RequestValidationError([issue])
    feedback = session.exec(select(Feedback).where(Feedback.message_id == message.id)).first()
    if feedback is None:
        feedback = Feedback(
            message_id=message.id, conversation_id=conversation.id, rating=body.rating
        )
    feedback.rating, feedback.comment = body.rating, body.comment
    session.add(feedback)
    handoff = None
    decision = policy.after_feedback(body.rating.value)
    if decision and conversation.status == ConversationStatus.bot:
        handoff = hand_to_person(session, conversation, decision, policy)
    session.commit()
    return FeedbackPublic(
        message_id=message.id,
        rating=feedback.rating,
        escalated=handoff is not None,
        escalation_reason=decision.reason if handoff else None,
        status=conversation.status,
    )
