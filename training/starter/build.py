"""Build the offline starter model: train a tokenizer and a small Llama from scratch.

The training data is the project's own multi-domain support conversations
(`training.demo_data.general_conversations`), rendered by the same prompt templates serving uses.
The result is saved with `save_pretrained`, so it loads like any hub model.

    supportbot build-starter                       # into <data_dir>/models/starter
    supportbot build-starter --train-minutes 2 --output-dir /tmp/starter
"""

import json
import math
import random
import shutil
import statistics
import tempfile
import time
import zlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import torch
from transformers import DataCollatorForSeq2Seq, Trainer, TrainingArguments, set_seed

from training.demo_data import Conversation, general_conversations
from training.plots import plot_loss_curve
from training.precision import bf16_is_fast
from training.progress import ProgressPrinter, format_duration
from training.sft import SupportExample, tokenize_examples
from training.starter.architecture import StarterArchitecture, new_starter_model
from training.starter.artifact import BUILD_INFO_FILE
from training.starter.tokenizer import train_tokenizer


@dataclass
class StarterBuildArgs:
    """How to build the starter; the defaults make the shipped one."""

    output_dir: Path
    train_minutes: float = 7.0
    max_epochs: float = 8.0
    vocab_size: int = 8192
    architecture: StarterArchitecture = field(default_factory=StarterArchitecture)
    batch_size: int = 32
    learning_rate: float = 2e-3
    max_length: int = 384
    held_out_fraction: float = 0.05
    prompt_version: str = "v1"
    seed: int = 0


def conversation_example(conversation: Conversation) -> SupportExample:
    """The last bot reply of a conversation as a training example."""
    *earlier, request, reply = conversation.turns
    return SupportExample(conversation.company.name, earlier, request.text, reply.text)


def split_by_phrasing(
    conversations: list[Conversation], held_out_fraction: float
) -> tuple[list[Conversation], list[Conversation]]:
    """Hold out whole request phrasings, so the held-out loss measures unseen wording."""

    def held_out(conversation: Conversation) -> bool:
        bucket = zlib.crc32(conversation.phrasing_id.encode()) % 10_000
        return bucket < held_out_fraction * 10_000

    train = [c for c in conversations if not held_out(c)]
    test = [c for c in conversations if held_out(c)]
    return train, test


def build_starter(args: StarterBuildArgs) -> dict:
    """Train and save the starter into `args.output_dir`; returns the build report."""
    started = time.perf_counter()
    set_seed(args.seed)
    conversations = general_conversations(seed=args.seed)
    train_conversations, held_out_conversations = split_by_phrasing(
        conversations, args.held_out_fraction
    )
    train_examples = [conversation_example(c) for c in train_conversations]
    held_out_examples = [conversation_example(c) for c in held_out_conversations]
    print(
        f"[starter] {len(train_examples)} training and {len(held_out_examples)} held-out"
        " conversations",
        flush=True,
    )

    tokenizer = train_tokenizer(_tokenizer_corpus(conversations), args.vocab_size)
    train_rows = tokenize_examples(train_examples, tokenizer, args.prompt_version, args.max_length)
    held_out_rows = tokenize_examples(
        held_out_examples, tokenizer, args.prompt_version, args.max_length
    )
    model = new_starter_model(tokenizer, args.architecture)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"[starter] tokenizer: {len(tokenizer)} tokens; model: {n_params / 1e6:.1f}M parameters")

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    use_bf16 = bf16_is_fast(device)
    collator = DataCollatorForSeq2Seq(tokenizer, padding=True, pad_to_multiple_of=8)
    steps_per_epoch = math.ceil(len(train_rows) / args.batch_size)
    step_seconds = _measure_step_seconds(model.to(device), collator, train_rows, args, use_bf16)
    budget_steps = int(args.train_minutes * 60 * 0.95 / step_seconds)
    max_steps = max(1, min(budget_steps, int(args.max_epochs * steps_per_epoch)))
    expected = format_duration(max_steps * step_seconds)
    print(
        f"[starter] {step_seconds * 1000:.0f} ms/step (bf16={use_bf16}); training {max_steps}"
        f" steps = {max_steps / steps_per_epoch:.1f} epochs, about {expected}",
        flush=True,
    )

    with tempfile.TemporaryDirectory(prefix="starter-trainer-") as scratch:
        trainer = Trainer(
            model=model,
            args=_training_arguments(scratch, args, max_steps, use_bf16, device),
            train_dataset=train_rows,
            eval_dataset=held_out_rows or None,
            data_collator=collator,
            processing_class=tokenizer,
            callbacks=[ProgressPrinter("starter", time_budget_s=args.train_minutes * 60 * 1.2)],
        )
        trainer.train()
        held_out_loss = trainer.evaluate()["eval_loss"] if held_out_rows else None
        log_history = trainer.state.log_history

    report = {
        "name": "supportbot-starter",
        "build_id": f"{zlib.crc32(json.dumps(log_history).encode()):08x}",
        "created_at": datetime.now(UTC).isoformat(),
        "parameters": n_params,
        "vocab_size": len(tokenizer),
        "architecture": asdict(args.architecture),
        "prompt_version": args.prompt_version,
        "train_conversations": len(train_rows),
        "held_out_conversations": len(held_out_rows),
        "steps": max_steps,
        "epochs": round(max_steps / steps_per_epoch, 2),
        "final_train_loss": next(
            (row["loss"] for row in reversed(log_history) if "loss" in row), None
        ),
        "held_out_loss": held_out_loss,
        "bf16": use_bf16,
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    _save_atomically(model, tokenizer, report, log_history, args.output_dir)
    print(
        f"[starter] done in {format_duration(report['build_seconds'])}: held-out loss"
        f" {held_out_loss} -> {args.output_dir}",
        flush=True,
    )
    return report


def _tokenizer_corpus(conversations: list[Conversation]) -> list[str]:
    texts = [turn.text for c in conversations for turn in c.turns]
    return texts + sorted({c.company.name for c in conversations})


def _training_arguments(
    output_dir: str, args: StarterBuildArgs, max_steps: int, use_bf16: bool, device: torch.device
) -> TrainingArguments:
    return TrainingArguments(
        output_dir=output_dir,
        max_steps=max_steps,
        per_device_train_batch_size=args.batch_size,
        per_device_eval_batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        lr_scheduler_type="cosine",
        warmup_steps=0.05,
        weight_decay=0.01,
        train_sampling_strategy="group_by_length",
        logging_steps=max(1, max_steps // 40),
        eval_strategy="steps" if args.held_out_fraction else "no",
        eval_steps=max(1, max_steps // 5),
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
        include_num_input_tokens_seen="non_padding",
        bf16=use_bf16,
        use_cpu=device.type == "cpu",
        seed=args.seed,
        dataloader_num_workers=0,
    )


def _measure_step_seconds(
    model: torch.nn.Module,
    collator: DataCollatorForSeq2Seq,
    rows: list[dict[str, list[int]]],
    args: StarterBuildArgs,
    use_bf16: bool,
) -> float:
    """Seconds per training step, timed on a few real batches (weights are left unchanged)."""
    rng = random.Random(args.seed)
    device = next(model.parameters()).device
    timings = []
    for _ in range(4):
        batch = collator(rng.sample(rows, min(args.batch_size, len(rows))))
        batch = {key: value.to(device) for key, value in batch.items()}
        tick = time.perf_counter()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
            loss = model(**batch).loss
        loss.backward()
        timings.append(time.perf_counter() - tick)
    model.zero_grad(set_to_none=True)
    # The first pass warms up kernels; the optimizer step adds roughly 10 %.
    return statistics.median(timings[1:]) * 1.1


def _save_atomically(model, tokenizer, report: dict, log_history: list, output_dir: Path) -> None:
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}-", dir=output_dir.parent))
    model.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    plot_loss_curve(log_history, staging / "loss_curve.png", "supportbot starter (from scratch)")
    (staging / "log_history.json").write_text(json.dumps(log_history, indent=1))
    (staging / BUILD_INFO_FILE).write_text(json.dumps(report, indent=2))
    if output_dir.exists():
        shutil.rmtree(output_dir)
    staging.rename(output_dir)
