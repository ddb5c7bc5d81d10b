"""Build the offline starter model: a tokenizer, a small Llama trained from scratch, a topic model.

The training data is the project's own multi-domain support conversations
(`training.demo_data.general_conversations`), rendered by the same prompt template serving uses
(`compact-v1`): the conversation, with the customer's topic as context. Replies name company facts
and order numbers as placeholders ({website}, {order}), which serving fills in, so the starter
serves any company. The topic classifier (MiniLM) is fitted on the same conversations and saved
beside the model; everything is saved with `save_pretrained`, so it loads like any hub model.
Why this design: docs/starter.md.

    supportbot build-starter                       # into <data_dir>/models/starter
    supportbot build-starter --steps 400 --output-dir /tmp/starter

Training runs a fixed number of steps from a fixed seed, so the model does not depend on how busy
the machine is; the time it took is measured and reported.
"""

import json
import math
import tempfile
import time
import zlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import torch
from transformers import (
    DataCollatorForSeq2Seq,
    PreTrainedModel,
    PreTrainedTokenizerFast,
    PrinterCallback,
    Trainer,
    set_seed,
)

from backend.runtime.artifacts import BUILD_INFO_FILE
from prompts import CompanyFacts
from prompts.topics import TopicClassifier, topic_context
from training.demo_data import CompanyProfile, Conversation, general_conversations
from training.plots import plot_loss_curve
from training.precision import bf16_is_fast
from training.progress import ProgressPrinter, format_duration
from training.sft import LabelScope, SupportExample, example_messages, tokenize_examples
from training.starter.architecture import StarterArchitecture, new_starter_model
from training.starter.tokenizer import train_tokenizer
from training.trainer import save_atomically, sft_training_arguments


@dataclass
class StarterBuildArgs:
    """How to build the starter; the defaults make the shipped one."""

    output_dir: Path
    max_steps: int = 1900  # about 4.4 epochs; 7 minutes on 2 idle CPU cores
    vocab_size: int = 8192
    architecture: StarterArchitecture = field(default_factory=StarterArchitecture)
    batch_size: int = 8
    learning_rate: float = 1.5e-3
    max_length: int = 384
    held_out_fraction: float = 0.05
    prompt_version: str = "compact-v1"
    # From scratch, learning the customers' wording as well as the replies helps.
    label_scope: LabelScope = "all"
    seed: int = 0


def company_facts_of(profile: CompanyProfile) -> CompanyFacts:
    """The prompt's company facts for a demo-data company profile."""
    values = {name: getattr(profile, name) for name in CompanyFacts.model_fields}
    return CompanyFacts.model_validate(values)


def conversation_example(conversation: Conversation, topic: str | None = None) -> SupportExample:
    """The last bot reply of a conversation as a training example, with its topic as context."""
    *earlier, request, reply = conversation.turns
    return SupportExample(
        company=company_facts_of(conversation.company),
        history=earlier,
        message=request.text,
        reply=reply.text,
        context=topic_context(topic or conversation.intent),
    )


def split_by_phrasing(
    conversations: list[Conversation], held_out_fraction: float
) -> tuple[list[Conversation], list[Conversation]]:
    """Hold out whole request phrasings, so the held-out numbers measure unseen wording."""

    def held_out(conversation: Conversation) -> bool:
        bucket = zlib.crc32(conversation.phrasing_id.encode()) % 10_000
        return bucket < held_out_fraction * 10_000

    train = [c for c in conversations if not held_out(c)]
    test = [c for c in conversations if held_out(c)]
    return train, test


def starter_conversations(seed: int) -> list[Conversation]:
    """The starter's training conversations: replies with placeholders."""
    return general_conversations(seed=seed, placeholders=True)


def build_starter(args: StarterBuildArgs) -> dict:
    """Train and save the starter into `args.output_dir`; returns the build report."""
    started = time.perf_counter()
    set_seed(args.seed)
    train, held_out = split_by_phrasing(starter_conversations(args.seed), args.held_out_fraction)
    print(f"[starter] {len(train)} training and {len(held_out)} held-out conversations", flush=True)

    topics = TopicClassifier.fit([c.turns[-2].text for c in train], [c.intent for c in train])
    predicted = topics.predict([c.turns[-2].text for c in held_out])
    topic_accuracy = sum(
        p.label == c.intent for p, c in zip(predicted, held_out, strict=True)
    ) / max(len(held_out), 1)
    print(f"[starter] topic classifier: {topic_accuracy:.1%} on held-out wording", flush=True)

    train_examples = [conversation_example(c) for c in train]
    # Held-out loss is measured the way serving works: with the predicted topic.
    held_out_examples = [
        conversation_example(c, p.label) for c, p in zip(held_out, predicted, strict=True)
    ]
    tokenizer = train_tokenizer(
        _tokenizer_corpus(train_examples + held_out_examples, args.prompt_version),
        args.vocab_size,
    )
    train_rows = tokenize_examples(
        train_examples, tokenizer, args.prompt_version, args.max_length, args.label_scope
    )
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
    max_steps = max(1, args.max_steps)
    print(
        f"[starter] {max_steps} steps = {max_steps / steps_per_epoch:.1f} epochs"
        f" (bf16={use_bf16}, seed {args.seed})",
        flush=True,
    )

    with tempfile.TemporaryDirectory(prefix="starter-trainer-") as scratch:
        trainer = Trainer(
            model=model,
            args=sft_training_arguments(
                scratch,
                max_steps,
                args.batch_size,
                args.learning_rate,
                args.seed,
                evaluate=bool(args.held_out_fraction),
                use_bf16=use_bf16,
                device=device,
            ),
            train_dataset=train_rows,
            eval_dataset=held_out_rows or None,
            data_collator=collator,
            processing_class=tokenizer,
            callbacks=[ProgressPrinter("starter")],
        )
        trainer.remove_callback(PrinterCallback)  # ProgressPrinter reports instead
        trainer.train()
        held_out_loss = trainer.evaluate()["eval_loss"] if held_out_rows else None
        log_history = trainer.state.log_history

    report = {
        "name": "supportbot-starter",
        # Of the losses alone, not the timings: two builds of the same model share the id.
        "build_id": f"{zlib.crc32(json.dumps(_losses(log_history)).encode()):08x}",
        "created_at": datetime.now(UTC).isoformat(),
        "parameters": n_params,
        "vocab_size": len(tokenizer),
        "architecture": asdict(args.architecture),
        "prompt_version": args.prompt_version,
        "placeholders": True,
        "label_scope": args.label_scope,
        "seed": args.seed,
        "held_out_fraction": args.held_out_fraction,
        "train_conversations": len(train_rows),
        "held_out_conversations": len(held_out_rows),
        "topic_accuracy_held_out": round(topic_accuracy, 4),
        "steps": max_steps,
        "epochs": round(max_steps / steps_per_epoch, 2),
        "final_train_loss": next(
            (row["loss"] for row in reversed(log_history) if "loss" in row), None
        ),
        "held_out_reply_loss": held_out_loss,
        "bf16": use_bf16,
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    _save_atomically(model, tokenizer, topics, report, log_history, args.output_dir)
    print(
        f"[starter] done in {format_duration(report['build_seconds'])}: held-out reply loss"
        f" {held_out_loss} -> {args.output_dir}",
        flush=True,
    )
    return report


def _losses(log_history: list[dict]) -> list[tuple]:
    return [(row.get("step"), row.get("loss"), row.get("eval_loss")) for row in log_history]


def _tokenizer_corpus(examples: list[SupportExample], prompt_version: str) -> list[str]:
    """Every text the model will read or write."""
    return [m["content"] for e in examples for m in example_messages(e, prompt_version)]


def _save_atomically(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerFast,
    topics: TopicClassifier,
    report: dict,
    log_history: list[dict],
    output_dir: Path,
) -> None:
    def write(staging: Path) -> None:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        topics.save(staging)
        plot_loss_curve(
            log_history,
            staging / "loss_curve.png",
            "supportbot starter, trained from scratch",
            train_label="training loss (every token)",
            eval_label="held-out loss (reply tokens, predicted topic)",
        )
        (staging / "log_history.json").write_text(json.dumps(log_history, indent=1))
        (staging / BUILD_INFO_FILE).write_text(json.dumps(report, indent=2))

    save_atomically(output_dir, write)
