"""Solved tickets: stored with personal data redacted, de-duplicated, embedded for retrieval."""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from backend.models import ReviewStatus, Ticket
from backend.models.columns import utcnow
from backend.services.retrieval import vector_to_bytes
from prompts.embeddings import embed
from prompts.redaction import redact_pii


@dataclass(frozen=True)
class SolvedTicket:
    """A ticket before it is stored (text may still hold personal data)."""

    customer_text: str
    reply: str
    source: str
    intent: str | None = None
    category: str | None = None
    escalated: bool = False
    approved_for_training: bool = False
    reviewed_by: str | None = None  # who approved it; default: its source (an import, the demo)
    bot_draft: str | None = None  # the bot's reply, beside the agent's, for the reviewer
    conversation_id: uuid.UUID | None = None
    created_at: datetime | None = None  # when the ticket was solved; default: now


def content_hash(customer_text: str, reply: str) -> str:
    """Identifies a ticket by its (redacted) text, so the same ticket is stored once."""
    return hashlib.sha256(f"{customer_text}\x00{reply}".encode()).hexdigest()


@dataclass(frozen=True)
class StoredTickets:
    """The stored rows, and how many of them are new (the others had the same text)."""

    tickets: list[Ticket]
    created: int


def store_tickets(session: Session, tickets: list[SolvedTicket]) -> StoredTickets:
    """Redact, embed and add `tickets` to the session; one already stored is updated instead.

    A ticket marked approved is approved from now on (by `reviewed_by`, else its source); one
    not marked waits for review, or keeps the review it already had.

    The caller commits, so a ticket and the change that produced it land together.
    """
    redacted = [(redact_pii(t.customer_text), redact_pii(t.reply), t) for t in tickets]
    digests = [content_hash(text, reply) for text, reply, _ in redacted]
    existing = (
        {
            row.content_hash: row
            for row in session.exec(select(Ticket).where(col(Ticket.content_hash).in_(digests)))
        }
        if digests
        else {}
    )
    vectors = embed([text for text, _, _ in redacted]) if redacted else []
    stored, created = [], 0
    for (customer_text, reply, ticket), digest, vector in zip(
        redacted, digests, vectors, strict=True
    ):
        row = existing.get(digest)
        if row is None:
            created += 1
            row = existing[digest] = Ticket(
                customer_text=customer_text,
                reply=reply,
                source=ticket.source,
                content_hash=digest,
                embedding=b"",
                created_at=ticket.created_at or utcnow(),
            )
        row.intent, row.category = ticket.intent or row.intent, ticket.category or row.category
        row.escalated = ticket.escalated
        if ticket.approved_for_training and row.review_status != ReviewStatus.approved:
            row.review_status = ReviewStatus.approved
            row.reviewed_by, row.reviewed_at = ticket.reviewed_by or ticket.source, utcnow()
        row.approved_for_training = row.review_status == ReviewStatus.approved
        row.bot_draft = ticket.bot_draft or row.bot_draft
        row.conversation_id = ticket.conversation_id or row.conversation_id
        row.embedding = vector_to_bytes(vector)
        row.updated_at = utcnow()
        session.add(row)
        stored.append(row)
    session.flush()
    return StoredTickets(stored, created)
