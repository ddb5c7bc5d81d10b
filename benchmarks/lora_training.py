"""LoRA vs full fine-tuning (training speed, peak memory) and merged vs unmerged LoRA generation.

    python benchmarks/lora_training.py [--model-dir data/models/starter] [--steps 40] [--rounds 3]
    python benchmarks/lora_training.py --smollm-shape --steps 8 --batch-size 8   # 135M parameters

Training: the same demo-shop tickets, batch size, sequence length and number of steps, once with
a LoRA adapter (r=16 on every linear layer, as docs/benchmarks.md records; `supportbot train`
defaults to r=32 now) and once updating every
weight; each run in a fresh process so its peak memory is its own. Generation: the same prompts
answered by the base model with the adapter kept separate (PeftModel) and with it merged into
the weights (merge_and_unload), interleaved round by round. `--smollm-shape` runs the training
comparison on a randomly initialised model of SmolLM2-135M's shape (no download), where weights
and optimizer state, not activations, dominate memory as they do for real fine-tuning bases.
"""

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from peft import get_peft_model
from transformers import DataCollatorForSeq2Seq, LlamaConfig, LlamaForCausalLM

from backend.runtime.base import ModelInfo
from backend.runtime.loading import load_causal_lm
from backend.runtime.local import LocalChatModel, generation_config_for
from prompts import SupportPrompt, load_company
from training.demo_data import demo_shop_tickets
from training.lora import LoraTrainArgs, lora_config
from training.sft import tokenize_examples
from training.tickets import TicketExample, ticket_example

QUESTIONS = [
    "Where is my order 48213?",
    "Can I return boots I already wore on a hike?",
    "How long does express delivery take?",
    "Do you take PayPal?",
    "I want to cancel my order",
    "How do I reset my password?",
]

# The adapter that docs/benchmarks.md measured.
BENCHMARKED_LORA = LoraTrainArgs(lora_r=16, lora_alpha=32)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def train_once(model_dir: Path, mode: str, steps: int, batch_size: int) -> dict:
    """Train `steps` steps with LoRA or full fine-tuning; tokens/s and peak memory."""
    torch.manual_seed(0)
    model, tokenizer = load_causal_lm(model_dir)
    prompt = SupportPrompt("compact-v1", load_company())
    tickets = [TicketExample(t.customer_text, t.agent_reply, t.intent) for t in demo_shop_tickets()]
    examples = [ticket_example(t, prompt, t.intent) for t in tickets[: steps * batch_size]]
    rows = tokenize_examples(examples, tokenizer, prompt.version, 256)
    if mode == "lora":
        model = get_peft_model(model, lora_config(BENCHMARKED_LORA))
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=1e-4)
    collator = DataCollatorForSeq2Seq(tokenizer, padding=True, pad_to_multiple_of=8)
    before = _peak_rss_mb()
    tokens, started = 0, time.perf_counter()
    for step in range(steps):
        batch = collator(rows[step * batch_size : (step + 1) * batch_size])
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        tokens += int(batch["attention_mask"].sum())
    seconds = time.perf_counter() - started
    return {
        "mode": mode,
        "trainable_parameters": sum(p.numel() for p in trainable),
        "tokens_per_s": tokens / seconds,
        "peak_rss_mb": _peak_rss_mb(),
        "peak_growth_mb": _peak_rss_mb() - before,
    }


def generation_speed(model_dir: Path, adapter_dir: Path, rounds: int) -> dict[str, float]:
    """Tokens/s of the adapter unmerged and merged (and the bare base), interleaved."""
    models = {}
    for name, adapter, merge in (
        ("base", None, False),
        ("lora_unmerged", adapter_dir, False),
        ("lora_merged", adapter_dir, True),
    ):
        model, tokenizer = load_causal_lm(model_dir, adapter, merge_adapter=merge)
        config = generation_config_for(model, tokenizer, 48, 0.0, 1.0)
        config.update(min_new_tokens=48)  # the same length for every variant
        models[name] = LocalChatModel(model, tokenizer, ModelInfo(name), config)
    prompts = [[{"role": "user", "content": q}] for q in QUESTIONS]
    for model in models.values():  # warm up
        model.generate_blocking(prompts[0])
    rates: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(rounds):
        for name, model in models.items():
            generations = [model.generate_blocking(p) for p in prompts]
            seconds = sum(g.latency_ms for g in generations) / 1000
            rates[name].append(sum(g.generated_tokens for g in generations) / seconds)
    return {name: statistics.median(values) for name, values in rates.items()}


def _train_in_subprocess(model_dir: Path, mode: str, steps: int, batch_size: int) -> dict:
    command = [sys.executable, __file__, "--model-dir", str(model_dir), "--steps", str(steps),
               "--batch-size", str(batch_size), "--train-only", mode]  # fmt: skip
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def _smollm_shaped(tokenizer_dir: Path, directory: Path) -> Path:
    """A random Llama of SmolLM2-135M's shape, saved with the starter's tokenizer."""
    _, tokenizer = load_causal_lm(tokenizer_dir)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
        num_attention_heads=9, num_key_value_heads=3, max_position_embeddings=2048,
        tie_word_embeddings=True,
    )  # fmt: skip
    LlamaForCausalLM(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def _save_adapter(model_dir: Path, directory: Path) -> Path:
    """An adapter with non-zero weights (as after training) to time generation with."""
    model, _ = load_causal_lm(model_dir)
    config = lora_config(BENCHMARKED_LORA)
    config.init_lora_weights = False
    get_peft_model(model, config).save_pretrained(directory)
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", type=Path, default=Path("data/models/starter"))
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--train-only", choices=("lora", "full"))
    parser.add_argument("--smollm-shape", action="store_true", help="train a 135M model instead")
    args = parser.parse_args()
    if args.train_only:
        print(json.dumps(train_once(args.model_dir, args.train_only, args.steps, args.batch_size)))
        return

    scratch = tempfile.TemporaryDirectory()
    train_dir = args.model_dir
    if args.smollm_shape:
        train_dir = _smollm_shaped(args.model_dir, Path(scratch.name) / "smollm-shape")
    results = {mode: [] for mode in ("lora", "full")}
    for _ in range(2):  # interleaved, so both see the same machine load
        for mode in results:
            results[mode].append(_train_in_subprocess(train_dir, mode, args.steps, args.batch_size))
    scratch.cleanup()
    size = "SmolLM2-135M shape" if args.smollm_shape else str(args.model_dir)
    print(f"training {size}: {args.steps} steps x {args.batch_size} tickets, median of 2 runs")
    print("| | trainable parameters | tokens/s | peak RSS | growth during training |")
    print("|---|---|---|---|---|")
    for mode, runs in results.items():
        rate = statistics.median(r["tokens_per_s"] for r in runs)
        peak = statistics.median(r["peak_rss_mb"] for r in runs)
        growth = statistics.median(r["peak_growth_mb"] for r in runs)
        print(f"| {mode} | {runs[0]['trainable_parameters']:,} | {rate:,.0f} | {peak:,.0f} MB "
              f"| {growth:,.0f} MB |")  # fmt: skip

    if args.smollm_shape:
        return
    with tempfile.TemporaryDirectory() as directory:
        adapter = _save_adapter(args.model_dir, Path(directory) / "adapter")
        rates = generation_speed(args.model_dir, adapter, args.rounds)
    print(f"\ngeneration: {len(QUESTIONS)} prompts x 48 new tokens, median of {args.rounds} rounds")
    print("| | tokens/s | vs base |")
    print("|---|---|---|")
    for name, rate in rates.items():
        print(f"| {name} | {rate:,.0f} | {rate / rates['base']:.2f}x |")


if __name__ == "__main__":
    main()
