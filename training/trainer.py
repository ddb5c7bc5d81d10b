"""Trainer settings and model saving shared by the starter build and LoRA fine-tuning."""

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import torch
from transformers import TrainingArguments


def sft_training_arguments(
    output_dir: str,
    max_steps: int,
    batch_size: int,
    learning_rate: float,
    seed: int,
    evaluate: bool,
    use_bf16: bool,
    device: torch.device,
) -> TrainingArguments:
    """Cosine schedule, length-grouped batches, ~40 progress lines, 5 held-out evaluations."""
    return TrainingArguments(
        output_dir=output_dir,
        max_steps=max_steps,
        per_device_train_batch_size=batch_size,
        per_device_eval_batch_size=32,
        learning_rate=learning_rate,
        lr_scheduler_type="cosine",
        warmup_steps=0.05,
        weight_decay=0.01,
        train_sampling_strategy="group_by_length",
        logging_steps=max(1, max_steps // 40),
        eval_strategy="steps" if evaluate else "no",
        eval_steps=max(1, max_steps // 5),
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
        include_num_input_tokens_seen="non_padding",
        bf16=use_bf16,
        use_cpu=device.type == "cpu",
        seed=seed,
        dataloader_num_workers=0,
    )


def save_atomically(output_dir: Path, write: Callable[[Path], None]) -> None:
    """Let `write` fill a staging directory, then move it to `output_dir` in one rename.

    A reader (a serving worker, the registry) never sees a half-written model, and a failed
    write leaves nothing behind.
    """
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}-", dir=output_dir.parent))
    try:
        write(staging)
    except BaseException:  # a full disk, a crash: leave nothing half-written behind
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if output_dir.exists():
        shutil.rmtree(output_dir)
    staging.rename(output_dir)
