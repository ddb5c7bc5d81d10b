"""Help-center articles that replies are grounded in."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.models.columns import timestamp_column, utcnow

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


class HelpArticleBase(SQLModel):
    slug: str = Field(max_length=200, unique=True, schema_extra={"pattern": SLUG_PATTERN})
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=100_000, sa_type=sa.Text)
    url: str | None = Field(default=None, max_length=2000)


class HelpArticle(HelpArticleBase, table=True):
    """An article; `embedding` (float32 MiniLM vector of title and body) indexes it."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    embedding: bytes = Field(sa_type=sa.LargeBinary)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=timestamp_column(), index=True)


class HelpArticlePublic(HelpArticleBase):
    """An article as the admin API shows it."""

    id: uuid.UUID
    updated_at: datetime
