"""Solved tickets as training data: loaded from the database or an export, split once for all.

The held-out split is a function of the ticket's text alone, so training, evaluation and every
later retraining agree on which tickets were never trained on.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from backend.models import Ticket
from backend.services.ticket_import import read_ticket_file
from prompts import SupportPrompt
from prompts.placeholders import delexicalize, reply_values
from prompts.topics import topic_context
from training.sft import SupportExample

HELD_OUT_PERCENT = 10


@dataclass(frozen=True)
class TicketExample:
    """A customer request and the reply that solved it (PII already redacted when stored)."""

    customer_text: str
    reply: str
    intent: str | None = None


def approved_tickets(engine: Engine) -> list[TicketExample]:
    """Every ticket approved for training, oldest first."""
    with Session(engine) as session:
        rows = session.exec(
            select(Ticket)
            .where(col(Ticket.approved_for_training))
            .order_by(col(Ticket.created_at), col(Ticket.id))
        ).all()
        return [TicketExample(t.customer_text, t.reply, t.intent) for t in rows]


def file_tickets(path: Path) -> list[TicketExample]:
    """The valid rows of a ticket export (CSV or JSONL, as `import-tickets` reads it)."""
    return [
        TicketExample(row.customer_text, row.reply, row.intent)
        for row in read_ticket_file(path).rows
    ]


def is_held_out(ticket: TicketExample) -> bool:
    """Whether the ticket belongs to the fixed held-out split (about 10 %)."""
    digest = hashlib.sha256(ticket.customer_text.strip().lower().encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HELD_OUT_PERCENT


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


def ticket_example(
    ticket: TicketExample, prompt: SupportPrompt, topic: str | None
) -> SupportExample:
    """The ticket as the serving prompt renders it, with its reply as the target.

    A template whose model writes placeholders gets the reply with the company's facts turned
    back into placeholders, as serving fills them in; the topic line uses `topic`.
    """
    reply = ticket.reply
    if prompt.placeholders:
        reply = delexicalize(reply, reply_values(prompt.company, [ticket.customer_text]))
    context = topic_context(topic) if topic and "topic" in prompt.context_blocks else ""
    return SupportExample(prompt.company, [], ticket.customer_text, reply, context)
