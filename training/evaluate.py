"""`supportbot eval`: prompt engineering, fine-tuning, both, and retrieval, side by side.

    supportbot eval --adapter data/adapters/<version>                  # approved tickets
    supportbot eval --adapter DIR --data export.csv --limit 100 --max-new-tokens 256

The tickets are split by `training.tickets.split_tickets`, the fixed split by text that training
uses, so the held-out tickets are ones the adapter never saw. Each held-out request is answered by
four variants:

- `prompt` (prompt engineering): the base model behind the prompt layer: its template, the topic
  line from the base's topic classifier, guardrails and the escalation policy, placeholders filled;
- `finetune` (fine-tuning): base + LoRA adapter with a bare prompt: the adapter's template with
  empty context (no topic line) and no escalation policy; placeholders filled;
- `both` (fine-tuning and prompt): base + adapter behind the prompt layer, the topic line from the
  adapter's topic classifier (else the base's);
- `retrieval` (baseline): the reply of the training ticket whose request is the most similar
  (MiniLM cosine).

Measured for each: the on-intent rate (a MiniLM classifier fitted on the training split's reference
replies reads the intent back from the reply; its rate on the held-out references is the ceiling),
semantic similarity (MiniLM cosine) and ROUGE-L (`rouge-score`) to the reference reply, escalation
precision and recall (a ticket should go to a person when it was escalated or its intent is
`contact_human_agent`; a turn the policy hands over gets the hand-off text as its reply), the
median time to a whole reply and decoding tokens/s. Written into the output directory (default:
`<adapter>/eval`): `report.md`, `metrics.json`, `chart.png` and `replies.jsonl`; the metrics are
also stored with the adapter as `eval_metrics.json`.
"""

import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import numpy as np
import torch
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from backend.models import Ticket
from backend.runtime.assistant import Assistant
from backend.runtime.base import ModelInfo
from backend.runtime.factory import trained_prompt_version
from backend.runtime.loading import load_causal_lm
from backend.runtime.local import LocalChatModel, generation_config_for
from backend.services.ticket_import import read_ticket_file
from prompts import CompanyFacts, ContextAssembler, SupportPrompt
from prompts.embeddings import embed, forget_cached_embeddings
from prompts.escalation import EscalationPolicy, TurnFacts, load_policy
from prompts.guardrails import looks_like_prompt_injection
from prompts.placeholders import fill_placeholders
from prompts.topics import TopicClassifier
from training.adapters import adapter_info
from training.eval_metrics import (
    escalation_scores,
    fit_intent_judge,
    judged_intents_of_vectors,
    latency_stats,
    rouge_l,
    similarities_of_vectors,
    tokens_per_second,
)
from training.progress import format_duration
from training.tickets import SolvedTicketIndex, TicketExample, data_hash, split_tickets

VARIANTS: dict[str, str] = {
    "prompt": "prompt only (base model + prompt layer)",
    "finetune": "fine-tune only (adapter, bare prompt)",
    "both": "fine-tune + prompt (adapter + prompt layer)",
    "retrieval": "retrieval (reply of the nearest training ticket)",
}
CHART_LABELS = {
    "prompt": "prompt only",
    "finetune": "fine-tune only",
    "both": "fine-tune + prompt",
    "retrieval": "retrieval",
}
HUMAN_INTENT = "contact_human_agent"  # tickets of this intent should go to a person
EVAL_METRICS_FILE = "eval_metrics.json"
DEFAULT_MAX_NEW_TOKENS = 256
# Hand-off replies are written as at this moment (a Tuesday, within the default office hours),
# so that two runs give the same text.
HANDOFF_AT = datetime(2026, 1, 6, 17, 0, tzinfo=UTC)
SAMPLE_REPLIES = 6
SAMPLE_CHARS = 320

# metric -> (label in the report, higher is better)
METRICS: dict[str, tuple[str, bool]] = {
    "on_intent": ("on-intent", True),
    "similarity": ("similarity", True),
    "rouge_l": ("ROUGE-L", True),
    "escalation_precision": ("escalation precision", True),
    "escalation_recall": ("escalation recall", True),
    "median_latency_ms": ("median latency", False),
    "tokens_per_s": ("tokens/s", True),
}


@dataclass(frozen=True)
class Reply:
    """One variant's answer to one held-out request, and what it cost."""

    text: str
    escalated: bool = False
    generated: bool = False
    latency_ms: float | None = None  # message to whole reply (prompt layer + generation)
    prompt_layer_ms: float | None = None  # topic, guardrails and escalation check
    generated_tokens: int = 0
    generation_ms: float | None = None
    mean_logprob: float | None = None
    topic: str | None = None


def load_eval_tickets(
    path: Path | None = None, engine: Engine | None = None
) -> tuple[list[TicketExample], frozenset[str]]:
    """Tickets from an export (else the database's approved ones), and the escalated requests."""
    if path is not None:
        rows = read_ticket_file(path).rows
        tickets = [TicketExample(r.customer_text, r.reply, r.intent) for r in rows]
        return tickets, frozenset(r.customer_text for r in rows if r.escalated)
    if engine is None:
        raise ValueError("give a ticket file or a database engine")
    from training.tickets import approved_tickets

    with Session(engine) as session:
        escalated = session.exec(
            select(Ticket.customer_text).where(
                col(Ticket.approved_for_training), col(Ticket.escalated)
            )
        ).all()
    return approved_tickets(engine), frozenset(escalated)


def evaluate_adapter(
    adapter_dir: Path,
    tickets: Sequence[TicketExample],
    company: CompanyFacts,
    *,
    escalated: Collection[str] = frozenset(),
    base_model: str | None = None,
    base_prompt_version: str | None = None,
    policy: EscalationPolicy | None = None,
    limit: int | None = None,
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
    tickets_shown: int = 2,
    repetition_penalty: float = 1.0,
    device: torch.device | None = None,
    merge_adapter: bool = True,
    output_dir: Path | None = None,
    data_source: str | None = None,
    progress: Callable[[str], None] = print,
) -> dict:
    """Answer the held-out tickets with the four variants, measure them, write the report.

    `escalated` holds the requests of tickets that went to a person; the prompt layer retrieves
    from the training tickets and shows `tickets_shown` of them where the template reads them.
    `base_model` defaults to the one the adapter records; `base_prompt_version` (for the
    prompt-only variant) to the one the base was trained with. Returns the metrics as written to
    `metrics.json`.
    """
    started = time.perf_counter()
    adapter_dir = Path(adapter_dir)
    info = adapter_info(adapter_dir)
    if not info:
        raise FileNotFoundError(f"{adapter_dir} has no adapter_info.json: not a trained adapter")
    base_path = str(base_model or info["base_model_path"])
    train, held_out = split_tickets(tickets)
    if not train or not held_out:
        raise ValueError(f"{len(train)} training and {len(held_out)} held-out tickets: too few")
    held_out = spread(held_out, limit)
    texts = [t.customer_text for t in held_out]
    should_escalate = [t.customer_text in escalated or t.intent == HUMAN_INTENT for t in held_out]
    policy = policy or load_policy()
    progress(
        f"[eval] {len(held_out)} held-out tickets ({len(train)} for training and retrieval);"
        f" base {base_path}, adapter {info.get('version', adapter_dir.name)}"
    )

    base_topics = TopicClassifier.load(Path(base_path)) if Path(base_path).is_dir() else None
    adapter_topics = TopicClassifier.load(adapter_dir) or base_topics
    base_prompt = SupportPrompt(
        base_prompt_version or trained_prompt_version(Path(base_path)), company
    )
    adapter_prompt = SupportPrompt(info.get("prompt_version") or base_prompt.version, company)
    policy.warm_up()
    embed(["warm up"])  # MiniLM loaded before anything is timed

    replies: dict[str, list[Reply]] = {}
    seconds: dict[str, float] = {}

    def run(name: str, answer: Callable[[str], Reply]) -> None:
        progress(f"[eval] variant {len(replies) + 1}/{len(VARIANTS)}: {VARIANTS[name]}")
        forget_cached_embeddings()  # every variant embeds each request afresh, as serving would
        clock = time.perf_counter()
        replies[name] = _answer_all(name, texts, answer, progress)
        seconds[name] = round(time.perf_counter() - clock, 1)

    def chat_model(adapter: Path | None) -> LocalChatModel:
        model, tokenizer = load_causal_lm(base_path, adapter, device, merge_adapter)
        config = generation_config_for(model, tokenizer, max_new_tokens, 0.0, repetition_penalty)
        return LocalChatModel(model, tokenizer, ModelInfo(base_path), config)

    progress(f"[eval] indexing the {len(train)} training tickets for retrieval")
    solved = SolvedTicketIndex.of(train)

    def prompt_layer(topics: TopicClassifier | None) -> ContextAssembler:
        # Retrieval as served: candidates from the training tickets, the topic's first.
        return ContextAssembler(topics, tickets=solved, tickets_shown=tickets_shown)

    assistant = Assistant(chat_model(None), base_prompt, prompt_layer(base_topics))
    run("prompt", partial(_with_prompt_layer, assistant, policy))
    assistant = None  # the base model can go before the adapted one is loaded
    tuned = chat_model(adapter_dir)
    run("finetune", partial(_bare, tuned, adapter_prompt))
    assistant = Assistant(tuned, adapter_prompt, prompt_layer(adapter_topics))
    run("both", partial(_with_prompt_layer, assistant, policy))
    assistant = tuned = None
    run("retrieval", partial(_nearest_reply, solved))

    judge_tickets = [t for t in train if t.intent]
    judge = None
    if len({t.intent for t in judge_tickets}) >= 2:
        progress(f"[eval] scoring: fitting the judge on {len(judge_tickets)} training replies")
        judge = fit_intent_judge(
            [t.reply for t in judge_tickets], [t.intent for t in judge_tickets]
        )
    references = [t.reply for t in held_out]
    intents = [t.intent for t in held_out]
    texts_to_embed = sorted({*references, *(r.text for rs in replies.values() for r in rs)})
    progress(f"[eval] scoring: embedding {len(texts_to_embed)} distinct replies and references")
    vectors = dict(zip(texts_to_embed, embed(texts_to_embed), strict=True))

    def vectors_of(texts: Sequence[str]) -> np.ndarray:
        return np.stack([vectors[text] for text in texts])

    known = set(judge.labels) if judge else set()
    reference_vectors = vectors_of(references)
    judged = {
        name: judged_intents_of_vectors(judge, vectors_of([r.text for r in rs]))
        if judge
        else [None] * len(rs)
        for name, rs in replies.items()
    }
    variants = {
        name: _variant_metrics(
            rs,
            held_out,
            judged[name],
            known,
            similarities_of_vectors(vectors_of([r.text for r in rs]), reference_vectors),
            should_escalate,
            policy,
            seconds[name],
        )
        for name, rs in replies.items()
    }
    judged_references = (
        judged_intents_of_vectors(judge, reference_vectors) if judge else [None] * len(references)
    )
    same_data = data_hash(train) == info.get("data_hash")
    metrics = {
        "adapter": info.get("version", adapter_dir.name),
        "adapter_dir": str(adapter_dir),
        "base_model": base_path,
        "prompt_versions": {"base": base_prompt.version, "adapter": adapter_prompt.version},
        "data": data_source,
        "same_data_as_training": same_data,
        "tickets": len(tickets),
        "train_tickets": len(train),
        "held_out_tickets": len(held_out),
        "held_out_with_intent": sum(bool(i) for i in intents),
        "should_escalate": sum(should_escalate),
        "judge_on_references": _on_intent_share(judged_references, intents, known),
        "max_new_tokens": max_new_tokens,
        "decoding": f"greedy, repetition penalty {repetition_penalty}",
        "merged_adapter": merge_adapter,
        "variants": variants,
        "winners": winners(variants),
        "hardware": hardware(device),
        "seconds": {**seconds, "total": round(time.perf_counter() - started, 1)},
        "created_at": datetime.now(UTC).isoformat(),
        "samples": _samples(held_out, replies, judged, should_escalate),
    }
    output_dir = Path(output_dir or adapter_dir / "eval")
    write_outputs(metrics, replies, held_out, judged, output_dir)
    (adapter_dir / EVAL_METRICS_FILE).write_text(json.dumps(metrics, indent=2))
    progress(
        f"[eval] done in {format_duration(metrics['seconds']['total'])} -> {output_dir}\n"
        + summary_table(metrics)
    )
    return metrics


def spread(items: Sequence, limit: int | None) -> list:
    """At most `limit` items taken evenly across `items` (files are often sorted by intent)."""
    if limit is None or limit >= len(items):
        return list(items)
    if limit <= 0:
        return []
    return [items[i * len(items) // limit] for i in range(limit)]


def _answer_all(
    name: str, texts: Sequence[str], answer: Callable[[str], Reply], progress: Callable[[str], None]
) -> list[Reply]:
    answers: list[Reply] = []
    started = time.perf_counter()
    every = max(1, len(texts) // 10)
    for index, text in enumerate(texts, 1):
        answers.append(answer(text))
        if index % every == 0 or index == len(texts):
            elapsed = time.perf_counter() - started
            eta = elapsed / index * (len(texts) - index)
            progress(
                f"[eval] {name} {index}/{len(texts)} | {elapsed / index * 1000:,.0f} ms/reply"
                f" | elapsed {format_duration(elapsed)} | ETA {format_duration(eta)}"
            )
    return answers


def _with_prompt_layer(assistant: Assistant, policy: EscalationPolicy, message: str) -> Reply:
    """The serving path for a new conversation: guardrails, escalation, context, prompt, reply."""
    from backend.services.chat import prepare_reply

    clock = time.perf_counter()
    guard = policy.guardrails.prompt_injection
    if guard.enabled and looks_like_prompt_injection(message, guard.patterns):
        return Reply(guard.reply, latency_ms=_ms_since(clock), prompt_layer_ms=_ms_since(clock))
    if policy.before_reply(TurnFacts(message=message)):
        layer_ms = _ms_since(clock)
        handoff = policy.handoff_message(HANDOFF_AT)
        return Reply(handoff, escalated=True, latency_ms=layer_ms, prompt_layer_ms=layer_ms)
    prepared = prepare_reply(assistant, [], message, None)
    layer_ms = _ms_since(clock)
    generation = assistant.model.generate_blocking(prepared.prompt_messages)
    topic = next((s["label"] for s in prepared.sources if s["type"] == "topic"), None)
    return Reply(
        fill_placeholders(generation.text, prepared.placeholder_values),
        generated=True,
        latency_ms=layer_ms + generation.latency_ms,
        prompt_layer_ms=layer_ms,
        generated_tokens=generation.generated_tokens,
        generation_ms=generation.latency_ms,
        mean_logprob=generation.mean_logprob,
        topic=topic,
    )


def _bare(chat: LocalChatModel, prompt: SupportPrompt, message: str) -> Reply:
    """The model alone: its template with no context, no policy; placeholders still filled."""
    generation = chat.generate_blocking(prompt.render([], message, ""))
    return Reply(
        fill_placeholders(generation.text, prompt.placeholder_values([], message)),
        generated=True,
        latency_ms=generation.latency_ms,
        generated_tokens=generation.generated_tokens,
        generation_ms=generation.latency_ms,
        mean_logprob=generation.mean_logprob,
    )


def _nearest_reply(solved: SolvedTicketIndex, message: str) -> Reply:
    """The reply of the training ticket whose request is the most similar."""
    clock = time.perf_counter()
    (nearest,) = solved.nearest(embed([message])[0], 1)
    return Reply(nearest.metadata["reply"], latency_ms=_ms_since(clock))


def _ms_since(clock: float) -> float:
    return (time.perf_counter() - clock) * 1000


def _on_intent_share(
    judged: Sequence[str | None], intents: Sequence[str | None], known: Collection[str]
) -> float | None:
    """Share of replies judged to answer their ticket's intent, over intents the judge knows."""
    scored = [(j, i) for j, i in zip(judged, intents, strict=True) if i in known]
    return sum(j == i for j, i in scored) / len(scored) if scored else None


def _variant_metrics(
    replies: list[Reply],
    tickets: list[TicketExample],
    judged: list[str | None],
    known_intents: Collection[str],
    similarities: list[float],
    should_escalate: list[bool],
    policy: EscalationPolicy,
    seconds: float,
) -> dict:
    texts = [r.text for r in replies]
    references = [t.reply for t in tickets]
    generated = [r for r in replies if r.generated]
    escalation = escalation_scores([r.escalated for r in replies], should_escalate)
    topics = [(r.topic, t.intent) for r, t in zip(replies, tickets, strict=True) if r.topic]
    timed = [r for r in replies if r.latency_ms is not None and (r.generated or not generated)]
    return {
        "replies": len(replies),
        # over the tickets whose intent the judge knows (it was in the training split)
        "on_intent": _on_intent_share(judged, [t.intent for t in tickets], known_intents),
        "similarity": statistics.fmean(similarities),
        "rouge_l": statistics.fmean(rouge_l(texts, references)),
        "escalation_precision": escalation.pop("precision"),
        "escalation_recall": escalation.pop("recall"),
        **escalation,
        **latency_stats([r.latency_ms for r in timed]),
        "tokens_per_s": tokens_per_second(
            [r.generated_tokens for r in generated], [r.generation_ms or 0.0 for r in generated]
        ),
        "generated": len(generated),
        "mean_generated_tokens": statistics.fmean(r.generated_tokens for r in generated)
        if generated
        else None,
        "median_prompt_layer_ms": statistics.median(layer)
        if (layer := [r.prompt_layer_ms for r in replies if r.prompt_layer_ms is not None])
        else None,
        "topic_accuracy": sum(t == i for t, i in topics) / len(topics) if topics else None,
        # Replies the policy's low_confidence rule would withhold in serving (not applied here).
        "low_confidence_rate": statistics.fmean(
            policy.after_reply(r.mean_logprob) is not None for r in generated
        )
        if generated and policy.low_confidence.enabled
        else None,
        "seconds": seconds,
    }


def winners(variants: dict[str, dict]) -> dict[str, list[str]]:
    """For each metric, the variant(s) with the best value (ties share it)."""
    best: dict[str, list[str]] = {}
    for metric, (_, higher) in METRICS.items():
        values = {n: v[metric] for n, v in variants.items() if v.get(metric) is not None}
        if not values:
            continue
        top = max(values.values()) if higher else min(values.values())
        best[metric] = [n for n, v in values.items() if abs(v - top) < 1e-9]
    return best


def hardware(device: torch.device | None = None) -> dict:
    """What the evaluation ran on."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    gpu = (
        torch.cuda.get_device_name(device) if device is not None and device.type == "cuda" else None
    )
    return {
        "cpu": cpu,
        "cpu_cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "device": str(device or "cpu"),
        "gpu": gpu,
    }


def _samples(
    tickets: list[TicketExample],
    replies: dict[str, list[Reply]],
    judged: dict[str, list],
    should_escalate: list[bool],
) -> list[dict]:
    """A few tickets of different intents, one that should go to a person among them (if any)."""
    person = next((i for i, should in enumerate(should_escalate) if should), None)
    chosen: list[int] = []
    seen: set[str | None] = set()
    for index in spread(range(len(tickets)), SAMPLE_REPLIES * 3):
        if len(chosen) >= SAMPLE_REPLIES - (person is not None):
            break
        if tickets[index].intent not in seen and index != person:
            seen.add(tickets[index].intent)
            chosen.append(index)
    if person is not None:
        chosen.append(person)
    return [
        {
            "intent": tickets[i].intent,
            "request": tickets[i].customer_text,
            "reference": tickets[i].reply,
            "replies": {
                name: {
                    "text": rs[i].text,
                    "judged_intent": judged[name][i],
                    "escalated": rs[i].escalated,
                }
                for name, rs in replies.items()
            },
        }
        for i in chosen
    ]


def write_outputs(
    metrics: dict,
    replies: dict[str, list[Reply]],
    tickets: list[TicketExample],
    judged: dict[str, list],
    output_dir: Path,
) -> None:
    """report.md, metrics.json, chart.png and replies.jsonl into `output_dir`."""
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))
    with (output_dir / "replies.jsonl").open("w", encoding="utf-8") as out:
        for index, ticket in enumerate(tickets):
            row = {
                "request": ticket.customer_text,
                "intent": ticket.intent,
                "reference": ticket.reply,
                **{
                    name: {**asdict(rs[index]), "judged_intent": judged[name][index]}
                    for name, rs in replies.items()
                },
            }
            out.write(json.dumps(row) + "\n")
    plot_comparison(metrics, output_dir / "chart.png")
    (output_dir / "report.md").write_text(markdown_report(metrics))


def plot_comparison(metrics: dict, path: Path) -> Path:
    """Grouped bars: on-intent, similarity and ROUGE-L of each variant, the judge's ceiling."""
    from training.plots import plt

    groups = [("on_intent", "on-intent rate"), ("similarity", "similarity"), ("rouge_l", "ROUGE-L")]
    names = list(metrics["variants"])
    width = 0.8 / len(names)
    figure, axes = plt.subplots(figsize=(8, 4.2), dpi=110)
    for offset, name in enumerate(names):
        values = [metrics["variants"][name].get(key) or 0.0 for key, _ in groups]
        xs = [g + (offset - (len(names) - 1) / 2) * width for g in range(len(groups))]
        bars = axes.bar(xs, values, width, label=CHART_LABELS.get(name, name))
        axes.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=7, padding=2)
    if (ceiling := metrics.get("judge_on_references")) is not None:
        axes.hlines(
            ceiling, -0.45, 0.45, colors="black", linestyles="dashed", linewidth=1,
            label=f"judge on the references ({ceiling:.2f})",
        )  # fmt: skip
    axes.set_xticks(range(len(groups)), [label for _, label in groups])
    axes.set_ylim(0, 1.12)
    axes.set_ylabel("score (higher is better)")
    axes.set_title(
        f"Adapter {metrics['adapter']}: {metrics['held_out_tickets']} held-out tickets",
        fontsize=10,
    )
    axes.grid(axis="y", alpha=0.3)
    axes.legend(fontsize=8, loc="upper right", ncols=2)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path


def _format(metric: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    if metric in ("on_intent", "escalation_precision", "escalation_recall"):
        return f"{value:.1%}"
    if metric == "median_latency_ms":
        return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"
    if metric in ("tokens_per_s", "tokens"):
        return f"{value:,.0f}"
    return f"{value:.3f}"


def summary_table(metrics: dict) -> str:
    """The variants and their metrics as a markdown table, the best value of each in bold."""
    header = "| variant | " + " | ".join(label for label, _ in METRICS.values()) + " |"
    lines = [header, "|---" * (len(METRICS) + 1) + "|"]
    best = metrics["winners"]
    for name, values in metrics["variants"].items():
        cells = []
        for metric in METRICS:
            text = _format(metric, values.get(metric))
            cells.append(f"**{text}**" if name in best.get(metric, ()) else text)
        lines.append(f"| {VARIANTS[name]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown_report(metrics: dict) -> str:
    """The human-readable report: setup, table, winners, escalation, samples."""
    variants, hw = metrics["variants"], metrics["hardware"]
    ceiling = metrics["judge_on_references"]
    lines = [
        f"# Evaluation of adapter {metrics['adapter']}",
        "",
        f"Base model `{metrics['base_model']}` (prompt `{metrics['prompt_versions']['base']}`),"
        f" adapter prompt `{metrics['prompt_versions']['adapter']}`. Tickets: "
        f"{metrics['data'] or 'approved tickets in the database'} ({metrics['tickets']}):"
        f" {metrics['train_tickets']} for training, {metrics['held_out_tickets']} held-out tickets"
        " answered (the fixed split by request text).",
        ""
        if metrics["same_data_as_training"]
        else "\n**Note:** these tickets are not the data"
        " the adapter was trained on (its data hash differs).\n",
        summary_table(metrics),
        "",
        "Best per metric: "
        + "; ".join(
            f"{METRICS[m][0]}: {', '.join(CHART_LABELS[n] for n in names)}"
            for m, names in metrics["winners"].items()
        )
        + ".",
        "",
        "![on-intent, similarity and ROUGE-L per variant](chart.png)",
        "",
        "- **on-intent**: share of replies a MiniLM classifier, fitted on the training tickets'"
        " reference replies, assigns to the ticket's intent"
        + (
            f"; it scores the held-out reference replies {ceiling:.1%} (the ceiling)."
            if ceiling is not None
            else " (no intents in these tickets: not measured)."
        ),
        "- **similarity**: MiniLM cosine similarity of reply and reference reply (mean);"
        " **ROUGE-L**: F-measure of the longest common subsequence of words (`rouge-score`,"
        " stemmed; mean).",
        f"- **escalation**: {metrics['should_escalate']} held-out tickets should go to a person"
        f" (escalated, or intent `{HUMAN_INTENT}`); the escalation policy belongs to the prompt"
        " layer, so only the prompt-layer variants can hand over.",
        "- **latency**: median time from the message to the whole reply, generated replies only"
        " (prompt layer included); **tokens/s**: generated tokens per second of generation.",
        "",
        "| variant | escalated | of them right | precision | recall | prompt layer (median)"
        " | mean reply tokens | low-confidence withheld | time |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, v in variants.items():
        lines.append(
            f"| {CHART_LABELS[name]} | {v['escalated']} | {v['true_positives']}"
            f" | {_format('escalation_precision', v['escalation_precision'])}"
            f" | {_format('escalation_recall', v['escalation_recall'])}"
            f" | {_format('median_latency_ms', v['median_prompt_layer_ms'])}"
            f" | {_format('tokens', v['mean_generated_tokens'])}"
            f" | {_format('on_intent', v['low_confidence_rate'])}"
            f" | {format_duration(v['seconds'])} |"
        )
    lines += [
        "",
        f"Decoding: {metrics['decoding']}, at most {metrics['max_new_tokens']} new tokens"
        f" (adapter merged: {metrics['merged_adapter']}). Hardware: {hw['cpu']},"
        f" {hw['cpu_cores']} cores, device {hw['device']}"
        + (f" ({hw['gpu']})" if hw["gpu"] else "")
        + f". Total time {format_duration(metrics['seconds']['total'])}.",
        "",
        "## Sample replies",
        "",
    ]
    for sample in metrics["samples"]:
        lines += [
            f"**{sample['intent'] or 'no intent'}**: {_quote(sample['request'])}",
            "",
            f"- reference: {_quote(sample['reference'])}",
        ]
        for name, reply in sample["replies"].items():
            mark = " (hand-off)" if reply["escalated"] else ""
            judged = f" [judged: {reply['judged_intent']}]" if reply["judged_intent"] else ""
            lines.append(f"- {CHART_LABELS[name]}{mark}{judged}: {_quote(reply['text'])}")
        lines.append("")
    return "\n".join(lines)


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SAMPLE_CHARS else text[: SAMPLE_CHARS - 1] + "…"


def recorded_base_model(adapter_dir: Path) -> str | None:
    """The base model the adapter records, if it can be loaded from here (a hub id or a dir)."""
    recorded = adapter_info(adapter_dir).get("base_model_path")
    if recorded and (Path(recorded).is_dir() or not _looks_like_a_path(recorded)):
        return str(recorded)
    return None


def _looks_like_a_path(name: str) -> bool:
    """A directory path rather than a hub id ("org/model")."""
    return name.startswith((".", "/", "~")) or name.count("/") != 1 or Path(name).exists()
