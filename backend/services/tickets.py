"""Solved tickets: stored with personal data redacted, de-duplicated, embedded for retrieval."""

import hashlib
import uuid
from dataclasses import dataclass

from sqlmodel import Session, select

from backend.models import Ticket
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
    conversation_id: uuid.UUID | None = None


def content_hash(customer_text: str, reply: str) -> str:
    """Identifies a ticket by its (redacted) text, so the same ticket is stored once."""
    return hashlib.sha256(f"{customer_text}\x00{reply}".encode()).hexdigest()


def store_tickets(session: Session, tickets: list[SolvedTicket]) -> list[Ticket]:
    """Redact, embed and add `tickets` to the session; one already stored is updated instead.

    The caller commits, so a ticket and the change that produced it land together.
    """
    redacted = [(redact_pii(t.customer_text), redact_pii(t.reply), t) for t in tickets]
    vectors = embed([text for text, _, _ in redacted]) if redacted else []
    stored = []
    for (customer_text, reply, ticket), vector in zip(redacted, vectors, strict=True):
        digest = content_hash(customer_text, reply)
        row = session.exec(select(Ticket).where(Ticket.content_hash == digest)).first()
        if row is None:
            row = Ticket(
                customer_text=customer_text,
                reply=reply,
                source=ticket.source,
                content_hash=digest,
                embedding=b"",
            )
        row.intent, row.category = ticket.intent or row.intent, ticket.category or row.category
        row.escalated = ticket.escalated
        row.approved_for_training = ticket.approved_for_training
        row.conversation_id = ticket.conversation_id or row.conversation_id
        row.embedding = vector_to_bytes(vector)
        session.add(row)
        stored.append(row)
    session.flush()
    return stored
