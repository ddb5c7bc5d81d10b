"""Nearest-neighbour search over help articles and solved tickets, kept in step with the database.

Embeddings live in the database (one float32 MiniLM vector per row), so every worker process
builds the same index. Each process keeps the vectors in memory as one matrix and, at most once
per `refresh_seconds`, asks the database whether rows changed (count and newest `updated_at`);
then it loads only the changed rows, or everything after a deletion. A search is a single
matrix-vector product: exact, and a few milliseconds at 100k tickets.
"""

import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np
import sqlalchemy as sa
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict
from sqlalchemy import Engine
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from backend.models import HelpArticle, Ticket
from prompts.context import solved_ticket_document
from prompts.embeddings import embed

EMBEDDING_DTYPE = np.float32


def vector_to_bytes(vector: np.ndarray) -> bytes:
    """How an embedding is stored in the database."""
    return np.asarray(vector, dtype=EMBEDDING_DTYPE).tobytes()


IndexedTable = type[HelpArticle] | type[Ticket]


class EmbeddingIndex:
    """The embeddings of one table's rows (those matching `where`), searchable in memory."""

    def __init__(
        self,
        engine: Engine,
        table: IndexedTable,
        where: Callable[[], Any] | None = None,
        refresh_seconds: float = 1.0,
    ) -> None:
        self.engine = engine
        self.table = table
        self.where = where
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._ids: list[uuid.UUID] = []
        self._positions: dict[uuid.UUID, int] = {}
        self._vectors = np.zeros((0, 0), dtype=EMBEDDING_DTYPE)
        self._signature: tuple[int, datetime | None] | None = None
        self._checked_at = float("-inf")

    def __len__(self) -> int:
        return len(self._ids)

    def search(self, query: np.ndarray, k: int) -> list[tuple[uuid.UUID, float]]:
        """The ids of the `k` rows most similar to `query` (a unit vector), best first."""
        self.refresh()
        with self._lock:
            n = len(self._ids)
            if n == 0 or k <= 0:
                return []
            scores = self._vectors[:n] @ query.astype(EMBEDDING_DTYPE)
            top = np.argpartition(-scores, k - 1)[:k] if k < n else np.arange(n)
            best = top[np.argsort(-scores[top])]
            return [(self._ids[i], float(scores[i])) for i in best]

    def refresh(self, force: bool = False) -> None:
        """Load rows that changed since the last refresh (throttled unless `force`)."""
        now = time.monotonic()
        if not force and now - self._checked_at < self.refresh_seconds:
            return
        self._checked_at = now
        with Session(self.engine) as session:
            signature = self._current_signature(session)
            if signature == self._signature:
                return
            since = self._signature[1] if self._signature else None
            rows = session.exec(self._rows_statement(since)).all()
        with self._lock:
            if since is None:
                self._reset()
            self._upsert(rows)
            if len(self._ids) != signature[0]:  # rows were deleted: rebuild from scratch
                self._reset()
                with Session(self.engine) as session:
                    self._upsert(session.exec(self._rows_statement(None)).all())
            self._signature = signature

    def _filtered(self, statement: Any) -> Any:
        return statement.where(self.where()) if self.where else statement

    def _current_signature(self, session: Session) -> tuple[int, datetime | None]:
        statement = self._filtered(
            select(sa.func.count(), sa.func.max(col(self.table.updated_at))).select_from(self.table)
        )
        count, newest = session.exec(statement).one()
        return int(count), newest

    def _rows_statement(self, since: datetime | None) -> Any:
        statement = self._filtered(select(self.table.id, self.table.embedding))
        return statement if since is None else statement.where(self.table.updated_at >= since)

    def _reset(self) -> None:
        self._ids, self._positions = [], {}
        self._vectors = np.zeros((0, 0), dtype=EMBEDDING_DTYPE)

    def _upsert(self, rows: list[tuple[uuid.UUID, bytes]]) -> None:
        for row_id, blob in rows:
            vector = np.frombuffer(blob, dtype=EMBEDDING_DTYPE)
            position = self._positions.get(row_id)
            if position is None:
                position = len(self._ids)
                self._ensure_capacity(position + 1, vector.shape[0])
                self._ids.append(row_id)
                self._positions[row_id] = position
            self._vectors[position] = vector

    def _ensure_capacity(self, rows: int, dimension: int) -> None:
        # Grow geometrically: appending one ticket must not copy the whole matrix every time.
        if self._vectors.shape[0] >= rows:
            return
        grown = np.zeros((max(rows, 2 * self._vectors.shape[0], 64), dimension), EMBEDDING_DTYPE)
        if self._ids:
            grown[: len(self._ids)] = self._vectors[: len(self._ids)]
        self._vectors = grown


class IndexRetriever(BaseRetriever):
    """A langchain-core retriever over an `EmbeddingIndex`: top `k` rows scoring >= `min_score`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: EmbeddingIndex
    to_document: Callable[[Any, float], Document]
    k: int = 2
    min_score: float = 0.4

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        if self.k <= 0:
            return []
        hits = [
            (row_id, score)
            for row_id, score in self.index.search(embed([query])[0], self.k)
            if score >= self.min_score
        ]
        if not hits:
            return []
        table = self.index.table
        with Session(self.index.engine) as session:
            rows = {
                row.id: row
                for row in session.exec(
                    select(table)
                    .where(col(table.id).in_([row_id for row_id, _ in hits]))
                    .options(defer(table.embedding))  # the index has it: skip the blob
                )
            }
        return [self.to_document(rows[i], score) for i, score in hits if i in rows]


def article_document(article: HelpArticle, score: float) -> Document:
    """A help article as retrieved context."""
    return Document(
        page_content=article.body,
        metadata={
            "id": str(article.id),
            "slug": article.slug,
            "title": article.title,
            "url": article.url,
            "score": round(score, 4),
        },
    )


def ticket_document(ticket: Ticket, score: float) -> Document:
    """A solved ticket as retrieved context (its texts never reach the sources)."""
    return solved_ticket_document(
        ticket.customer_text, ticket.reply, ticket.intent, id=str(ticket.id), score=round(score, 4)
    )


def article_retriever(engine: Engine, k: int, min_score: float) -> IndexRetriever:
    """Retrieves the help-center articles closest to a query."""
    return IndexRetriever(
        index=EmbeddingIndex(engine, HelpArticle),
        to_document=article_document,
        k=k,
        min_score=min_score,
    )


def ticket_retriever(engine: Engine, k: int, min_score: float) -> IndexRetriever:
    """Retrieves the solved tickets (approved for training) closest to a query."""
    return IndexRetriever(
        index=EmbeddingIndex(engine, Ticket, where=lambda: col(Ticket.approved_for_training)),
        to_document=ticket_document,
        k=k,
        min_score=min_score,
    )
