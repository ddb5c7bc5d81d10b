"""Rate-limit buckets, kept in the database so that every worker and replica counts together."""

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class RateLimitBucket(SQLModel, table=True):
    """One client's leaky bucket (GCRA): each request pours in its share of the window, and
    the bucket drains in real time; it is empty again at `empty_at_ms` (Unix milliseconds)."""

    key: str = Field(max_length=200, primary_key=True)
    empty_at_ms: int = Field(sa_type=sa.BigInteger)
