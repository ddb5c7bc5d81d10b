"""Conversations and their secret tokens."""

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime

from sqlmodel import Session, col, select

from backend.models import Agent, Conversation, Feedback, Message, MessagePublic


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


def public_messages(
    session: Session, conversation_id: uuid.UUID, after: datetime | None = None
) -> list[MessagePublic]:
    """The conversation's messages (those created after `after`, if given), oldest first.

    Each comes with the customer's rating of it and, for agent replies, the agent's name.
    """
    ratings = {
        feedback.message_id: feedback.rating
        for feedback in session.exec(
            select(Feedback).where(Feedback.conversation_id == conversation_id)
        )
    }
    statement = (
        select(Message, Agent.name)
        .join(Agent, col(Message.agent_id) == col(Agent.id), isouter=True)
        .where(Message.conversation_id == conversation_id)
        .order_by(col(Message.created_at), col(Message.id))
    )
    if after is not None:
        statement = statement.where(col(Message.created_at) > after)
    return [
        MessagePublic.model_validate(
            message, update={"feedback": ratings.get(message.id), "author": author}
        )
        for message, author in session.exec(statement)
    ]
