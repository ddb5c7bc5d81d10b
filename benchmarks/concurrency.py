"""Many chats at once over HTTP: continuous batching against one reply at a time, with
`transformers serve --continuous-batching` on the same model as the reference, in one run.

Each variant is a real server on loopback, started by this script with the same model, data and
decoding settings (greedy, the same new-token cap). At every level, that many customers send a
message at the same moment and read the reply as it streams (`/api/chat/stream`, or
`/v1/chat/completions` with `stream: true` for the reference, sent the same rendered prompts).
Per level (several bursts; for one chat, several chats in a row): first-token p50 / p95 / max,
aggregate tokens/s (tokens of the streamed text, counted with the model's tokenizer, over the
level's wall time), replies/s and errors; for supportbot also its own time per turn stage.

    python benchmarks/concurrency.py --model-dir data/models/starter --output results.json
    python benchmarks/concurrency.py --adapter data/adapters/<version>  # and the served path
"""

import argparse
import asyncio
import itertools
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from transformers import AutoTokenizer

from backend.core.metrics import TURN_STAGES

QUESTIONS = [
    "Where is my order LO-482193? It was supposed to arrive yesterday.",
    "How long does standard shipping take?",
    "I want to return my hiking boots, they are too small.",
    "my payment keeps failing at checkout, what do I do",
    "What's your return policy?",
    "I forgot my password and can't log in",
    "The tent I got has a broken pole. Order LO-771203.",
    "Do you ship to Canada?",
]
BIN = Path(sys.executable).parent


@dataclass
class Level:
    """One level's measurements."""

    variant: str
    chats: int
    first_token_p50_ms: float
    first_token_mean_ms: float
    first_token_p95_ms: float
    first_token_max_ms: float
    tokens_per_s: float
    replies_per_s: float
    errors: int
    wall_s: float
    stages_ms: dict[str, float] | None = None  # supportbot's own mean time per turn stage


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", type=Path, default=Path("data/models/starter"))
    parser.add_argument("--levels", default="1,4,16,64")
    parser.add_argument("--max-new-tokens", type=int, default=60)
    parser.add_argument(
        "--single-rounds", type=int, default=8, help="one-chat level: this many chats in a row"
    )
    parser.add_argument(
        "--bursts", type=int, default=3, help="other levels: this many bursts of chats at once"
    )
    parser.add_argument("--output", type=Path, help="write the results as JSON here")
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument(
        "--adapter",
        type=Path,
        help="also serve this adapter (the product's served path: it ranks solved replies)",
    )
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str) -> bool:
    """Whether a GET of `url` succeeds now."""
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def server(command: list[str], env: dict[str, str], health_url: str) -> Iterator[None]:
    """A server subprocess, until it answers `health_url`; terminated on exit.

    Its log goes to a file (a pipe nobody reads would fill and stall the server).
    """
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=log
        )
        deadline = time.monotonic() + 900
        try:
            while not answers(health_url):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    tail = log.read()[-2000:].decode(errors="replace")
                    raise RuntimeError(f"{command[0]} did not start: {tail}")
                time.sleep(0.5)
            yield
        finally:
            process.terminate()
            process.wait(timeout=60)


async def supportbot_chat(client: httpx.AsyncClient, question: str) -> tuple[float, float, str]:
    """(first token s, total s, streamed text) of one customer message on /api/chat/stream."""
    started = time.perf_counter()
    first, text = None, []
    request = {"message": question}
    async with client.stream("POST", "/api/chat/stream", json=request) as response:
        response.raise_for_status()
        event = None
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event == "delta":
                first = first or time.perf_counter()
                text.append(json.loads(line[5:])["text"])
            elif line.startswith("data:") and event == "error":
                raise RuntimeError(line)
    return (first or time.perf_counter()) - started, time.perf_counter() - started, "".join(text)


async def reference_chat(
    client: httpx.AsyncClient, messages: list[dict], model: str, max_tokens: int
) -> tuple[float, float, str]:
    """The same measurements for one streamed /v1/chat/completions request."""
    started = time.perf_counter()
    first, text = None, []
    request = {
        "model": model,
        "messages": messages,
        "stream": True,
        "max_tokens": max_tokens,
        "temperature": 0,
    }
    async with client.stream("POST", "/v1/chat/completions", json=request) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if not line.startswith("data:") or line.strip() == "data: [DONE]":
                continue
            delta = json.loads(line[5:])["choices"][0]["delta"].get("content") or ""
            if delta:
                first = first or time.perf_counter()
                text.append(delta)
    return (first or time.perf_counter()) - started, time.perf_counter() - started, "".join(text)


async def stage_totals(client: httpx.AsyncClient) -> dict[str, tuple[float, float]]:
    """(sum, count) per stage of `supportbot_turn_stage_seconds` from the server's /metrics."""
    totals: dict[str, list[float]] = {}
    text = (await client.get("/metrics/")).text
    for family in text_string_to_metric_families(text):
        if family.name != "supportbot_turn_stage_seconds":
            continue
        for sample in family.samples:
            slot = {"_sum": 0, "_count": 1}.get(sample.name.removeprefix(family.name))
            if slot is not None:
                totals.setdefault(sample.labels["stage"], [0.0, 0.0])[slot] = sample.value
    return {stage: (total, count) for stage, (total, count) in totals.items()}


async def run_level(
    variant: str, chats: int, make_chat, tokenizer, rounds: int, bursts: int, client=None
) -> Level:
    """`bursts` times `chats` chats at once (for one chat, `rounds` in a row), measured; with
    `client` (a supportbot server), also the server's mean time per turn stage."""
    before = await stage_totals(client) if client else {}
    results, errors = [], 0
    started = time.perf_counter()
    batches = [[i] for i in range(rounds)] if chats == 1 else [list(range(chats))] * bursts
    for batch in batches:
        outcomes = await asyncio.gather(*(make_chat(i) for i in batch), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                errors += 1
            else:
                results.append(outcome)
    wall = time.perf_counter() - started
    firsts = sorted(first * 1000 for first, _, _ in results) or [float("nan")]
    counts = [len(tokenizer(text, add_special_tokens=False)["input_ids"]) for *_, text in results]
    tokens = sum(counts)
    stages = None
    if client is not None:
        after = await stage_totals(client)
        stages = {
            stage: 1000 * (total - before.get(stage, (0, 0))[0]) / done
            for stage, (total, count) in after.items()
            if (done := count - before.get(stage, (0, 0))[1])
        }
    return Level(
        variant=variant,
        chats=chats,
        first_token_p50_ms=statistics.median(firsts),
        first_token_mean_ms=statistics.fmean(firsts),
        first_token_p95_ms=firsts[min(len(firsts) - 1, int(0.95 * len(firsts)))],
        first_token_max_ms=firsts[-1],
        tokens_per_s=tokens / wall,
        replies_per_s=len(results) / wall,
        errors=errors,
        wall_s=wall,
        stages_ms=stages,
    )


async def measure_supportbot(
    variant: str, url: str, levels, tokenizer, rounds, bursts
) -> list[Level]:
    limits = httpx.Limits(max_connections=256)
    async with httpx.AsyncClient(base_url=url, timeout=600, limits=limits) as client:
        for question in QUESTIONS[:3]:  # warm up: first requests pay one-off costs
            await supportbot_chat(client, question)

        customers = itertools.count(1)

        async def chat(i: int):
            # Every message is new, as real customers' are: none is served from a cache.
            question = QUESTIONS[i % len(QUESTIONS)]
            return await supportbot_chat(client, f"Hi, customer {next(customers)} here. {question}")

        return [
            await run_level(variant, n, chat, tokenizer, rounds, bursts, client) for n in levels
        ]


async def measure_reference(url, prompts, model, max_tokens, levels, tokenizer, rounds, bursts):
    limits = httpx.Limits(max_connections=256)
    async with httpx.AsyncClient(base_url=url, timeout=600, limits=limits) as client:
        for messages in prompts[:3]:
            await reference_chat(client, messages, model, max_tokens)

        async def chat(i: int):
            return await reference_chat(client, prompts[i % len(prompts)], model, max_tokens)

        variant = "transformers serve (reference)"
        return [await run_level(variant, n, chat, tokenizer, rounds, bursts) for n in levels]


def rendered_prompts(env: dict[str, str]) -> list[list[dict]]:
    """The messages supportbot's prompt layer renders for the questions (no history)."""
    os.environ.update(env)
    from backend.core.config import Settings
    from backend.core.db import create_db_engine
    from backend.runtime.factory import load_assistant
    from backend.services.chat import prepare_reply
    from backend.services.retrieval import article_retriever, ticket_retriever
    from prompts import load_company
    from prompts.context import TICKET_CANDIDATES

    settings = Settings()
    engine = create_db_engine(settings.database_url)
    retrievers = (
        article_retriever(engine, settings.article_results, settings.min_retrieval_score),
        ticket_retriever(engine, TICKET_CANDIDATES, settings.min_retrieval_score),
    )
    assistant = load_assistant(settings, load_company(settings.company_file), None, retrievers)
    return [prepare_reply(assistant, [], q, None).prompt_messages for q in QUESTIONS]


def table(levels: list[Level]) -> str:
    lines = [
        "| variant | chats | first token p50 | p95 | max | tokens/s | replies/s | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in levels:
        lines.append(
            f"| {r.variant} | {r.chats} | {r.first_token_p50_ms:.0f} ms "
            f"| {r.first_token_p95_ms:.0f} ms | {r.first_token_max_ms:.0f} ms "
            f"| {r.tokens_per_s:.0f} | {r.replies_per_s:.1f} | {r.errors} |"
        )
    return "\n".join(lines)


def stage_table(levels: list[Level]) -> str:
    """Where a turn's time goes before its first token, per level: supportbot's stages, and
    the rest of the first token the client saw (HTTP, the event loop, waiting for a thread)."""
    measured = [r for r in levels if r.stages_ms]
    names = list(TURN_STAGES)
    lines = [
        "| variant | chats | " + " | ".join(names) + " | rest (HTTP, waits) |",
        "|---|---|" + "---|" * (len(names) + 1),
    ]
    for r in measured:
        before_first = [n for n in names if n != "store_reply"]
        rest = r.first_token_mean_ms - sum(r.stages_ms.get(n, 0) for n in before_first)
        cells = [f"{r.stages_ms.get(n, 0):.1f}" for n in names]
        lines.append(f"| {r.variant} | {r.chats} | " + " | ".join(cells) + f" | {rest:.0f} |")
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    levels = [int(n) for n in args.levels.split(",")]
    model_dir = args.model_dir.resolve()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    data_dir = Path(tempfile.mkdtemp(prefix="concurrency-"))
    env = {
        "SUPPORTBOT_DATA_DIR": str(data_dir),
        "SUPPORTBOT_BASE_MODEL": str(model_dir),  # the model itself writes every reply
        "SUPPORTBOT_MAX_NEW_TOKENS": str(args.max_new_tokens),
        "SUPPORTBOT_ADAPTER_POLL_SECONDS": "0",
        "SUPPORTBOT_LOG_LEVEL": "warning",
    }
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; {model_dir}")
    results: list[Level] = []
    try:
        variants = [
            ("batching", {"SUPPORTBOT_BATCHING": "continuous"}),
            (
                "batching, transformers' manager",
                {"SUPPORTBOT_BATCHING": "continuous", "SUPPORTBOT_BATCH_ENGINE": "paged"},
            ),
            ("one at a time", {"SUPPORTBOT_BATCHING": "off"}),
        ]
        if args.adapter:
            adapter = {"SUPPORTBOT_ADAPTER_PATH": str(args.adapter.resolve())}
            variants.append(("adapter, ranks solved replies", adapter))
        for variant, overrides in variants:
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            command = [str(BIN / "supportbot"), "serve", "--port", str(port)]
            with server(command, {**env, **overrides}, f"{url}/readyz"):
                measured = asyncio.run(
                    measure_supportbot(
                        variant, url, levels, tokenizer, args.single_rounds, args.bursts
                    )
                )
            results += measured
            print(table(measured), flush=True)
        if not args.skip_reference:
            prompts = rendered_prompts(env)
            port = free_port()
            command = [
                str(BIN / "transformers"), "serve", str(model_dir), "--host", "127.0.0.1",
                "--port", str(port), "--device", "cpu", "--continuous-batching",
                "--cb-block-size", "128", "--cb-num-blocks", "256",
                "--cb-max-batch-tokens", "2048",
            ]  # fmt: skip
            url = f"http://127.0.0.1:{port}"
            with server(command, {}, f"{url}/health"):
                measured = asyncio.run(
                    measure_reference(
                        url, prompts, str(model_dir), args.max_new_tokens, levels, tokenizer,
                        args.single_rounds, args.bursts,
                    )
                )  # fmt: skip
            results += measured
            print(table(measured), flush=True)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    print()
    print(table(results))
    print()
    print("Mean milliseconds per turn and stage; rest: the client's mean first token less them:")
    print(stage_table(results))
    if args.output:
        args.output.write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
