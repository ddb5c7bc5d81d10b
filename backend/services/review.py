"""The review list: solved conversations wait here until a reviewer approves, edits or rejects.

Only approved tickets train adapters and serve as retrieval examples; each records who
approved (or rejected) it and when.
"""

from sqlmodel import Session, col, func, select

from backend.models import ReviewStatus, Ticket
from backend.models.columns import utcnow
from backend.services.retrieval import vector_to_bytes
from backend.services.tickets import content_hash
from prompts.embeddings import embed
from prompts.redaction import redact_pii


class ReviewError(ValueError):
    """The review cannot be recorded (the edit makes it a copy of another ticket)."""


def pending_tickets(session: Session, limit: int = 50, offset: int = 0) -> list[Ticket]:
    """Tickets waiting for review, oldest first."""
    statement = (
        select(Ticket)
        .where(Ticket.review_status == ReviewStatus.pending)
        .order_by(col(Ticket.created_at), col(Ticket.id))
        .offset(offset)
        .limit(limit)
    )
    return list(session.exec(statement))


def count_pending(session: Session) -> int:
    """How many tickets wait for review."""
    statement = select(func.count()).where(Ticket.review_status == ReviewStatus.pending)
    return session.exec(statement).one()


def approve(
    session: Session,
    ticket: Ticket,
    reviewer: str,
    customer_text: str | None = None,
    reply: str | None = None,
) -> Ticket:
    """Approve `ticket` for training, with the reviewer's edits of its text if any (redacted)."""
    if customer_text is not None or reply is not None:
        _edit(session, ticket, customer_text, reply)
    return _review(session, ticket, reviewer, ReviewStatus.approved)


def reject(session: Session, ticket: Ticket, reviewer: str) -> Ticket:
    """Keep `ticket` out of training and retrieval."""
    return _review(session, ticket, reviewer, ReviewStatus.rejected)


def _edit(session: Session, ticket: Ticket, customer_text: str | None, reply: str | None) -> None:
    new_text = redact_pii(customer_text) if customer_text is not None else ticket.customer_text
    new_reply = redact_pii(reply) if reply is not None else ticket.reply
    digest = content_hash(new_text, new_reply)
    twin = session.exec(select(Ticket).where(Ticket.content_hash == digest)).first()
    if twin is not None and twin.id != ticket.id:
        raise ReviewError(f"the edited ticket is the same as ticket {twin.id}")
    if new_text != ticket.customer_text:
        ticket.embedding = vector_to_bytes(embed([new_text])[0])
    ticket.customer_text, ticket.reply, ticket.content_hash = new_text, new_reply, digest


def _review(session: Session, ticket: Ticket, reviewer: str, verdict: ReviewStatus) -> Ticket:
    ticket.review_status = verdict
    ticket.approved_for_training = verdict == ReviewStatus.approved
    ticket.reviewed_by, ticket.reviewed_at = reviewer, utcnow()
    ticket.updated_at = ticket.reviewed_at  # the retrieval index follows the change
    session.add(ticket)
    session.commit()
    session.refresh(ticket)
    return ticket
