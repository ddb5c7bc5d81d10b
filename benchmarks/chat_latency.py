"""Time to first token and tokens/s at batch 1: supportbot's streaming runtime vs a plain pipeline.

Both run the same model and the same rendered prompts with the same greedy decoding settings,
in one process, one after the other, so the numbers compare like with like. The prompts are
rendered as serving renders them (the model's own template, with the topic context).

    python benchmarks/chat_latency.py                  # the configured model (default: starter)
    SUPPORTBOT_BASE_MODEL=path/to/model python benchmarks/chat_latency.py --rounds 3
"""

import argparse
import asyncio
import platform
import statistics
import time

import torch
from transformers import pipeline

from backend.core.config import Settings
from backend.runtime.base import Generation
from backend.runtime.factory import load_configured_assistant
from backend.runtime.local import LocalChatModel
from prompts import ContextRequest, load_company

QUESTIONS = [
    "Where is my order LO-482193? It was supposed to arrive yesterday.",
    "How long does standard shipping take?",
    "I want to return my hiking boots, they are too small.",
    "Can I talk to a real person please",
    "my payment keeps failing at checkout, what do I do",
    "What's your return policy?",
    "I forgot my password and can't log in",
    "The tent I got has a broken pole. Order LO-771203.",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-new-tokens", type=int, default=96)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the questions")
    return parser.parse_args()


async def time_runtime(model: LocalChatModel, prompts: list) -> list[Generation]:
    """Generations from the streaming runtime, with its own timings (first token and total)."""
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
        new_tokens = len(model.tokenizer(reply, add_special_tokens=False)["input_ids"]) + 1
        results.append((elapsed, new_tokens))
    return results


def main() -> None:
    args = parse_args()
    settings = Settings(max_new_tokens=args.max_new_tokens)
    torch.manual_seed(0)
    assistant = load_configured_assistant(settings, load_company(settings.company_file))
    runtime = assistant.model
    prompts = []
    for question in QUESTIONS:
        context = assistant.context.assemble(ContextRequest(question))
        prompts.append(
            assistant.prompt.render([], question, context.render(assistant.prompt.context_blocks))
        )
    prompts *= args.rounds
    generator = pipeline("text-generation", model=runtime.model, tokenizer=runtime.tokenizer)

    # Warm up both paths once so that neither pays for first-call allocations.
    asyncio.run(time_runtime(runtime, prompts[:1]))
    time_pipeline(generator, prompts[:1], runtime)

    ours = asyncio.run(time_runtime(runtime, prompts))
    baseline = time_pipeline(generator, prompts, runtime)

    ours_ttft = statistics.median(g.first_token_ms for g in ours if g.first_token_ms)
    ours_total = statistics.median(g.latency_ms for g in ours)
    ours_rate = sum(g.generated_tokens for g in ours) / sum(g.latency_ms / 1000 for g in ours)
    base_total = statistics.median(seconds * 1000 for seconds, _ in baseline)
    base_rate = sum(tokens for _, tokens in baseline) / sum(seconds for seconds, _ in baseline)
    n_params = sum(p.numel() for p in runtime.model.parameters())
    print(
        f"model: {runtime.info.name} ({n_params / 1e6:.1f}M parameters), prompt "
        f"{assistant.prompt.version}; {platform.processor() or platform.machine()}, "
        f"{torch.get_num_threads()} torch threads"
    )
    print(f"{len(prompts)} replies per path, batch 1, greedy, at most {args.max_new_tokens} tokens")
    print()
    print("| path | first token (median) | whole reply (median) | tokens/s |")
    print("|---|---|---|---|")
    print(
        f"| supportbot streaming runtime | {ours_ttft:.1f} ms | {ours_total:.0f} ms "
        f"| {ours_rate:.0f} |"
    )
    print(
        f"| plain transformers pipeline (baseline) | {base_total:.0f} ms (no streaming) "
        f"| {base_total:.0f} ms | {base_rate:.0f} |"
    )


if __name__ == "__main__":
    main()
