"""Escalation quality on Bitext: how often `before_reply` hands each intent to a person.

Every Bitext request runs through `before_reply(TurnFacts(message=instruction))` (as the first
message of a conversation, no orders), once with the default policy and once with a baseline
that has the human-request classifier off (keyword patterns only). Bitext is split by row
index: even rows were used to tune the patterns, threshold and examples, odd rows were not;
both halves are reported.

    python benchmarks/escalation_quality.py                   # ../shared/data/bitext/
    python benchmarks/escalation_quality.py --show-errors      # even-half mistakes (tuning)
    python benchmarks/escalation_quality.py --threshold 0.6    # try another threshold
"""

import argparse
import csv
import os
import platform
import time
from collections import Counter, defaultdict
from pathlib import Path

from prompts.embeddings import load_embedder
from prompts.escalation import EscalationPolicy, TurnFacts, load_policy

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/bitext/support_pairs.csv"
HUMAN_INTENT, COMPLAINT = "contact_human_agent", "complaint"
HALVES = ("even", "odd")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="Bitext support_pairs.csv")
    parser.add_argument("--policy", type=Path, default=None, help="policy YAML (default: built-in)")
    parser.add_argument("--threshold", type=float, default=None, help="classifier threshold")
    parser.add_argument(
        "--show-errors",
        action="store_true",
        help="print the EVEN half's missed human requests and false escalations (tuning half)",
    )
    return parser.parse_args()


def keywords_only(policy: EscalationPolicy) -> EscalationPolicy:
    """The baseline: the same policy with the human-request classifier switched off."""
    rule = policy.human_request
    classifier = rule.classifier.model_copy(update={"enabled": False})
    return policy.model_copy(
        update={"human_request": rule.model_copy(update={"classifier": classifier})}
    )


def with_threshold(policy: EscalationPolicy, threshold: float) -> EscalationPolicy:
    """The policy with another human-request classifier threshold."""
    rule = policy.human_request
    classifier = rule.classifier.model_copy(update={"threshold": threshold})
    return policy.model_copy(
        update={"human_request": rule.model_copy(update={"classifier": classifier})}
    )


def rate(fired: int, total: int) -> str:
    return f"{fired / total:6.1%}" if total else "     -"


def report(name: str, rows: list[dict[str, str]], decisions: list) -> dict[str, dict[str, float]]:
    """Print per-intent escalation rates (even / odd / all) and the rules that fired."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    refunds: Counter[tuple[str, str]] = Counter()  # refund requests over the limit (by design)
    rules: dict[str, Counter[str]] = defaultdict(Counter)
    for index, (row, decision) in enumerate(zip(rows, decisions, strict=True)):
        for half in (HALVES[index % 2], "all"):
            counts[row["intent"], half][1] += 1
            counts[row["intent"], half][0] += decision is not None
            refunds[row["intent"], half] += decision is not None and decision.rule == "refund"
        if decision is not None:
            rules[row["intent"]][decision.rule] += 1
    intents = sorted({row["intent"] for row in rows}, key=lambda i: (i != HUMAN_INTENT, i))
    print(f"\n{name}: share of requests escalated by before_reply")
    print(f"  {'intent':28} {'n':>5} {'even':>7} {'odd':>7} {'all':>7}  rules fired")
    rates: dict[str, dict[str, float]] = {}
    for intent in intents:
        rates[intent] = {h: counts[intent, h][0] / counts[intent, h][1] for h in (*HALVES, "all")}
        rates[intent] |= {
            f"{h} without refunds": (counts[intent, h][0] - refunds[intent, h])
            / counts[intent, h][1]
            for h in (*HALVES, "all")
        }
        fired = ", ".join(f"{rule} {n}" for rule, n in rules[intent].most_common())
        cells = " ".join(rate(*counts[intent, h]) for h in (*HALVES, "all"))
        print(f"  {intent:28} {counts[intent, 'all'][1]:5} {cells}  {fired}")
    for half in (*HALVES, "all"):
        others = {i: r[half] for i, r in rates.items() if i not in (HUMAN_INTENT, COMPLAINT)}
        worst = max(others, key=others.get)
        key = f"{half} without refunds"
        rest = {i: r[key] for i, r in rates.items() if i not in (HUMAN_INTENT, COMPLAINT)}
        worst_rest = max(rest, key=rest.get)
        print(
            f"  {half:>4}: recall {HUMAN_INTENT} {rates[HUMAN_INTENT][half]:.1%}, "
            f"complaint {rates[COMPLAINT][half]:.1%}, "
            f"worst other intent {worst} {others[worst]:.1%}; "
            f"without refunds over the limit {worst_rest} {rest[worst_rest]:.1%}"
        )
    return rates


def show_errors(rows: list[dict[str, str]], decisions: list) -> None:
    """The even (tuning) half's misses on contact_human_agent and escalations elsewhere."""
    print("\nEVEN half, contact_human_agent not escalated:")
    for index, (row, decision) in enumerate(zip(rows, decisions, strict=True)):
        if index % 2 == 0 and row["intent"] == HUMAN_INTENT and decision is None:
            print(f"  {row['instruction']!r}")
    print("\nEVEN half, other intents escalated (complaint aside):")
    for index, (row, decision) in enumerate(zip(rows, decisions, strict=True)):
        if index % 2 == 0 and row["intent"] not in (HUMAN_INTENT, COMPLAINT) and decision:
            print(
                f"  {row['intent']:24} {decision.rule:14} {row['instruction']!r} {decision.reason}"
            )


def main() -> None:
    args = parse_args()
    with args.data.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    policy = load_policy(args.policy)
    if args.threshold is not None:
        policy = with_threshold(policy, args.threshold)
    machine = platform.processor() or platform.machine()
    print(f"{len(rows)} Bitext requests from {args.data}; {machine}, {os.cpu_count()} CPUs")

    started = time.perf_counter()
    load_embedder()
    loaded = time.perf_counter()
    fit_seconds = policy.warm_up()
    print(f"MiniLM loaded in {loaded - started:.1f}s; classifier fitted in {fit_seconds:.1f}s")

    turns = [TurnFacts(message=row["instruction"]) for row in rows]
    results = {}
    for name, candidate in (
        ("classifier", policy),
        ("baseline (keywords only)", keywords_only(policy)),
    ):
        started = time.perf_counter()
        decisions = candidate.before_reply_many(turns)
        seconds = time.perf_counter() - started
        print(f"\n{name}: {len(turns)} messages in {seconds:.1f}s")
        results[name] = report(name, rows, decisions)
        if args.show_errors and name == "classifier":
            show_errors(rows, decisions)

    print(
        "\nsummary (even = tuning half, odd = held out; 'no refunds' leaves out refund requests"
        " that name an amount over the limit, which go to a person by design)"
    )
    for name, rates in results.items():
        for half in (*HALVES, "all"):
            others = [r for i, r in rates.items() if i not in (HUMAN_INTENT, COMPLAINT)]
            print(
                f"  {name:26} {half:>4}: recall {rates[HUMAN_INTENT][half]:6.1%}  "
                f"worst other {max(r[half] for r in others):5.1%} "
                f"(no refunds {max(r[f'{half} without refunds'] for r in others):4.1%})  "
                f"complaint {rates[COMPLAINT][half]:5.1%}"
            )


if __name__ == "__main__":
    main()
