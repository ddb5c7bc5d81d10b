"""Escalation quality on real support requests (Bitext): people who ask for a person get one,
and ordinary requests are not handed over.

Bitext is evaluation data only: it lies beside the checkout (../shared/data/bitext/) and none of
its rows are in the project. `benchmarks/escalation_quality.py` prints the full breakdown.
"""

import csv
from collections import Counter
from pathlib import Path

import pytest

from prompts.escalation import TurnFacts, load_policy
from prompts.escalation.rules import amounts

BITEXT = Path(__file__).resolve().parents[2] / "shared/data/bitext/support_pairs.csv"
HUMAN_INTENT, COMPLAINT = "contact_human_agent", "complaint"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not BITEXT.is_file(), reason=f"Bitext not found at {BITEXT}"),
]


@pytest.fixture(scope="module")
def decided():
    """Every Bitext request with the default policy's decision for it as a first message."""
    with BITEXT.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    policy = load_policy()
    decisions = policy.before_reply_many([TurnFacts(message=row["instruction"]) for row in rows])
    return policy, list(zip(rows, decisions, strict=True))


def test_requests_for_a_person_are_escalated(decided):
    _, pairs = decided
    human = [decision for row, decision in pairs if row["intent"] == HUMAN_INTENT]
    recall = sum(d is not None for d in human) / len(human)
    assert recall >= 0.95, f"recall on {HUMAN_INTENT}: {recall:.1%}"


def test_ordinary_requests_are_rarely_escalated(decided):
    """At most 3 % per intent (complaints aside), not counting refund requests over the limit.

    A message that asks for a refund and names an amount over the policy's threshold ("refund
    1200 dollars") goes to a person by design (company.yaml: refunds over $250 are reviewed by
    a person); Bitext's get_refund intent has such requests. They are checked separately.
    """
    policy, pairs = decided
    total, escalated = Counter(), Counter()
    for row, decision in pairs:
        total[row["intent"]] += 1
        if decision is None:
            continue
        if decision.rule == "refund":
            assert max(amounts(row["instruction"])) > policy.refund.threshold, row["instruction"]
            continue
        escalated[row["intent"]] += 1
    rates = {
        intent: escalated[intent] / n
        for intent, n in total.items()
        if intent not in (HUMAN_INTENT, COMPLAINT)
    }
    too_many = {intent: f"{rate:.1%}" for intent, rate in rates.items() if rate > 0.03}
    assert not too_many, f"escalated more than 3 %: {too_many}"
