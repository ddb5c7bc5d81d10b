"""The retraining gate's evaluation: the new adapter against the serving one, in one run.

Both answer the same held-out tickets through the serving path (prompt layer, retrieval of the
training tickets, ranking or writing as each serves); an independent TF-IDF judge reads the
intent of every reply. The held-out tickets are grouped into those of earlier runs and those
new since the last run, so the gate can see forgetting as well as gains.
"""

import statistics
from collections.abc import Callable, Collection, Sequence
from functools import partial
from pathlib import Path

from backend.core.config import Settings
from backend.runtime.artifacts import adapter_info
from backend.runtime.factory import load_assistant
from prompts import CompanyFacts
from prompts.escalation import EscalationPolicy
from training.eval_answers import answer_all, with_prompt_layer
from training.eval_metrics import fit_intent_judge, rouge_l
from training.tickets import SolvedTicketIndex, TicketExample

GROUPS = ("all", "earlier", "new")


def compare_served(
    settings: Settings,
    company: CompanyFacts,
    policy: EscalationPolicy,
    candidate: Path,
    serving: Path | None,
    train: Sequence[TicketExample],
    held_out: Sequence[TicketExample],
    earlier: Collection[str],
    progress: Callable[[str], None] = print,
) -> dict:
    """Score the candidate and the serving adapter (None: the base) on `held_out`.

    `earlier` holds the requests of held-out tickets that earlier runs had already; the rest
    are new. Returns, per group, the tickets, the on-intent rate of each side (over tickets
    with an intent the judge knows) and their mean ROUGE-L to the reference.
    """
    solved = SolvedTicketIndex.of(train, settings.min_retrieval_score)
    judge = fit_intent_judge([t.reply for t in train], [t.intent for t in train])
    texts = [t.customer_text for t in held_out]
    sides = {"candidate": candidate, "serving": serving}
    scores: dict[str, tuple[list[bool | None], list[float]]] = {}
    for side, adapter in sides.items():
        assistant = load_assistant(settings, company, adapter, (None, solved))
        prepare = partial(with_prompt_layer, assistant, policy)
        replies = answer_all(side, assistant.model, texts, prepare, progress, time_latency=False)
        reply_texts = [r.text for r in replies]
        judged = judge.judge(reply_texts) if judge else [None] * len(replies)
        on_intent = [
            (label == t.intent) if judge and t.intent in judge.labels else None
            for label, t in zip(judged, held_out, strict=True)
        ]
        scores[side] = (on_intent, rouge_l(reply_texts, [t.reply for t in held_out]))
    members = {
        "all": [True] * len(held_out),
        "earlier": [t.customer_text in earlier for t in held_out],
        "new": [t.customer_text not in earlier for t in held_out],
    }
    return {
        "serving": adapter_info(serving).get("version") if serving else None,
        "groups": {group: _group_scores(scores, members[group]) for group in GROUPS},
    }


def _group_scores(scores: dict, member: list[bool]) -> dict:
    result: dict = {"tickets": sum(member)}
    for side, (on_intent, rouge) in scores.items():
        judged = [hit for hit, m in zip(on_intent, member, strict=True) if m and hit is not None]
        rouges = [value for value, m in zip(rouge, member, strict=True) if m]
        result[side] = {
            "on_intent": statistics.fmean(judged) if judged else None,
            "judged": len(judged),
            "rouge_l": statistics.fmean(rouges) if rouges else None,
        }
    return result
