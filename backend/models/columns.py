"""Column helpers shared by the tables."""

import enum
from datetime import UTC, datetime

import sqlalchemy as sa


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def timestamp_column() -> sa.types.TypeEngine:
    """A timezone-aware timestamp column type."""
    return sa.DateTime(timezone=True)


def enum_column(enum_type: type[enum.Enum]) -> sa.types.TypeEngine:
    """An enum stored as its string value (VARCHAR), portable across databases."""
    return sa.Enum(
        enum_type,
        native_enum=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
    )
