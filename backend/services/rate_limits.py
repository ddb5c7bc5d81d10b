"""Rate limits counted in the database, so that every worker and replica of a deployment counts
together: a leaky bucket per client (GCRA), poured into by one atomic upsert per request.

A limit of N a minute lets a client send N requests at once, then one every 60/N seconds; a
bucket left alone for a minute is empty again. Buckets that have drained are deleted now and
then (they count as empty whether they exist or not).
"""

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.dialects import postgresql, sqlite

from backend.core.db import write_lock
from backend.models import RateLimitBucket

logger = logging.getLogger(__name__)

WINDOW_MS = 60_000
BUSY_RETRIES = 2

_BUCKETS = RateLimitBucket.__table__


@dataclass(frozen=True)
class Limit:
    """At most `per_minute` requests a minute from one client (`name` says of what kind)."""

    name: str  # ip, conversation, api_key, agent_key: also the label of the refusals' metric
    client: str
    per_minute: int

    @property
    def key(self) -> str:
        return f"{self.name}:{self.client}"


@dataclass(frozen=True)
class Refusal:
    """The limit a request exceeded, and the whole seconds until one more is allowed."""

    limit: Limit
    retry_after_s: int


class RateLimiter:
    """Counts requests against limits in the database; `clock` gives Unix seconds."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine, self.clock = engine, clock
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        self._pruned_at_ms = 0

    def hit(self, limits: Sequence[Limit]) -> Refusal | None:
        """Count one request against every limit (0 a minute: none); if any refuses it, none
        counts it. One short transaction; SQLite's lock is retried briefly, then let pass."""
        # Always in the same order, so that two requests never wait for each other's buckets.
        limits = sorted((limit for limit in limits if limit.per_minute > 0), key=lambda x: x.key)
        if not limits:
            return None
        now_ms = int(self.clock() * 1000)
        for attempt in range(BUSY_RETRIES + 1):
            try:
                refusal = self._count(limits, now_ms)
                break
            except sa.exc.OperationalError as error:
                if not _sqlite_busy(error):
                    raise
                if attempt == BUSY_RETRIES:  # a limiter must not take the service down
                    logger.warning("rate limits not counted, the database is busy: %s", error)
                    return None
            time.sleep(0.005 * 2**attempt)
        if now_ms - self._pruned_at_ms >= WINDOW_MS:
            self._prune(now_ms)
        return refusal

    def _count(self, limits: Sequence[Limit], now_ms: int) -> Refusal | None:
        # The connection first, then the lock: a writer holding the lock must never wait for
        # the pool, whose connections may all be held by sessions waiting for the lock.
        with self.engine.connect() as connection, write_lock(self.engine):
            refusal = self._pour(connection, limits, now_ms)
            if refusal is None:
                connection.commit()
            else:
                connection.rollback()
            return refusal

    def _pour(self, connection: Connection, limits: Sequence[Limit], now_ms: int) -> Refusal | None:
        for limit in limits:
            share = max(1, WINDOW_MS // limit.per_minute)  # what one request pours in, in ms
            capacity = share * limit.per_minute
            now = sa.literal(now_ms, sa.BigInteger)
            level = sa.case((_BUCKETS.c.empty_at_ms > now, _BUCKETS.c.empty_at_ms), else_=now)
            statement = (
                self._insert(_BUCKETS)
                .values(key=limit.key, empty_at_ms=now_ms + share)
                .on_conflict_do_update(
                    index_elements=[_BUCKETS.c.key],
                    set_={"empty_at_ms": level + share},
                    where=level + share - now <= capacity,
                )
                .returning(_BUCKETS.c.empty_at_ms)
            )
            if connection.execute(statement).first() is not None:
                continue
            # Full: nothing was updated, so nothing returned. One more fits once it has drained.
            empty_at_ms = connection.execute(
                sa.select(_BUCKETS.c.empty_at_ms).where(_BUCKETS.c.key == limit.key)
            ).scalar_one()
            wait_ms = empty_at_ms + share - capacity - now_ms
            return Refusal(limit, max(1, math.ceil(wait_ms / 1000)))
        return None

    def _prune(self, now_ms: int) -> None:
        """Delete the buckets that have drained (in this process about once a minute)."""
        self._pruned_at_ms = now_ms
        try:
            with self.engine.connect() as connection, write_lock(self.engine):  # as `_count`
                connection.execute(sa.delete(_BUCKETS).where(_BUCKETS.c.empty_at_ms <= now_ms))
                connection.commit()
        except sa.exc.OperationalError as error:
            if not _sqlite_busy(error):
                raise
            logger.info("drained rate-limit buckets kept for now, the database is busy")


def _sqlite_busy(error: sa.exc.OperationalError) -> bool:
    return "database is locked" in str(error.orig) or "database is busy" in str(error.orig)
