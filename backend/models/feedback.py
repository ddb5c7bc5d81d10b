"""Thumbs up or down that a customer gives a bot reply."""

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.models.columns import enum_column, timestamp_column, utcnow


class Rating(enum.StrEnum):
    """The customer's verdict on a reply."""

    up = "up"
    down = "down"


class Feedback(SQLModel, table=True):
    """The latest rating of one message (a new rating replaces the old one)."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    message_id: uuid.UUID = Field(foreign_key="message.id", unique=True)
    conversation_id: uuid.UUID = Field(foreign_key="conversation.id", index=True)
    rating: Rating = Field(sa_type=enum_column(Rating))
    comment: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=timestamp_column())
