"""Fine-tuning of the support model on solved tickets (the TRL `sft.py` script shape).

    supportbot train                                        # approved tickets from the database
    supportbot train --data export.csv --num_train_epochs 2 --lora_r 8
    supportbot train --method full                          # every weight, no LoRA
    supportbot train --config train.yaml --learning_rate 5e-4   # YAML, flags override it

Examples are rendered by the serving prompt template and the tokenizer's chat template, and the
loss covers the reply tokens only. LoRA goes on every linear layer of the base except the output
head, with no `modules_to_save`, so the adapter also loads in vLLM. Full fine-tuning (`--method
full`) trains every weight and saves the whole model (`save_pretrained`, tokenizer included), which
the registry serves and hot-swaps like an adapter. The directory holds the weights,
`adapter_info.json` (method, base model, prompt version, data hash, hyperparameters, losses), the
loss curve, and a topic classifier fitted on the tickets' intents when they have any.
"""

import json
import math
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
import yaml
from langchain_core.documents import Document
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import (
    DataCollatorForSeq2Seq,
    HfArgumentParser,
    PreTrainedModel,
    PrinterCallback,
    Trainer,
    TrainerCallback,
    set_seed,
)
from transformers.tokenization_utils_base import PreTrainedTokenizerBase

from backend.runtime.artifacts import ADAPTER_INFO_FILE, is_full_model
from backend.runtime.loading import count_parameters, load_causal_lm, pick_device
from prompts import CompanyFacts, SupportPrompt
from prompts.embeddings import embed
from prompts.topics import TopicClassifier
from training.plots import plot_loss_curve
from training.precision import bf16_is_fast
from training.progress import ProgressPrinter, format_duration
from training.sft import SupportExample, tokenize_examples
from training.tickets import (
    SolvedTicketIndex,
    TicketExample,
    data_hash,
    split_tickets,
    ticket_example,
)
from training.trainer import save_atomically, sft_training_arguments


@dataclass
class LoraTrainArgs:
    """Arguments of `supportbot train`, from flags or a YAML file (`--config`)."""

    data: Path | None = field(
        default=None, metadata={"help": "A CSV/JSONL ticket export; default: approved tickets."}
    )
    output_dir: Path | None = field(
        default=None, metadata={"help": "Default: <data_dir>/adapters/<version>."}
    )
    base_model: str | None = field(
        default=None, metadata={"help": "Hub id or directory; default: the served base model."}
    )
    prompt_version: str | None = field(
        default=None,
        metadata={
            "help": "Default: the one for adapters of the base (compact-v2 for the starter, which"
            " shows the nearest solved reply), else the base model's own (v2 for hub models)."
        },
    )
    method: str = field(
        default="auto",
        metadata={
            "help": "`lora` (a peft LoRA adapter), `full` (every weight, saved as a whole model)"
            " or `auto` (see `choose_method`).",
            "choices": ["auto", "lora", "full"],
        },
    )
    lora_r: int = field(default=32, metadata={"help": "LoRA rank."})
    lora_alpha: int = field(default=64, metadata={"help": "LoRA scaling numerator."})
    lora_dropout: float = 0.05
    target_modules: list[str] | None = field(
        default=None,
        metadata={"help": "Module names to adapt; default: every linear layer but the head."},
    )
    learning_rate: float | None = field(
        default=None, metadata={"help": "Default: 4e-3 for LoRA, 1e-3 for full fine-tuning."}
    )
    num_train_epochs: float | None = field(
        default=None, metadata={"help": "Default: 1.5 for LoRA, 2.5 for full fine-tuning."}
    )
    max_steps: int = field(default=-1, metadata={"help": "Overrides num_train_epochs when > 0."})
    per_device_train_batch_size: int = 16
    max_length: int | None = field(
        default=None,
        metadata={
            "help": "Default: 640 for LoRA (a long reply and the solved reply shown before it),"
            " 512 for full fine-tuning."
        },
    )
    solved_reply: str = field(
        default="closest",
        metadata={
            "help": "Which retrieved solved reply a training example shows, where the prompt has"
            " one: `closest` (the candidate most like the ticket's own reply, so that the model"
            " learns to copy from its prompt) or `nearest` (the top one, as serving shows).",
            "choices": ["closest", "nearest"],
        },
    )
    reply_strategy: str = field(
        default="rank_solved",
        metadata={
            "help": "How the adapter answers when it serves: `rank_solved` (it ranks the solved"
            " replies retrieval found for the message's topic and sends the best, writing its"
            " own only when there are none) or `generate` (it always writes).",
            "choices": ["rank_solved", "generate"],
        },
    )
    seed: int = 0


def parse_train_args(argv: list[str]) -> LoraTrainArgs:
    """The arguments from `argv`; `--config FILE.yaml` supplies defaults that flags override."""
    parser = HfArgumentParser(
        LoraTrainArgs,
        prog="supportbot train",
        description="LoRA fine-tuning on solved tickets; --config FILE.yaml supplies defaults.",
    )
    if "--config" in argv:
        index = argv.index("--config")
        config = yaml.safe_load(Path(argv[index + 1]).read_text(encoding="utf-8")) or {}
        unknown = set(config) - set(LoraTrainArgs.__dataclass_fields__)
        if unknown:
            raise SystemExit(f"unknown training arguments in the config: {sorted(unknown)}")
        parser.set_defaults(**config)
        argv = argv[:index] + argv[index + 2 :]
    (args,) = parser.parse_args_into_dataclasses(args=argv)
    return args


# The template a LoRA adapter of a base trained with the first is trained with, by default: a
# LoRA adapter of the starter also reads the nearest solved reply. A fully fine-tuned starter
# keeps the base's shorter template, which it learns to write from (docs/evaluation.md).
ADAPTER_PROMPT_OF_BASE = {"compact-v1": "compact-v2"}


def adapter_prompt_version(base_prompt_version: str, method: str) -> str:
    """The default prompt version of a `method` fine-tune of a base trained with the given one."""
    if method == "full":
        return base_prompt_version
    return ADAPTER_PROMPT_OF_BASE.get(base_prompt_version, base_prompt_version)


@dataclass(frozen=True)
class BaseModel:
    """The model an adapter is trained on: where it is, its name, its prompt, its topics."""

    path: str
    name: str
    prompt_version: str
    topics: TopicClassifier | None


def train_adapter(
    args: LoraTrainArgs,
    base: BaseModel,
    tickets: list[TicketExample],
    company: CompanyFacts,
    adapters_dir: Path,
    *,
    context_tickets: Sequence[TicketExample] | None = None,
    init_adapter: Path | None = None,
    callbacks: Sequence[TrainerCallback] = (),
    device: str = "auto",
) -> dict:
    """Fine-tune the base on `tickets` (a LoRA adapter, or every weight) and save it under
    `adapters_dir` unless `args.output_dir` says where.

    `context_tickets` (default: `tickets`) are all the solved tickets serving will know: the
    topic classifier is fitted and the solved replies retrieved from their training split.
    `init_adapter` continues training that adapter (or fully fine-tuned model), whatever
    `args.method` says. `device` is a `SUPPORTBOT_DEVICE` value (auto: CUDA when available).
    Returns the adapter_info, with `output_dir`.
    """
    started = time.perf_counter()
    set_seed(args.seed)
    train, held_out = split_tickets(tickets)
    if not train:
        raise ValueError("no tickets to train on")
    print(f"[train] {len(train)} training and {len(held_out)} held-out tickets", flush=True)
    known_train, known_held_out = (
        split_tickets(context_tickets) if context_tickets is not None else (train, held_out)
    )
    prompt = SupportPrompt(base.prompt_version, company)
    topics = choose_topic_classifier(known_train, known_held_out, base.topics)
    solved = None
    if {"solved_reply", "tickets"} & set(prompt.context_blocks):
        print(f"[train] indexing {len(known_train)} solved tickets for the prompt", flush=True)
        solved = SolvedTicketIndex.of(known_train)
    train_examples = _examples(
        train,
        prompt,
        topics,
        solved,
        gold_topics=True,
        own_index=context_tickets is None,
        pick=args.solved_reply,
    )
    held_out_examples = _examples(held_out, prompt, topics, solved, gold_topics=False)

    torch_device = pick_device(device)
    model, tokenizer, method = _trainable_model(args, base, init_adapter, torch_device)
    defaults = METHOD_DEFAULTS[method]
    args = replace(
        args,
        method=method,
        learning_rate=args.learning_rate or defaults.learning_rate,
        num_train_epochs=args.num_train_epochs or defaults.num_train_epochs,
        max_length=args.max_length or defaults.max_length,
    )
    max_length = min(args.max_length, model.config.max_position_embeddings)
    rows = tokenize_examples(train_examples, tokenizer, prompt.version, max_length)
    held_out_rows = tokenize_examples(held_out_examples, tokenizer, prompt.version, max_length)
    model.train()
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    print(f"[{method}] training {trainable:,} of {total:,} parameters ({trainable / total:.2%})")

    steps_per_epoch = math.ceil(len(rows) / args.per_device_train_batch_size)
    epoch_steps = math.ceil(args.num_train_epochs * steps_per_epoch)
    max_steps = max(1, args.max_steps if args.max_steps > 0 else epoch_steps)
    use_bf16 = bf16_is_fast(torch_device)
    with tempfile.TemporaryDirectory(prefix="lora-trainer-") as scratch:
        trainer = Trainer(
            model=model,
            args=sft_training_arguments(
                scratch,
                max_steps,
                args.per_device_train_batch_size,
                args.learning_rate,
                args.seed,
                evaluate=bool(held_out_rows),
                use_bf16=use_bf16,
                device=torch_device,
            ),
            train_dataset=rows,
            eval_dataset=held_out_rows or None,
            data_collator=DataCollatorForSeq2Seq(tokenizer, padding=True, pad_to_multiple_of=8),
            processing_class=tokenizer,
            callbacks=[ProgressPrinter(method), *callbacks],
        )
        trainer.remove_callback(PrinterCallback)
        trainer.train()
        held_out_loss = trainer.evaluate()["eval_loss"] if held_out_rows else None
        log_history = trainer.state.log_history

    hash_ = data_hash(train)
    created = datetime.now(UTC)
    info = {
        "version": f"{created:%Y%m%d-%H%M%S}-{hash_[:8]}",
        "base_model": base.name,
        "base_model_path": base.path,
        "prompt_version": prompt.version,
        "method": method,
        "reply_strategy": args.reply_strategy,
        "continued_from": str(init_adapter) if init_adapter else None,
        "data_hash": hash_,
        "train_tickets": len(train),
        "held_out_tickets": len(held_out),
        "hyperparameters": {
            k: str(v) if isinstance(v, Path) else v for k, v in asdict(args).items()
        },
        "target_modules": (
            sorted(model.peft_config["default"].target_modules) if method == "lora" else None
        ),
        "steps": trainer.state.global_step,
        "epochs": round(trainer.state.global_step / steps_per_epoch, 2),
        "final_train_loss": next((r["loss"] for r in reversed(log_history) if "loss" in r), None),
        "held_out_reply_loss": held_out_loss,
        "bf16": use_bf16,
        "created_at": created.isoformat(),
        "train_seconds": round(time.perf_counter() - started, 1),
    }
    output_dir = args.output_dir or adapters_dir / info["version"]
    own_topics = topics if topics is not base.topics else None
    _save_atomically(model, tokenizer, own_topics, info, log_history, output_dir)
    print(
        f"[{method}] done in {format_duration(info['train_seconds'])}: held-out reply loss"
        f" {held_out_loss} -> {output_dir}",
        flush=True,
    )
    return {**info, "output_dir": str(output_dir)}


def lora_config(args: LoraTrainArgs) -> LoraConfig:
    """Plain LoRA on linear layers (all but the output head unless named), nothing else saved."""
    return LoraConfig(
        r=args.lora_r,
        lora_alpha=args.lora_alpha,
        lora_dropout=args.lora_dropout,
        target_modules=args.target_modules or "all-linear",
        task_type="CAUSAL_LM",
    )


@dataclass(frozen=True)
class MethodDefaults:
    """What a fine-tuning method trains with unless told otherwise (docs/evaluation.md)."""

    title: str
    learning_rate: float
    num_train_epochs: float
    max_length: int


METHOD_DEFAULTS = {
    "lora": MethodDefaults("LoRA adapter", 4e-3, num_train_epochs=1.5, max_length=640),
    "full": MethodDefaults("fully fine-tuned model", 1e-3, num_train_epochs=2.5, max_length=512),
}


# Below this size a base is fully fine-tuned by default: a 5.7M-parameter model learns to write
# long replies with all its weights and not with a low-rank update (docs/evaluation.md, run 9).
FULL_FINETUNE_MAX_PARAMETERS = 50_000_000


def choose_method(method: str, base_path: str) -> str:
    """The fine-tuning method for `method` (`auto`: full for a small base, else LoRA)."""
    if method != "auto":
        return method
    return "full" if count_parameters(base_path) <= FULL_FINETUNE_MAX_PARAMETERS else "lora"


def _trainable_model(
    args: LoraTrainArgs,
    base: BaseModel,
    init_adapter: Path | None,
    device: torch.device,
) -> tuple[PreTrainedModel | PeftModel, PreTrainedTokenizerBase, str]:
    """The model to train, its tokenizer and the method: a continued one keeps its own."""
    if init_adapter is not None and is_full_model(init_adapter):
        print(f"[full] continuing from fully fine-tuned model {init_adapter}", flush=True)
        model, tokenizer = load_causal_lm(init_adapter, device=device)
        return model, tokenizer, "full"
    model, tokenizer = load_causal_lm(base.path, device=device)
    if init_adapter is not None:
        print(f"[lora] continuing from adapter {init_adapter}", flush=True)
        return PeftModel.from_pretrained(model, init_adapter, is_trainable=True), tokenizer, "lora"
    method = choose_method(args.method, base.path)
    if method == "full":
        return model, tokenizer, method
    model = get_peft_model(model, lora_config(args))
    # Saved as layer names (q_proj, ...), not paths, so vLLM and other loaders match them.
    config = model.peft_config["default"]
    config.target_modules = {name.rsplit(".", 1)[-1] for name in config.target_modules}
    return model, tokenizer, method


def choose_topic_classifier(
    train: list[TicketExample], held_out: list[TicketExample], base_topics: TopicClassifier | None
) -> TopicClassifier | None:
    """The topic classifier that tells the held-out tickets' intents best.

    Candidates: one fitted on the tickets' intents, the base model's (which scores 0 on topics
    it does not know), and the fitted one extending the base's (the base's generic topics, the
    tickets' own added).
    """
    labelled = [t for t in train if t.intent]
    if len({t.intent for t in labelled}) < 2:
        return base_topics
    print(f"[train] fitting the topic classifier on {len(labelled)} labelled tickets", flush=True)
    fitted = TopicClassifier.fit([t.customer_text for t in labelled], [t.intent for t in labelled])
    checked = [t for t in held_out if t.intent]
    if base_topics is None or not checked:
        return fitted
    vectors = embed([t.customer_text for t in checked])
    # On a tie the first wins: the base's as it is, then the least change to it.
    candidates = {
        "the base model's": base_topics,
        "fitted, extending the base model's": fitted.extending(base_topics),
        "fitted": fitted,
    }
    accuracy = {
        name: statistics.fmean(
            topic.label == t.intent
            for topic, t in zip(classifier.predict_vectors(vectors), checked, strict=True)
        )
        for name, classifier in candidates.items()
    }
    keep = max(accuracy, key=accuracy.__getitem__)
    scores = ", ".join(f"{name} {value:.1%}" for name, value in accuracy.items())
    print(f"[train] topic accuracy on {len(checked)} held-out tickets: {scores}; keeping {keep}")
    return candidates[keep]


def _examples(
    tickets: list[TicketExample],
    prompt: SupportPrompt,
    topics: TopicClassifier | None,
    solved: SolvedTicketIndex | None,
    gold_topics: bool,
    own_index: bool = False,
    pick: str = "nearest",
) -> list[SupportExample]:
    """Training examples as serving renders them, with a retrieved ticket of `solved` if given.

    `own_index`: `tickets` are the ones `solved` indexes, so their embeddings are reused.
    `pick`: show the nearest ticket, or the retrieved one whose reply is closest to the target.
    """
    labels = [_topic(t, topics, gold=gold_topics) for t in tickets]
    if solved is None:
        return [ticket_example(t, prompt, label) for t, label in zip(tickets, labels, strict=True)]
    vectors = solved.vectors if own_index else embed([t.customer_text for t in tickets])

    def shown(ticket: TicketExample, label: str | None, vector: np.ndarray) -> Document | None:
        if pick == "closest":
            return solved.closest_solved(ticket.customer_text, vector, label, ticket.reply)
        return solved.nearest_solved(ticket.customer_text, vector, label)

    return [
        ticket_example(t, prompt, label, shown(t, label, vector))
        for t, label, vector in zip(tickets, labels, vectors, strict=True)
    ]


def _topic(ticket: TicketExample, topics: TopicClassifier | None, gold: bool = False) -> str | None:
    """The topic line of a training example: its intent (`gold`) or what serving would predict."""
    if topics is None:
        return None
    if gold and ticket.intent in topics.all_labels:
        return ticket.intent
    return topics.predict([ticket.customer_text])[0].label


def _save_atomically(
    model: PreTrainedModel | PeftModel,
    tokenizer: PreTrainedTokenizerBase,
    topics: TopicClassifier | None,
    info: dict,
    log_history: list[dict],
    output_dir: Path,
) -> None:
    def write(staging: Path) -> None:
        model.save_pretrained(staging)
        if info["method"] == "full":  # a whole model: it loads on its own, as a base does
            tokenizer.save_pretrained(staging)
        if topics is not None:
            topics.save(staging)
        plot_loss_curve(
            log_history,
            staging / "loss_curve.png",
            f"{METHOD_DEFAULTS[info['method']].title} {info['version']} on {info['base_model']}",
            train_label="training loss (reply tokens)",
            eval_label="held-out loss (reply tokens, predicted topic)",
        )
        (staging / "log_history.json").write_text(json.dumps(log_history, indent=1))
        (staging / ADAPTER_INFO_FILE).write_text(json.dumps(info, indent=2))

    save_atomically(output_dir, write)
