"""Orders of known customers: facts the bot and the agents see."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.models.columns import timestamp_column, utcnow


class Order(SQLModel, table=True):
    """One order of a customer, as the shop's systems last reported it."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    order_number: str = Field(max_length=64, unique=True)
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True)
    status: str = Field(max_length=32)
    total: float
    currency: str = Field(default="USD", max_length=3)
    items: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    placed_at: datetime = Field(default_factory=utcnow, sa_type=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=timestamp_column())
