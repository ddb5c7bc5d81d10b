"""Measures of generated replies against the reference replies of held-out tickets.

Shared by the starter's evaluation (`training.starter.evaluate`) and `supportbot eval`
(`training.evaluate`): the on-intent judge (TF-IDF, independent of the MiniLM models serving
uses), semantic similarity, ROUGE-L, escalation precision and recall, and latency statistics.
"""

import statistics
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from prompts.embeddings import embed

if TYPE_CHECKING:
    from rouge_score.rouge_scorer import RougeScorer


class IntentJudge:
    """Reads the intent back from a reply: TF-IDF word and character n-grams, logistic regression.

    It is fitted on reference replies and shares nothing with serving, which reads topics and
    retrieves with MiniLM embeddings of the customer's message: a judge that used the serving
    classifier would measure the classifier, not the reply.
    """

    def __init__(self, replies: Sequence[str], intents: Sequence[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        features = make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2),
        )
        self._pipeline = make_pipeline(features, LogisticRegression(max_iter=2000, C=20.0))
        self._pipeline.fit(list(replies), list(intents))
        self.labels: tuple[str, ...] = tuple(str(c) for c in self._pipeline.classes_)

    def judge(self, replies: Sequence[str]) -> list[str]:
        """The intent each reply answers, in the judge's reading."""
        return [str(label) for label in self._pipeline.predict(list(replies))] if replies else []


def fit_intent_judge(replies: Sequence[str], intents: Sequence[str | None]) -> IntentJudge | None:
    """A judge fitted on the replies that have an intent; None with fewer than two intents."""
    labelled = [(reply, intent) for reply, intent in zip(replies, intents, strict=True) if intent]
    if len({intent for _, intent in labelled}) < 2:
        return None
    return IntentJudge([reply for reply, _ in labelled], [intent for _, intent in labelled])


def on_intent_rate(judge: IntentJudge, replies: Sequence[str], intents: Sequence[str]) -> float:
    """Share of replies the judge assigns to the intent they were meant to answer."""
    judged = judge.judge(replies)
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
    scorer = _rouge_scorer()
    return [
        scorer.score(reference, reply)["rougeL"].fmeasure
        for reply, reference in zip(replies, references, strict=True)
    ]


@cache
def _rouge_scorer() -> "RougeScorer":
    from rouge_score.rouge_scorer import RougeScorer

    return RougeScorer(["rougeL"], use_stemmer=True)


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
