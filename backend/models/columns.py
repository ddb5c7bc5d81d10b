"""Column helpers shared by the tables."""

import enum
from datetime import UTC, datetime

import sqlalchemy as sa


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no time zone, so its values come back naive; without this, times from SQLite
    and PostgreSQL could not be compared or subtracted alike.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def timestamp_column() -> sa.types.TypeEngine:
    """A timezone-aware timestamp column type (UTC)."""
    return UTCDateTime()


def enum_column(enum_type: type[enum.Enum]) -> sa.types.TypeEngine:
    """An enum stored as its string value (VARCHAR), portable across databases."""
    return sa.Enum(
        enum_type,
        native_enum=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
    )
