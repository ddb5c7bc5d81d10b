"""Time to first token and tokens/s at batch 1: supportbot's streaming runtime vs a plain pipeline.

Both run the same model, prompts and greedy decoding settings in one process, one after the
other, so the numbers compare like with like.

    python benchmarks/chat_latency.py                      # the built starter in ./data
    python benchmarks/chat_latency.py --model path/or/hub-id --rounds 3
"""

import argparse
import asyncio
import statistics
import time
from pathlib import Path

import torch
from transformers import pipeline

from backend.core.config import Settings
from backend.runtime.base import Generation, ModelInfo
from backend.runtime.loading import load_causal_lm
from backend.runtime.local import LocalChatModel, generation_config_for
from prompts import SupportPrompt, load_company

QUESTIONS = [
    "Where is my order 48213? It was supposed to arrive yesterday.",
    "How long does standard shipping take?",
    "I want to return my hiking boots, they are too small.",
    "Can I talk to a real person please",
    "my payment keeps failing at checkout, what do I do",
    "Do you ship to Canada?",
    "I forgot my password and can't log in",
    "The tent I got has a broken pole. Order 77120.",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="model dir or hub id (default: starter)")
    parser.add_argument("--max-new-tokens", type=int, default=96)
    parser.add_argument("--rounds", type=int, default=2, help="passes over the questions")
    return parser.parse_args()


async def time_runtime(model: LocalChatModel, prompts: list) -> list[Generation]:
    """Generations from the streaming runtime (its own timings: first token and total)."""
    results = []
    for messages in prompts:
        async for item in model.stream(messages):
            if isinstance(item, Generation):
                results.append(item)
    return results


def time_pipeline(generator, prompts: list, model: LocalChatModel) -> list[tuple[float, int]]:
    """(seconds, new tokens) per prompt from a plain text-generation pipeline call."""
    results = []
    for messages in prompts:
        started = time.perf_counter()
        output = generator(messages, generation_config=model.generation_config)
        elapsed = time.perf_counter() - started
        reply = output[0]["generated_text"][-1]["content"]
        results.append(
            (elapsed, len(model.tokenizer(reply, add_special_tokens=False)["input_ids"]))
        )
    return results


def main() -> None:
    args = parse_args()
    settings = Settings()
    model_id = args.model or settings.starter_dir
    torch.manual_seed(0)
    model, tokenizer = load_causal_lm(Path(model_id) if Path(model_id).exists() else model_id)
    config = generation_config_for(model, tokenizer, args.max_new_tokens, 0.0, 1.1)
    runtime = LocalChatModel(model, tokenizer, ModelInfo(str(model_id)), config)
    prompt = SupportPrompt("v1", load_company(settings.company_file))
    prompts = [prompt.render([], q) for q in QUESTIONS] * args.rounds
    generator = pipeline("text-generation", model=model, tokenizer=tokenizer)

    # Warm-up both paths once so that neither pays for first-call allocations.
    asyncio.run(time_runtime(runtime, prompts[:1]))
    time_pipeline(generator, prompts[:1], runtime)

    ours = asyncio.run(time_runtime(runtime, prompts))
    baseline = time_pipeline(generator, prompts, runtime)

    ours_ttft = statistics.median(g.first_token_ms for g in ours if g.first_token_ms)
    ours_rate = sum(g.generated_tokens for g in ours) / sum(g.latency_ms / 1000 for g in ours)
    base_latency = statistics.median(seconds * 1000 for seconds, _ in baseline)
    base_rate = sum(tokens for _, tokens in baseline) / sum(seconds for seconds, _ in baseline)
    print(f"model: {model_id}  ({sum(p.numel() for p in model.parameters()) / 1e6:.1f}M params)")
    print(
        f"torch threads: {torch.get_num_threads()}, {len(prompts)} replies each, greedy, "
        f"max {args.max_new_tokens} new tokens"
    )
    print("| path | time to first token (median) | full reply (median) | tokens/s |")
    print("|---|---|---|---|")
    print(
        f"| supportbot streaming runtime | {ours_ttft:.1f} ms | "
        f"{statistics.median(g.latency_ms for g in ours):.0f} ms | {ours_rate:.0f} |"
    )
    print(
        f"| transformers pipeline (baseline, no streaming) | {base_latency:.0f} ms | "
        f"{base_latency:.0f} ms | {base_rate:.0f} |"
    )


if __name__ == "__main__":
    main()
