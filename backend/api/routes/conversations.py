"""A customer's view of their conversation, and feedback on bot replies."""

from fastapi import APIRouter, HTTPException, status
from sqlmodel import select

from backend.api.deps import SessionDep, VisibleConversationDep
from backend.api.schemas import ConversationPublic, FeedbackPublic, FeedbackRequest
from backend.models import Feedback, Message, Role
from backend.services.conversations import public_messages

router = APIRouter(prefix="/api/conversations", tags=["conversations"])


@router.get("/{conversation_id}", responses={404: {"description": "conversation not found"}})
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


@router.post(
    "/{conversation_id}/feedback",
    responses={404: {"description": "conversation or message not found"}},
)
def give_feedback(
    body: FeedbackRequest, conversation: VisibleConversationDep, session: SessionDep
) -> FeedbackPublic:
    """Rate a bot reply of the conversation; a new rating replaces the previous one."""
    message = session.get(Message, body.message_id)
    if message is None or message.conversation_id != conversation.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="message not found")
    if message.role != Role.bot:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="only bot replies can be rated"
        )
    feedback = session.exec(select(Feedback).where(Feedback.message_id == message.id)).first()
    if feedback is None:
        feedback = Feedback(
            message_id=message.id, conversation_id=conversation.id, rating=body.rating
        )
    feedback.rating, feedback.comment = body.rating, body.comment
    session.add(feedback)
    session.commit()
    return FeedbackPublic(message_id=message.id, rating=feedback.rating)
