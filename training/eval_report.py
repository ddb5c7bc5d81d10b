"""The report of `supportbot eval`: report.md, metrics.json, chart.png and replies.jsonl."""

import json
from dataclasses import asdict
from pathlib import Path

from training.eval_answers import Reply
from training.progress import format_duration
from training.tickets import TicketExample

VARIANTS: dict[str, str] = {
    "prompt": "prompt only (base model + prompt layer)",
    "finetune": "fine-tune only (adapter, bare prompt)",
    "both": "fine-tune + prompt (adapter + prompt layer, its own replies)",
    "served": "served path (adapter + prompt layer, ranking the solved replies)",
    "retrieval": "retrieval (reply of the nearest training ticket)",
}
CHART_LABELS = {
    "prompt": "prompt only",
    "finetune": "fine-tune only",
    "both": "fine-tune + prompt",
    "served": "served path",
    "retrieval": "retrieval",
}
# metric -> (label in the report, higher is better)
METRICS: dict[str, tuple[str, bool]] = {
    "on_intent": ("on-intent", True),
    "similarity": ("similarity", True),
    "rouge_l": ("ROUGE-L", True),
    "unsupported_facts": ("unsupported facts", False),
    "escalation_precision": ("escalation precision", True),
    "escalation_recall": ("escalation recall", True),
    "median_latency_ms": ("median latency", False),
    "tokens_per_s": ("tokens/s", True),
}
SAMPLE_CHARS = 320
HUMAN_INTENT = "contact_human_agent"  # tickets of this intent should go to a person


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
    if metric in ("on_intent", "escalation_precision", "escalation_recall", "unsupported_facts"):
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
        "- **on-intent**: share of replies a TF-IDF classifier (word and character n-grams),"
        " fitted on the training tickets' reference replies, assigns to the ticket's intent;"
        " it shares nothing with the MiniLM models that serving reads topics and retrieves with"
        + (
            f"; it scores the held-out reference replies {ceiling:.1%} (the ceiling)."
            if ceiling is not None
            else " (no intents in these tickets: not measured)."
        ),
        "- **similarity**: MiniLM cosine similarity of reply and reference reply (mean);"
        " **ROUGE-L**: F-measure of the longest common subsequence of words (`rouge-score`,"
        " stemmed; mean).",
        "- **unsupported facts**: share of replies naming an order number, amount, email or web"
        " address, or name that is in neither the request nor the company's facts (another"
        " customer's details, or made up); the held-out reference replies score"
        f" {_format('unsupported_facts', metrics['references_unsupported_facts'])}.",
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
        *intent_tables(metrics),
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


def intent_tables(metrics: dict) -> list[str]:
    """On-intent per variant for intents the base knows vs new ones, then for each intent."""
    names = list(metrics["variants"])
    head = " | ".join(CHART_LABELS[n] for n in names)
    lines = [
        "## On-intent by intent",
        "",
        "Intents the base model knows (its topic classifier has them) are generic support; the"
        " others are the company's own, which only its tickets can teach.",
        "",
        f"| intents | tickets | {head} |",
        "|---|---|" + "---|" * len(names),
    ]
    for group, row in metrics["intent_groups"].items():
        cells = " | ".join(_format("on_intent", row["on_intent"][n]) for n in names)
        lines.append(f"| {group} ({row['intents']}) | {row['tickets']} | {cells} |")
    lines += ["", f"| intent | known to the base | tickets | {head} |"]
    lines.append("|---|---|---|" + "---|" * len(names))
    for intent, row in metrics["per_intent"].items():
        cells = " | ".join(_format("on_intent", row["on_intent"][n]) for n in names)
        known = "yes" if row["known_to_base"] else "no"
        lines.append(f"| {intent} | {known} | {row['tickets']} | {cells} |")
    return [*lines, ""]


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SAMPLE_CHARS else text[: SAMPLE_CHARS - 1] + "…"
