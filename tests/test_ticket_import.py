"""Ticket import: bad rows reported by line, good ones kept, PII redacted, no duplicates."""

import csv
import itertools
import json
from pathlib import Path

import pytest
from sqlmodel import Session, delete, select

from backend.cli import main as cli
from backend.core.db import create_db_engine
from backend.models import Ticket
from backend.services.ticket_import import TicketFileError, import_tickets, read_ticket_file

BITEXT = Path(__file__).resolve().parents[2] / "shared/data/bitext/support_pairs.csv"

CARD_AND_PHONE = "My card 4111 1111 1111 1111 was charged twice, call me on (555) 017-4420"
CSV_EXPORT = f"""\
Subject,Body,Answer,Topic,was_escalated
a,"{CARD_AND_PHONE}",We refunded the second charge.,payment_issue,no
b,,An answer without a question,refund,no
c,Where is order 48213? Write to jo@example.com,It ships tomorrow.,track_order,maybe
d,Where is order 48213? Write to jo@example.com,It ships tomorrow.,track_order,yes
e,"Where is order 48213? Write to jo@example.com",It ships tomorrow.,track_order,yes
"""


@pytest.fixture
def engine(database_url):
    engine = create_db_engine(database_url)
    yield engine
    with Session(engine) as session:
        session.exec(delete(Ticket))
        session.commit()
    engine.dispose()


def stored(engine):
    with Session(engine) as session:
        return session.exec(select(Ticket).order_by(Ticket.customer_text)).all()


def test_bad_rows_are_reported_by_line_and_good_rows_are_kept_redacted(engine, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text(CSV_EXPORT)
    column_map = {"customer_text": "Body", "reply": "Answer"}
    report = import_tickets(engine, export, column_map=column_map)

    assert [(e.line, e.message.split(":")[0]) for e in report.errors] == [
        (3, "customer_text"),
        (4, "escalated"),
    ]
    assert (report.valid_rows, report.created, report.duplicates_in_file) == (2, 2, 1)
    tickets = stored(engine)
    texts = " ".join(t.customer_text + t.reply for t in tickets)
    assert "4111" not in texts and "017-4420" not in texts and "jo@example.com" not in texts
    assert "[card]" in texts and "[phone]" in texts and "[email]" in texts
    assert "48213" in texts  # order numbers are not personal data
    track = next(t for t in tickets if t.intent == "track_order")
    assert track.escalated and track.approved_for_training and track.source == "import:export.csv"

    again = import_tickets(engine, export, column_map=column_map)
    assert (again.created, again.updated) == (0, 2)
    assert len(stored(engine)) == 2


def test_jsonl_with_broken_lines_and_a_file_without_the_needed_columns(engine, tmp_path):
    export = tmp_path / "tickets.jsonl"
    lines = [
        json.dumps({"question": "Can I pay with PayPal?", "answer": "Yes, we take PayPal."}),
        "{not json",
        json.dumps(["a", "list"]),
        "",
        json.dumps({"question": "Gift wrap?", "answer": "Yes.", "created_at": "2026-01-05"}),
    ]
    export.write_text("\n".join(lines))
    report = import_tickets(engine, export)
    assert [e.line for e in report.errors] == [2, 3]
    assert report.created == 2
    assert {t.created_at.year for t in stored(engine)} >= {2026}

    headless = tmp_path / "other.csv"
    headless.write_text("title,text\nhello,world\n")
    with pytest.raises(TicketFileError, match="no column for customer_text"):
        read_ticket_file(headless)
    with pytest.raises(TicketFileError, match=r"\.csv or \.jsonl"):
        read_ticket_file(tmp_path / "tickets.xlsx")


def test_the_cli_imports_bitext_out_of_the_box(engine, database_url, tmp_path, capsys, monkeypatch):
    if not BITEXT.is_file():
        pytest.skip(f"Bitext sample not found at {BITEXT}")
    sample = tmp_path / "bitext_sample.csv"
    with BITEXT.open(encoding="utf-8", newline="") as source, sample.open("w", newline="") as out:
        reader = csv.DictReader(source)
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames)
        writer.writeheader()
        writer.writerows(itertools.islice(reader, 40))
    monkeypatch.setenv("SUPPORTBOT_DATABASE_URL", database_url)
    from backend.core.config import get_settings

    get_settings.cache_clear()
    try:
        cli(["import-tickets", str(sample)])
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    assert "40 valid rows: 40 new tickets" in out and "0 bad rows" in out
    tickets = stored(engine)
    assert len(tickets) == 40 and all(t.intent and t.category for t in tickets)
