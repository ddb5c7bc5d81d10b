"""Load: hundreds of customers chatting at once for a minute, then a count that nothing was lost.

A real `supportbot serve` (the starter, the demo shop, `--workers` uvicorn processes) on
loopback, on SQLite or PostgreSQL. Each simulated customer opens a conversation, sends a few
messages (alternating `/api/chat` and `/api/chat/stream`; some ask for a person), then opens
another, until the time is up. Bounded: at most `--max-messages` per customer and `--seconds`
of sending, then every request in flight is awaited (or counted as lost after `--drain`).

Afterwards the database is read directly. Every accepted message (a 200 and a `done` event)
must be stored exactly once, with the answer the customer was sent: the bot's reply, the
hand-off to a person, or silence in a conversation a person handles. Nothing else from the run
may be stored (a refused request leaves no trace). Any 5xx, transport error or lost reply fails
the run (exit status 1).

    python -m benchmarks.load --database sqlite --workers 2
    python -m benchmarks.load --database postgresql --workers 2 --output results.json
"""

import argparse
import asyncio
import itertools
import json
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine
from sqlmodel import Session, col, select

from backend.core.db import throwaway_postgres_database
from backend.models import Conversation, Message, Role
from backend.services.handoff import HANDED_OFF
from benchmarks.concurrency import BIN, free_port, server

QUESTIONS = [
    "Where is my order LO-482193? It was supposed to arrive yesterday.",
    "How long does standard shipping take?",
    "I want to return my hiking boots, they are too small.",
    "Do you ship to Canada?",
    "Can I talk to a real person please",
    "What's your return policy?",
]
POSTGRES_SERVER = os.environ.get("SUPPORTBOT_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")


@dataclass
class Sent:
    """One customer message and what the server answered."""

    text: str
    endpoint: str
    status: int  # HTTP status; 0: a transport error or no answer before the drain ended
    seconds: float
    response: dict | None = None  # the stored answer (`done` event or JSON body) when accepted
    stream_error: str | None = None  # an `error` event instead of `done`


@dataclass
class Report:
    """The run's counts."""

    database: str
    workers: int
    clients: int
    seconds: float
    sent: int = 0
    accepted: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    server_errors: int = 0
    transport_errors: int = 0
    stream_errors: int = 0
    replies: int = 0
    handed_off: int = 0
    silent: int = 0  # accepted while a person handles the conversation
    latency_p50_s: float = 0.0
    latency_p95_s: float = 0.0
    accepted_per_s: float = 0.0
    stored_customer_messages: int = 0
    missing: list[str] = field(default_factory=list)  # accepted but not stored as answered
    unexpected: int = 0  # stored customer messages of the run that were not accepted


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", type=Path, default=Path("data/models/starter"))
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to keep sending")
    parser.add_argument("--drain", type=float, default=300.0, help="then wait this long at most")
    parser.add_argument("--max-messages", type=int, default=30, help="per client")
    parser.add_argument("--per-conversation", type=int, default=3)
    parser.add_argument("--output", type=Path, help="write the report as JSON here")
    return parser.parse_args()


async def send(
    client: httpx.AsyncClient, endpoint: str, body: dict, headers: dict[str, str]
) -> Sent:
    """Send one message on `endpoint` and read the whole answer."""
    started = time.perf_counter()
    sent = Sent(body["message"], endpoint, 0, 0.0)
    try:
        if endpoint == "/api/chat":
            response = await client.post(endpoint, json=body, headers=headers)
            sent.status = response.status_code
            if response.status_code == 200:
                sent.response = response.json()
        else:
            async with client.stream("POST", endpoint, json=body, headers=headers) as response:
                sent.status = response.status_code
                event = None
                async for line in response.aiter_lines():
                    if line.startswith("event:"):
                        event = line.removeprefix("event:").strip()
                    elif line.startswith("data:") and event in ("done", "error"):
                        data = json.loads(line.removeprefix("data:").strip())
                        if event == "done":
                            sent.response = data
                        else:
                            sent.stream_error = data.get("detail", "error")
    except httpx.HTTPError:
        sent.status = 0
    sent.seconds = time.perf_counter() - started
    return sent


async def customer(
    client: httpx.AsyncClient, number: int, run: str, args: argparse.Namespace, stop_at: float
) -> list[Sent]:
    """One customer: conversations of a few messages each until the time or count is up."""
    results: list[Sent] = []
    endpoints = itertools.cycle(["/api/chat", "/api/chat/stream"])
    questions = itertools.cycle(QUESTIONS[number % len(QUESTIONS) :] + QUESTIONS)
    conversation: dict | None = None
    for index in range(args.max_messages):
        if time.monotonic() >= stop_at:
            break
        if index % args.per_conversation == 0:
            conversation = None
        body: dict = {"message": f"[{run}-{number}-{index}] {next(questions)}"}
        headers = {}
        if conversation is not None:
            body["conversation_id"] = conversation["conversation_id"]
            headers = {"X-Conversation-Token": conversation["conversation_token"]}
        sent = await send(client, next(endpoints), body, headers)
        results.append(sent)
        if sent.response and conversation is None:
            conversation = sent.response
    return results


async def load(url: str, run: str, args: argparse.Namespace) -> tuple[list[Sent], float]:
    """Every customer's messages, and the seconds the run took."""
    limits = httpx.Limits(max_connections=args.clients + 8)
    timeout = httpx.Timeout(args.seconds + args.drain)
    started = time.monotonic()
    stop_at = started + args.seconds

    async def one(number: int) -> list[Sent]:
        async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as client:
            return await customer(client, number, run, args, stop_at)

    tasks = [asyncio.create_task(one(n)) for n in range(args.clients)]
    done, pending = await asyncio.wait(tasks, timeout=args.seconds + args.drain)
    for task in pending:  # still waiting after the drain: those answers count as lost
        task.cancel()
    results = [sent for task in done for sent in task.result()]
    lost = len(pending)
    results += [Sent("(lost in flight)", "", 0, args.seconds + args.drain)] * lost
    return results, time.monotonic() - started


def check_database(database_url: str, run: str, results: list[Sent], report: Report) -> None:
    """Count what the database holds against what the customers were told."""
    engine = create_engine(database_url)
    accepted = {s.text: s for s in results if s.response is not None}
    with Session(engine) as session:
        stored = session.exec(
            select(Message).where(
                Message.role == Role.customer, col(Message.text).startswith(f"[{run}-")
            )
        ).all()
        report.stored_customer_messages = len(stored)
        by_text = Counter(m.text for m in stored)
        report.unexpected = sum(n for text, n in by_text.items() if text not in accepted)
        for text, sent in accepted.items():
            answer = sent.response or {}
            if by_text[text] != 1 or not _answer_is_stored(session, answer):
                report.missing.append(text)
    engine.dispose()


def _answer_is_stored(session: Session, answer: dict) -> bool:
    """The answer the customer got is what the database holds."""
    message = session.get(Message, uuid.UUID(answer["message_id"]))
    if message is None:
        return False
    if message.role == Role.bot:  # a reply or the hand-off message
        return message.text == answer["reply"]
    conversation = session.get(Conversation, message.conversation_id)  # silent: a person has it
    return conversation is not None and conversation.status in HANDED_OFF and not answer["reply"]


def summarise(report: Report, results: list[Sent], wall_s: float) -> None:
    """Fill the report's counts from the customers' results."""
    report.sent = len(results)
    report.statuses = dict(Counter(str(s.status) for s in results))
    report.server_errors = sum(s.status >= 500 for s in results)
    report.transport_errors = sum(s.status == 0 for s in results)
    report.stream_errors = sum(s.stream_error is not None for s in results)
    answered = [s for s in results if s.response is not None]
    report.accepted = len(answered)
    report.replies = sum(
        bool(s.response["reply"]) and not s.response["escalated"] for s in answered
    )
    report.handed_off = sum(s.response["escalated"] for s in answered)
    report.silent = sum(not s.response["reply"] for s in answered)
    latencies = sorted(s.seconds for s in answered)
    if latencies:
        report.latency_p50_s = statistics.median(latencies)
        report.latency_p95_s = latencies[int(0.95 * (len(latencies) - 1))]
    report.accepted_per_s = report.accepted / wall_s


def main() -> None:
    args = parse_args()
    run = uuid.uuid4().hex[:8]
    model_dir = args.model_dir.resolve()
    with ExitStack() as stack:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="load-")))
        if args.database == "postgresql":
            database_url = stack.enter_context(throwaway_postgres_database(POSTGRES_SERVER))
        else:
            database_url = f"sqlite:///{data_dir}/load.db"
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            "SUPPORTBOT_DATA_DIR": str(data_dir),
            "SUPPORTBOT_DATABASE_URL": database_url,
            "SUPPORTBOT_BASE_MODEL": str(model_dir),
            "SUPPORTBOT_FIRST_ADAPTER": "false",
            "SUPPORTBOT_ADAPTER_POLL_SECONDS": "0",
            "SUPPORTBOT_LOG_LEVEL": "warning",
            # Every simulated customer comes from 127.0.0.1: one IP's limit would refuse most.
            "SUPPORTBOT_RATE_LIMIT_PER_IP_PER_MINUTE": "0",
        }
        command = [str(BIN / "supportbot"), "serve", "--port", str(port)]
        command += ["--workers", str(args.workers)]
        print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
              f"{args.database}, {args.workers} workers, {args.clients} clients, "
              f"{args.seconds:g} s", flush=True)  # fmt: skip
        with server(command, env, f"{url}/readyz"):
            _wait_for_every_worker(url)
            results, wall_s = asyncio.run(load(url, run, args))
        report = Report(args.database, args.workers, args.clients, round(wall_s, 1))
        summarise(report, results, wall_s)
        check_database(database_url, run, results, report)
    print(json.dumps(asdict(report), indent=2))
    if args.output:
        args.output.write_text(json.dumps(asdict(report), indent=2), encoding="utf-8")
    failed = report.server_errors or report.transport_errors or report.missing
    if failed or report.unexpected:
        raise SystemExit("load run failed: 5xx, lost answers or stray rows (see the report)")


def _wait_for_every_worker(url: str, timeout_s: float = 600) -> None:
    """Until /readyz answers 200 on 20 new connections in a row: any worker may take one, and
    each loads the model on its own."""
    in_a_row, deadline = 0, time.monotonic() + timeout_s
    while in_a_row < 20:
        if time.monotonic() > deadline:
            raise RuntimeError("the workers did not all get ready")
        ready = httpx.get(f"{url}/readyz", timeout=10).status_code == 200
        in_a_row = in_a_row + 1 if ready else 0
        time.sleep(0.1)


if __name__ == "__main__":
    main()
