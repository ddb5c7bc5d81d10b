"""The adapter registry: every trained LoRA adapter, and which one serves (promotion history)."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.models.columns import timestamp_column, utcnow


class Adapter(SQLModel, table=True):
    """A versioned adapter directory and what it was made from and scored."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    version: str = Field(max_length=100, unique=True)
    path: str = Field(max_length=1000)
    base_model: str = Field(max_length=300)
    prompt_version: str = Field(max_length=100)
    data_hash: str = Field(max_length=64)
    train_tickets: int
    hyperparameters: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    metrics: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=timestamp_column())


class AdapterPromotion(SQLModel, table=True):
    """One promotion: from then on this adapter (None: the bare base model) serves."""

    id: int | None = Field(default=None, primary_key=True)
    adapter_id: uuid.UUID | None = Field(default=None, foreign_key="adapter.id")
    promoted_at: datetime = Field(default_factory=utcnow, sa_type=timestamp_column(), index=True)
    note: str = Field(default="", max_length=300)
