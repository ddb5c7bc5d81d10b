"""Measures of generated replies against the reference replies of held-out tickets.

Shared by the starter's evaluation (`training.starter.evaluate`) and `supportbot eval`
(`training.evaluate`): the on-intent judge, semantic similarity, ROUGE-L, escalation precision
and recall, and latency statistics.
"""

import statistics
from collections.abc import Sequence

import numpy as np

from prompts.embeddings import embed
from prompts.topics import TopicClassifier


def fit_intent_judge(reference_replies: Sequence[str], intents: Sequence[str]) -> TopicClassifier:
    """The judge: the MiniLM topic classifier, fitted on reference *replies* -> their intent."""
    return TopicClassifier.fit(list(reference_replies), list(intents))


def judged_intents(judge: TopicClassifier, replies: Sequence[str]) -> list[str]:
    """The intent the judge reads from each reply."""
    return [topic.label for topic in judge.predict(list(replies))] if replies else []


def judged_intents_of_vectors(judge: TopicClassifier, vectors: np.ndarray) -> list[str]:
    """`judged_intents` for replies already embedded (rows of `embed`)."""
    if not len(vectors):
        return []
    return [judge.labels[i] for i in (vectors @ judge.weights.T + judge.bias).argmax(axis=1)]


def on_intent_rate(judge: TopicClassifier, replies: Sequence[str], intents: Sequence[str]) -> float:
    """Share of replies the judge assigns to the intent they were meant to answer."""
    judged = judged_intents(judge, replies)
    return sum(j == i for j, i in zip(judged, intents, strict=True)) / max(len(intents), 1)


def semantic_similarities(replies: Sequence[str], references: Sequence[str]) -> list[float]:
    """Cosine similarity of each reply to its reference, in MiniLM sentence embeddings."""
    if not replies:
        return []
    vectors = embed([*replies, *references])
    return similarities_of_vectors(vectors[: len(replies)], vectors[len(replies) :])


def similarities_of_vectors(replies: np.ndarray, references: np.ndarray) -> list[float]:
    """`semantic_similarities` for texts already embedded (unit rows, pairwise)."""
    return [float(x) for x in np.clip(np.sum(replies * references, axis=1), -1.0, 1.0)]


def rouge_l(replies: Sequence[str], references: Sequence[str]) -> list[float]:
    """ROUGE-L F-measure of each reply against its reference (`rouge-score`, Porter stemming)."""
    from rouge_score.rouge_scorer import RougeScorer

    scorer = RougeScorer(["rougeL"], use_stemmer=True)
    return [
        scorer.score(reference, reply)["rougeL"].fmeasure
        for reply, reference in zip(replies, references, strict=True)
    ]


def escalation_scores(escalated: Sequence[bool], should_escalate: Sequence[bool]) -> dict:
    """Precision and recall of the hand-offs (None where undefined), with the counts."""
    pairs = list(zip(escalated, should_escalate, strict=True))
    true_positive = sum(e and s for e, s in pairs)
    escalations, expected = sum(escalated), sum(should_escalate)
    return {
        "escalated": escalations,
        "should_escalate": expected,
        "true_positives": true_positive,
        "precision": true_positive / escalations if escalations else None,
        "recall": true_positive / expected if expected else None,
    }


def latency_stats(latencies_ms: Sequence[float]) -> dict:
    """Median and 95th-percentile latency in milliseconds (None without any)."""
    if not latencies_ms:
        return {"median_latency_ms": None, "p95_latency_ms": None}
    return {
        "median_latency_ms": statistics.median(latencies_ms),
        "p95_latency_ms": float(np.percentile(latencies_ms, 95)),
    }


def tokens_per_second(
    generated_tokens: Sequence[int], generation_ms: Sequence[float]
) -> float | None:
    """Decoding throughput: all generated tokens over all the time spent generating them."""
    seconds = sum(generation_ms) / 1000
    return sum(generated_tokens) / seconds if seconds > 0 else None
