"""Conversations and their secret tokens."""

import hashlib
import hmac
import secrets
import uuid

from sqlmodel import Session, col, select

from backend.models import Conversation, Feedback, Message, MessagePublic


def new_conversation_token() -> str:
    """A fresh unguessable token; only its hash is stored."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def find_conversation(
    session: Session, conversation_id: uuid.UUID, token: str | None
) -> Conversation | None:
    """The conversation if `token` is its token; None otherwise, so that it stays invisible."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or token is None:
        return None
    if not hmac.compare_digest(conversation.token_hash, hash_token(token)):
        return None
    return conversation


def conversation_messages(session: Session, conversation_id: uuid.UUID) -> list[Message]:
    """All messages of a conversation, oldest first."""
    statement = (
        select(Message)
        .where(Message.conversation_id == conversation_id)
        .order_by(col(Message.created_at), col(Message.id))
    )
    return list(session.exec(statement))


def public_messages(session: Session, conversation_id: uuid.UUID) -> list[MessagePublic]:
    """The conversation's messages with the customer's rating of each bot reply."""
    ratings = {
        feedback.message_id: feedback.rating
        for feedback in session.exec(
            select(Feedback).where(Feedback.conversation_id == conversation_id)
        )
    }
    return [
        MessagePublic(
            id=m.id, role=m.role, text=m.text, created_at=m.created_at, feedback=ratings.get(m.id)
        )
        for m in conversation_messages(session, conversation_id)
    ]
