"""Decoding against the machine's limits, and LoRA merged against unmerged under batching.

In one run, on the same model and prompts:
1. memory bandwidth: copying a buffer far larger than the caches (DRAM) and one the size of
   the model's weights (what a decode step reads), with torch on all cores;
2. decode tokens/s at batch 1 (`generate`, and one request alone in either batch engine) next
   to the bound the bandwidth sets: every new token reads every weight once, so tokens/s can be
   at most bandwidth / weight bytes;
3. aggregate tokens/s of 16 replies decoding together in the continuous batch: the base model
   in the rows engine and in transformers' manager, and (rows engine) the adapter merged into
   it (`merge_and_unload`) and unmerged (PeftModel);
4. the same 16 replies while another thread runs MiniLM passes (as the prompt layer does), with
   the rows engine's loop on one torch thread and on two.

    python benchmarks/decode.py --model-dir data/models/starter --adapter data/adapters/<version>
"""

import argparse
import asyncio
import os
import platform
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch

from backend.runtime.base import Generation, ModelInfo
from backend.runtime.batching import BatchingLimits
from backend.runtime.loading import load_causal_lm
from backend.runtime.local import LocalChatModel, generation_config_for
from prompts.embeddings import load_embedder

QUESTIONS = [
    "Where is my order LO-482193? It was supposed to arrive yesterday.",
    "How long does standard shipping take?",
    "I want to return my hiking boots, they are too small.",
    "my payment keeps failing at checkout, what do I do",
]
SYSTEM = "You are the support assistant of Larkspur Outdoor, an outdoor gear shop."


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", type=Path, default=Path("data/models/starter"))
    parser.add_argument("--adapter", type=Path, help="a LoRA adapter of the model")
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    return parser.parse_args()


def copy_bandwidth(num_bytes: int, rounds: int = 5) -> float:
    """GB/s of torch copying `num_bytes` to another buffer (read + write both counted)."""
    source = torch.ones(num_bytes // 4, dtype=torch.float32)
    target = torch.empty_like(source)
    target.copy_(source)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        target.copy_(source)
        times.append(time.perf_counter() - started)
    return 2 * num_bytes / min(times) / 1e9


def weight_bytes(model: torch.nn.Module) -> int:
    """Bytes of weights one decode step reads (each tied matrix once)."""
    seen, total = set(), 0
    for parameter in model.parameters():
        if parameter.data_ptr() not in seen:
            seen.add(parameter.data_ptr())
            total += parameter.numel() * parameter.element_size()
    return total


def messages(question: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]


def chat_model(
    model_dir: Path,
    adapter: Path | None,
    merge: bool,
    new_tokens: int,
    engine: str | None = "rows",
    threads: int = 1,
) -> LocalChatModel:
    """The model behind the runtime; `engine`: the batch's (None: no batching)."""
    model, tokenizer = load_causal_lm(model_dir, adapter, merge_adapter=merge)
    config = generation_config_for(model, tokenizer, new_tokens, 0.0, 1.0)
    # Every reply runs to the cap (the model never writes padding): the same work each time.
    config.eos_token_id = tokenizer.pad_token_id
    limits = BatchingLimits(engine=engine, threads=threads) if engine else None
    chat = LocalChatModel(model, tokenizer, ModelInfo("bench"), config, batching=limits)
    chat.warm_up()
    return chat


def generate_tokens_per_s(chat: LocalChatModel, rounds: int) -> float:
    """Batch 1 with `generate` (no batching)."""
    rates = []
    for _ in range(rounds):
        for question in QUESTIONS:
            started = time.perf_counter()
            generation = chat.generate_blocking(messages(question))
            rates.append(generation.generated_tokens / (time.perf_counter() - started))
    return statistics.median(rates)


async def batched_tokens_per_s(chat: LocalChatModel, concurrent: int, rounds: int) -> float:
    """Aggregate tokens/s of `concurrent` replies decoding together, median over rounds."""

    async def reply(question: str) -> int:
        async for item in chat.stream(messages(question)):
            if isinstance(item, Generation):
                return item.generated_tokens
        return 0

    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        tokens = await asyncio.gather(
            *(reply(QUESTIONS[i % len(QUESTIONS)]) for i in range(concurrent))
        )
        rates.append(sum(tokens) / (time.perf_counter() - started))
    return statistics.median(rates)


def main() -> None:
    args = parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"torch {torch.__version__} with {torch.get_num_threads()} threads")  # fmt: skip
    # `generate` first, before any batch loop exists: once a second thread has run torch ops
    # (the batch's loop), this thread's ops run slower (docs/benchmarks.md).
    plain = chat_model(args.model_dir, None, True, args.new_tokens, engine=None)
    weights = weight_bytes(plain.model)
    dram = copy_bandwidth(1 << 30)
    cached = copy_bandwidth(max(weights, 1 << 20))
    alone = generate_tokens_per_s(plain, args.rounds)
    base = chat_model(args.model_dir, None, True, args.new_tokens)
    paged = chat_model(args.model_dir, None, True, args.new_tokens, engine="paged")
    one_batched = asyncio.run(batched_tokens_per_s(base, 1, args.rounds * len(QUESTIONS)))
    one_paged = asyncio.run(batched_tokens_per_s(paged, 1, args.rounds * len(QUESTIONS)))
    print(f"weights read per token: {weights / 1e6:.1f} MB")
    print(f"copy bandwidth: {dram:.1f} GB/s (1 GiB buffer), {cached:.1f} GB/s (weights' size)")
    print("| batch 1 | tokens/s | bound at 1 GiB bandwidth | at weights'-size bandwidth |")
    print("|---|---|---|---|")
    for name, rate in (
        ("generate", alone),
        ("continuous batch (rows engine), alone", one_batched),
        ("continuous batch (transformers' manager), alone", one_paged),
    ):
        print(f"| {name} | {rate:.0f} | {rate / (dram * 1e9 / weights):.1%} of "
              f"{dram * 1e9 / weights:.0f} | {rate / (cached * 1e9 / weights):.1%} of "
              f"{cached * 1e9 / weights:.0f} |")  # fmt: skip

    variants = {"base model": base, "base model, transformers' manager": paged}
    if args.adapter:
        variants["LoRA merged"] = chat_model(args.model_dir, args.adapter, True, args.new_tokens)
        variants["LoRA unmerged"] = chat_model(args.model_dir, args.adapter, False, args.new_tokens)
    print()
    print("| 16 replies together | tokens/s | vs base |")
    print("|---|---|---|")
    rates = {}
    for _ in range(args.rounds):  # interleaved, so a busy moment hits every variant alike
        for name, chat in variants.items():
            rates.setdefault(name, []).append(asyncio.run(batched_tokens_per_s(chat, 16, 1)))
    for name, measured in rates.items():
        rate = statistics.median(measured)
        print(f"| {name} | {rate:.0f} | {rate / statistics.median(rates['base model']):.2f}x |")
    for chat in variants.values():
        chat.retire()
    beside_minilm(args)


@contextmanager
def minilm_passes() -> Iterator[None]:
    """MiniLM passes on another thread meanwhile, as sixteen turns' prompt layer runs them."""
    embedder, stop = load_embedder(), threading.Event()
    texts = [f"Hi, customer {i} here. {QUESTIONS[i % len(QUESTIONS)]}" for i in range(16)]

    def encode() -> None:
        while not stop.is_set():
            embedder.encode(texts, batch_size=len(texts))
            stop.wait(0.05)

    thread = threading.Thread(target=encode)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def beside_minilm(args: argparse.Namespace) -> None:
    """The rows engine's loop on one torch thread against two, while MiniLM encodes: every
    thread that runs torch has its own OpenMP team, and two teams spin on the same cores."""
    engines = {
        n: chat_model(args.model_dir, None, True, args.new_tokens, threads=n) for n in (1, 2)
    }
    rates: dict[int, list[float]] = {}
    with minilm_passes():
        for _ in range(args.rounds):
            for threads, chat in engines.items():
                rates.setdefault(threads, []).append(asyncio.run(batched_tokens_per_s(chat, 16, 1)))
    print()
    print("| 16 replies together, MiniLM encoding on another thread | tokens/s |")
    print("|---|---|")
    for threads, measured in rates.items():
        print(f"| rows engine, {threads} torch thread(s) | {statistics.median(measured):.0f} |")
    for chat in engines.values():
        chat.retire()


if __name__ == "__main__":
    main()
