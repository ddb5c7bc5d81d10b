"""`supportbot eval`: prompt engineering, fine-tuning, both, and retrieval, side by side.

    supportbot eval --adapter data/adapters/<version>                  # approved tickets
    supportbot eval --adapter DIR --data export.csv --limit 100 --max-new-tokens 256

The tickets are split by `training.tickets.split_tickets`, the fixed split by text that training
uses, so the held-out tickets are ones the adapter never saw. Each held-out request is answered by
five variants:

- `prompt` (prompt engineering): the base model behind the prompt layer: its template, the topic
  line from the base's topic classifier, guardrails and the escalation policy, placeholders filled;
- `finetune` (fine-tuning): base + LoRA adapter with a bare prompt: the adapter's template with
  empty context (no topic line) and no escalation policy; placeholders filled;
- `both` (fine-tuning and prompt): base + adapter behind the prompt layer, the adapter writing;
- `served` (for an adapter that ranks solved replies): as `both`, but the adapter ranks the solved
  replies retrieval found and the best is sent, as serving does;
- `retrieval` (baseline): the reply of the training ticket whose request is the most similar
  (MiniLM cosine).

Measured for each: the on-intent rate (a TF-IDF classifier fitted on the training split's reference
replies reads the intent back from the reply, independently of serving's MiniLM; its rate on the
held-out references is the ceiling), semantic similarity (MiniLM cosine) and ROUGE-L to the
reference reply, the share of replies naming facts nobody gave, escalation precision and recall (a
ticket should go to a person when it was escalated or its intent is `contact_human_agent`), the
median time to a whole reply, decoding tokens/s, and on-intent per intent. Written into the output
directory (default: `<adapter>/eval`): `report.md`, `metrics.json`, `chart.png` and
`replies.jsonl`; the metrics are also stored with the adapter as `eval_metrics.json`.
"""

import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import numpy as np
import torch
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from backend.models import Ticket
from backend.runtime.artifacts import adapter_info
from backend.runtime.assistant import Assistant
from backend.runtime.base import ModelInfo
from backend.runtime.factory import trained_prompt_version
from backend.runtime.loading import load_causal_lm
from backend.runtime.local import LocalChatModel, generation_config_for
from backend.services.ticket_import import read_ticket_file
from prompts import CompanyFacts, ContextAssembler, SupportPrompt
from prompts.company import render_company_facts
from prompts.embeddings import embed, forget_cached_embeddings
from prompts.escalation import EscalationPolicy, load_policy
from prompts.topics import TopicClassifier
from training.eval_answers import Reply, answer_all, bare, nearest_replies, with_prompt_layer
from training.eval_metrics import (
    escalation_scores,
    fit_intent_judge,
    latency_stats,
    rouge_l,
    similarities_of_vectors,
    tokens_per_second,
)
from training.eval_report import (
    HUMAN_INTENT,
    METRICS,
    VARIANTS,
    summary_table,
    write_outputs,
)
from training.progress import format_duration
from training.reply_facts import FactCheck, common_capitalised_words
from training.tickets import SolvedTicketIndex, TicketExample, data_hash, split_tickets

EVAL_METRICS_FILE = "eval_metrics.json"
DEFAULT_MAX_NEW_TOKENS = 256
SAMPLE_REPLIES = 6


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
    min_retrieval_score: float = 0.0,
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
    adapter_topics = TopicClassifier.load(adapter_dir, base=base_topics) or base_topics
    base_prompt = SupportPrompt(
        base_prompt_version or trained_prompt_version(Path(base_path)), company
    )
    adapter_prompt = SupportPrompt(info.get("prompt_version") or base_prompt.version, company)
    policy.warm_up()
    embed(["warm up"])  # MiniLM loaded before anything is timed

    # The served path: an adapter that ranks solved replies is measured doing so as well.
    ranks = info.get("reply_strategy") == "rank_solved"
    served_variant = "served" if ranks else "both"
    variant_count = len(VARIANTS) - (not ranks)
    replies: dict[str, list[Reply]] = {}
    seconds: dict[str, float] = {}

    def run(name: str, answer: Callable[[], list[Reply]]) -> None:
        progress(f"[eval] variant {len(replies) + 1}/{variant_count}: {VARIANTS[name]}")
        forget_cached_embeddings()  # every variant embeds each request afresh, as serving would
        clock = time.perf_counter()
        replies[name] = answer()
        seconds[name] = round(time.perf_counter() - clock, 1)
        progress(f"[eval] {name}: {format_duration(seconds[name])}")

    def chat_model(adapter: Path | None) -> LocalChatModel:
        model, tokenizer = load_causal_lm(base_path, adapter, device, merge_adapter)
        config = generation_config_for(model, tokenizer, max_new_tokens, 0.0, repetition_penalty)
        return LocalChatModel(model, tokenizer, ModelInfo(base_path), config)

    progress(f"[eval] indexing the {len(train)} training tickets for retrieval")
    solved = SolvedTicketIndex.of(train, min_retrieval_score)

    def prompt_layer(topics: TopicClassifier | None) -> ContextAssembler:
        # Retrieval as served: candidates from the training tickets, the topic's first.
        return ContextAssembler(topics, tickets=solved, tickets_shown=tickets_shown)

    base = chat_model(None)
    assistant = Assistant(base, base_prompt, prompt_layer(base_topics))
    run("prompt", lambda: answer_all(
        "prompt", base, texts, partial(with_prompt_layer, assistant, policy), progress
    ))  # fmt: skip
    assistant = base = None  # the base model can go before the adapted one is loaded
    tuned = chat_model(adapter_dir)
    run("finetune", lambda: answer_all(
        "finetune", tuned, texts, partial(bare, adapter_prompt), progress
    ))  # fmt: skip
    assistant = Assistant(tuned, adapter_prompt, prompt_layer(adapter_topics))
    run("both", lambda: answer_all(
        "both", tuned, texts, partial(with_prompt_layer, assistant, policy), progress
    ))  # fmt: skip
    if ranks:
        assistant = replace(assistant, reply_strategy="rank_solved")
        run("served", lambda: answer_all(
            "served", tuned, texts, partial(with_prompt_layer, assistant, policy), progress
        ))  # fmt: skip
    assistant = tuned = None
    run("retrieval", lambda: nearest_replies(solved, texts))

    progress(f"[eval] scoring: fitting the judge on the {len(train)} training replies")
    judge = fit_intent_judge([t.reply for t in train], [t.intent for t in train])
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
        name: judge.judge([r.text for r in rs]) if judge else [None] * len(rs)
        for name, rs in replies.items()
    }
    common_words = common_capitalised_words(t.reply for t in train)
    facts = FactCheck(render_company_facts(company), common_words)
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
            facts,
        )
        for name, rs in replies.items()
    }
    judged_references = judge.judge(references) if judge else [None] * len(references)
    base_knows = set(base_topics.labels) if base_topics else set()
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
        "judge": "TF-IDF word and character n-grams, logistic regression, fitted on the training"
        " tickets' replies",
        "judge_on_references": _on_intent_share(judged_references, intents, known),
        "references_unsupported_facts": facts.rate(references, texts),
        "max_new_tokens": max_new_tokens,
        "decoding": f"greedy, repetition penalty {repetition_penalty}",
        "merged_adapter": merge_adapter,
        "variants": variants,
        "served_variant": served_variant,  # what the adapter serves; the promotion gate reads it
        "winners": winners(variants),
        "per_intent": (intent_rows := per_intent(held_out, judged, known, base_knows)),
        "intent_groups": intent_groups(intent_rows, list(variants)),
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
    facts: FactCheck,
) -> dict:
    texts = [r.text for r in replies]
    references = [t.reply for t in tickets]
    generated = [r for r in replies if r.generated]
    escalation = escalation_scores([r.escalated for r in replies], should_escalate)
    topics = [(r.topic, t.intent) for r, t in zip(replies, tickets, strict=True) if r.topic]
    by_model = [r for r in replies if r.answered_by_model]
    timed = [r for r in (by_model or replies) if r.latency_ms is not None]
    return {
        "replies": len(replies),
        # over the tickets whose intent the judge knows (it was in the training split)
        "on_intent": _on_intent_share(judged, [t.intent for t in tickets], known_intents),
        "similarity": statistics.fmean(similarities),
        "rouge_l": statistics.fmean(rouge_l(texts, references)),
        # replies naming an order number, amount, address or name given by nobody
        "unsupported_facts": facts.rate(texts, [t.customer_text for t in tickets]),
        "escalation_precision": escalation.pop("precision"),
        "escalation_recall": escalation.pop("recall"),
        **escalation,
        **latency_stats([r.latency_ms for r in timed]),
        "tokens_per_s": tokens_per_second(
            [r.generated_tokens for r in generated], [r.generation_ms or 0.0 for r in generated]
        ),
        "generated": len(generated),
        "ranked": sum(r.ranked for r in replies),  # solved replies the model chose (served path)
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


def per_intent(
    tickets: Sequence[TicketExample],
    judged: dict[str, list[str | None]],
    known_intents: Collection[str],
    base_knows: Collection[str],
) -> dict[str, dict]:
    """On-intent rate of each variant for each intent, and whether the base model knows it.

    An intent the base's topic classifier knows is generic support it was trained on; one it
    does not know is the company's own, which only the tickets can teach.
    """
    rows: dict[str, dict] = {}
    for intent in sorted({t.intent for t in tickets if t.intent in known_intents}):
        indices = [i for i, t in enumerate(tickets) if t.intent == intent]
        rows[intent] = {
            "tickets": len(indices),
            "known_to_base": intent in base_knows,
            "on_intent": {
                name: sum(js[i] == intent for i in indices) / len(indices)
                for name, js in judged.items()
            },
        }
    return rows


def intent_groups(per_intent_rows: dict[str, dict], variants: Collection[str]) -> dict[str, dict]:
    """On-intent rate per variant over the intents the base knows, and over the new ones."""
    groups: dict[str, dict] = {}
    for group, known in (("known to the base", True), ("new to the base", False)):
        rows = [r for r in per_intent_rows.values() if r["known_to_base"] is known]
        count = sum(r["tickets"] for r in rows)
        if count:
            groups[group] = {
                "intents": len(rows),
                "tickets": count,
                "on_intent": {
                    v: sum(r["on_intent"][v] * r["tickets"] for r in rows) / count for v in variants
                },
            }
    return groups


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


def recorded_base_model(adapter_dir: Path) -> str | None:
    """The base model the adapter records, if it can be loaded from here (a hub id or a dir)."""
    recorded = adapter_info(adapter_dir).get("base_model_path")
    if recorded and (Path(recorded).is_dir() or not _looks_like_a_path(recorded)):
        return str(recorded)
    return None


def _looks_like_a_path(name: str) -> bool:
    """A directory path rather than a hub id ("org/model")."""
    return name.startswith((".", "/", "~")) or name.count("/") != 1 or Path(name).exists()
