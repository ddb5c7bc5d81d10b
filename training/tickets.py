"""Solved tickets as training data: loaded from the database or an export, split once for all.

The held-out split is a function of the ticket's text alone, so training, evaluation and every
later retraining agree on which tickets were never trained on.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from backend.models import Ticket
from backend.services.ticket_import import read_ticket_file
from prompts import ReplyContext, SupportPrompt
from prompts.context import TICKET_CANDIDATES, prefer_topic, solved_ticket_document
from prompts.embeddings import embed
from prompts.placeholders import delexicalize, reply_values
from prompts.topics import Topic
from training.eval_metrics import rouge_l
from training.sft import SupportExample
from training.split import is_held_out_text


@dataclass(frozen=True)
class TicketExample:
    """A customer request and the reply that solved it (PII already redacted when stored)."""

    customer_text: str
    reply: str
    intent: str | None = None


def approved_tickets(engine: Engine) -> list[TicketExample]:
    """Every ticket approved for training, oldest first."""
    return approved_tickets_since(engine, None)[0]


def approved_tickets_since(
    engine: Engine, since: datetime | None
) -> tuple[list[TicketExample], list[TicketExample]]:
    """(approved after `since`, approved before it): the approved tickets, oldest first.

    With no `since` (no run before), every approved ticket is new.
    """
    with Session(engine) as session:
        rows = session.exec(
            select(Ticket)
            .where(col(Ticket.approved_for_training))
            .order_by(col(Ticket.created_at), col(Ticket.id))
        ).all()
        new, older = [], []
        for row in rows:
            is_new = since is None or row.reviewed_at is None or row.reviewed_at > since
            (new if is_new else older).append(
                TicketExample(row.customer_text, row.reply, row.intent)
            )
        return new, older


def file_tickets(path: Path) -> list[TicketExample]:
    """The valid rows of a ticket export (CSV or JSONL, as `import-tickets` reads it)."""
    return [
        TicketExample(row.customer_text, row.reply, row.intent)
        for row in read_ticket_file(path).rows
    ]


def is_held_out(ticket: TicketExample) -> bool:
    """Whether the ticket belongs to the fixed held-out split (about 10 %)."""
    return is_held_out_text(ticket.customer_text)


def split_tickets(
    tickets: Sequence[TicketExample],
) -> tuple[list[TicketExample], list[TicketExample]]:
    """(training, held-out) by the fixed split."""
    held_out = [t for t in tickets if is_held_out(t)]
    return [t for t in tickets if not is_held_out(t)], held_out


def data_hash(tickets: Sequence[TicketExample]) -> str:
    """A fingerprint of the training data, recorded with every adapter."""
    digest = hashlib.sha256()
    for ticket in sorted(tickets, key=lambda t: (t.customer_text, t.reply)):
        digest.update(f"{ticket.customer_text}\x00{ticket.reply}\x00{ticket.intent}\n".encode())
    return digest.hexdigest()


class SolvedTicketIndex(BaseRetriever):
    """Tickets searchable by request (one MiniLM matrix); a langchain-core retriever over them.

    Retrieves `k` candidates as serving's ticket retriever does; the context assembler then puts
    those of the message's topic first.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    documents: list[Document]
    vectors: np.ndarray  # (tickets, dimension), unit rows
    k: int = TICKET_CANDIDATES
    min_score: float = 0.0  # as the serving retriever's SUPPORTBOT_MIN_RETRIEVAL_SCORE

    @classmethod
    def of(cls, tickets: Sequence[TicketExample], min_score: float = 0.0) -> "SolvedTicketIndex":
        """The index of `tickets` (their requests embedded in one batch)."""
        documents = [solved_ticket_document(t.customer_text, t.reply, t.intent) for t in tickets]
        vectors = embed([t.customer_text for t in tickets]) if tickets else np.zeros((0, 0))
        return cls(documents=documents, vectors=vectors, min_score=min_score)

    def nearest(self, vector: np.ndarray, k: int, exclude: str | None = None) -> list[Document]:
        """The `k` tickets whose requests are the most similar, without request `exclude`."""
        if not self.documents:
            return []
        scores = self.vectors @ vector
        ranked = np.argsort(-scores, kind="stable")
        found = []
        for index in ranked:
            document = self.documents[index]
            if document.metadata["customer_text"] == exclude:
                continue
            found.append(
                Document(
                    document.page_content,
                    metadata={**document.metadata, "score": float(scores[index])},
                )
            )
            if len(found) == k:
                break
        return found

    def nearest_solved(
        self, request: str, vector: np.ndarray, topic: str | None
    ) -> Document | None:
        """The solved ticket serving would show next to `request` (whose embedding is `vector`).

        A ticket with the same request is left out: it would be the answer itself.
        """
        candidates = self.nearest(vector, self.k, exclude=request)
        ranked = prefer_topic(candidates, Topic(topic, 1.0) if topic else None)
        return ranked[0] if ranked else None

    def closest_solved(
        self, request: str, vector: np.ndarray, topic: str | None, reply: str
    ) -> Document | None:
        """Of the tickets serving would retrieve for `request`, the one whose reply is most like
        `reply` (ROUGE-L), among those of `topic` when there are any.

        For training examples: a model shown a reply it can largely copy learns to copy from
        its prompt, which it then does with whatever serving retrieves.
        """
        candidates = self.nearest(vector, self.k, exclude=request)
        same_topic = [d for d in candidates if topic and d.metadata.get("intent") == topic]
        pool = same_topic or candidates
        if not pool:
            return None
        overlaps = rouge_l([d.metadata["reply"] for d in pool], [reply] * len(pool))
        return pool[max(range(len(pool)), key=overlaps.__getitem__)]

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        found = self.nearest(embed([query])[0], self.k)
        return [d for d in found if d.metadata["score"] >= self.min_score]


def ticket_example(
    ticket: TicketExample,
    prompt: SupportPrompt,
    topic: str | None,
    solved: Document | None = None,
) -> SupportExample:
    """The ticket as the serving prompt renders it, with its reply as the target.

    A template whose model writes placeholders gets the reply with the company's facts turned
    back into placeholders, as serving fills them in; the context has the topic line (`topic`)
    and the `solved` ticket's reply where the template reads them.
    """
    reply = ticket.reply
    if prompt.placeholders:
        reply = delexicalize(reply, reply_values(prompt.company, [ticket.customer_text]))
    context = ReplyContext(
        topic=Topic(topic, 1.0) if topic else None, tickets=[solved] if solved else []
    )
    return SupportExample(
        prompt.company, [], ticket.customer_text, reply, prompt.context_text(context)
    )
