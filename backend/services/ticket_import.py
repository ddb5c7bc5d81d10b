"""Read a ticket export (CSV or JSONL) into validated tickets, reporting bad rows by line.

Columns are found by name. Each field has the names it is known by in common exports, Bitext's
included (`instruction`, `response`, `intent`, `category`); `--map field=column` names others.

| field          | required | known column names                                       |
|----------------|----------|----------------------------------------------------------|
| customer_text  | yes      | customer_text, instruction, question, request, message   |
| reply          | yes      | reply, response, agent_reply, answer                     |
| intent         | no       | intent, topic                                            |
| category       | no       | category                                                 |
| escalated      | no       | escalated, was_escalated (true/false, yes/no, 1/0)       |
| created_at     | no       | created_at, date, timestamp (ISO 8601)                   |
"""

import csv
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, StringConstraints, ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from backend.services.tickets import SolvedTicket, store_tickets

MAX_TEXT_CHARS = 20_000

KNOWN_COLUMNS: dict[str, tuple[str, ...]] = {
    "customer_text": ("customer_text", "instruction", "question", "request", "message"),
    "reply": ("reply", "response", "agent_reply", "answer"),
    "intent": ("intent", "topic"),
    "category": ("category",),
    "escalated": ("escalated", "was_escalated"),
    "created_at": ("created_at", "date", "timestamp"),
}

Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_CHARS)
]
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class TicketRow(BaseModel):
    """One row of an export, validated."""

    customer_text: Text
    reply: Text
    intent: Annotated[Label | None, BeforeValidator(_blank_to_none)] = None
    category: Annotated[Label | None, BeforeValidator(_blank_to_none)] = None
    escalated: Annotated[bool, BeforeValidator(lambda v: _blank_to_none(v) or False)] = False
    created_at: Annotated[datetime | None, BeforeValidator(_blank_to_none)] = None


@dataclass(frozen=True)
class RowError:
    """Why the row on `line` of the file was not imported."""

    line: int
    message: str


@dataclass
class ReadResult:
    """The valid rows of a file and the errors of the others."""

    rows: list[TicketRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    duplicates_in_file: int = 0


class TicketFileError(ValueError):
    """The file as a whole cannot be read (format, encoding, missing columns)."""


def read_ticket_file(path: Path, column_map: Mapping[str, str] | None = None) -> ReadResult:
    """Validate every row of a CSV or JSONL export; bad rows are reported, not fatal."""
    records = _records(path)
    result = ReadResult()
    seen: set[tuple[str, str]] = set()
    columns: dict[str, str] | None = None
    for line, record in records:
        if "__error__" in record:
            result.errors.append(RowError(line, record["__error__"]))
            continue
        if columns is None:
            columns = _resolve_columns(list(record), column_map or {})
        try:
            row = TicketRow.model_validate({f: record.get(c) for f, c in columns.items()})
        except ValidationError as error:
            result.errors.append(RowError(line, _describe(error)))
            continue
        key = (row.customer_text, row.reply)
        if key in seen:
            result.duplicates_in_file += 1
            continue
        seen.add(key)
        result.rows.append(row)
    return result


def to_solved_ticket(row: TicketRow, source: str, approved: bool) -> SolvedTicket:
    """A validated row as a ticket to store."""
    return SolvedTicket(
        customer_text=row.customer_text,
        reply=row.reply,
        source=source,
        intent=row.intent,
        category=row.category,
        escalated=row.escalated,
        approved_for_training=approved,
        created_at=row.created_at,
    )


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".ndjson"):
        raise TicketFileError(f"{path}: expected a .csv or .jsonl file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise TicketFileError(f"{path}: not UTF-8 text ({error})") from error
    if suffix == ".csv":
        reader = csv.DictReader(text.splitlines(keepends=True))
        for record in reader:
            yield reader.line_num, record
        return
    for line, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as error:
            record = {"__error__": f"not valid JSON ({error.msg})"}
        yield line, record if isinstance(record, dict) else {"__error__": "not a JSON object"}


def _resolve_columns(available: list[str], column_map: Mapping[str, str]) -> dict[str, str]:
    unknown = set(column_map) - set(KNOWN_COLUMNS)
    if unknown:
        raise TicketFileError(f"unknown field(s) in the column map: {', '.join(sorted(unknown))}")
    lowered = {name.lower().strip(): name for name in available if isinstance(name, str)}
    columns = {}
    for name, aliases in KNOWN_COLUMNS.items():
        wanted = [column_map[name]] if name in column_map else aliases
        found = next((lowered[a.lower()] for a in wanted if a.lower() in lowered), None)
        if found is not None:
            columns[name] = found
        elif name in ("customer_text", "reply"):
            raise TicketFileError(
                f"no column for {name} (looked for {', '.join(wanted)}; "
                f"the file has {', '.join(available)}); name it with --map {name}=COLUMN"
            )
    return columns


def _describe(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}" for e in error.errors()
    )


@dataclass(frozen=True)
class ImportReport:
    """What an import did."""

    valid_rows: int
    created: int
    updated: int
    duplicates_in_file: int
    errors: list[RowError]


def import_tickets(
    engine: Engine,
    path: Path,
    source: str | None = None,
    approved: bool = True,
    column_map: Mapping[str, str] | None = None,
    batch_size: int = 256,
    progress: Callable[[str], None] = lambda _: None,
) -> ImportReport:
    """Validate, redact, embed and store the tickets of an export, committing batch by batch."""
    result = read_ticket_file(path, column_map)
    source = source or f"import:{path.name}"
    created = 0
    started = time.monotonic()
    for start in range(0, len(result.rows), batch_size):
        batch = result.rows[start : start + batch_size]
        with Session(engine) as session:
            created += store_tickets(
                session, [to_solved_ticket(row, source, approved) for row in batch]
            ).created
            session.commit()
        done = start + len(batch)
        elapsed = time.monotonic() - started
        eta = elapsed / done * (len(result.rows) - done)
        progress(f"[import] {done}/{len(result.rows)} tickets | {elapsed:.0f}s | ETA {eta:.0f}s")
    return ImportReport(
        valid_rows=len(result.rows),
        created=created,
        updated=len(result.rows) - created,
        duplicates_in_file=result.duplicates_in_file,
        errors=result.errors,
    )
